"""The default training source: FACS-warped real faces (:mod:`edge.train.corpus`) as engine inputs.

Identities are split once, by name, before anything is trained: :data:`HELD_OUT` identities never reach
the training rows; their pairs are the validation and calibration set (temperature, AU/emotion agreement).
Pairs are featurised as the runtime does it: the classification input from the once-per-event flow
(:data:`edge.motion.features.EVENT_FLOW`), the spotting input from the per-frame DIS ultrafast flow.
Half of the classification inputs keep the runtime's head compensation and eye masks, the other half are
the plain onset-to-apex flow of the field's STSTNet representation (no mask), so the network reads both.

The featurised set is cached under ``~/.cache/glimpse/corpus`` keyed by every generation parameter, so a
second ``glimpse train`` with the same arguments skips rendering; two worker processes render in parallel.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from edge.engine.labels import ENGINE_AUS
from edge.motion.features import EVENT_FLOW, compensate, event_flow, stst_input
from edge.motion.flow import create_dis, optical_strain
from edge.motion.rois import EYE_ROIS, REFERENCE_ROI, canonical_boxes
from edge.train.data import TrainingSet, _spot_features
from edge.train.identities import (
    ASTRONAUT,
    Identity,
    default_cache,
    default_dev_labels,
    labelled_frames,
    load_identities,
)

logger = logging.getLogger(__name__)

#: Identities held out of training (validation and calibration): the public portrait and two calm clips.
HELD_OUT = (ASTRONAUT, "s18", "s20")
SOURCE = "edge.train.realsynth"
VERSION = 1


def _featurise(job: tuple[Identity, int, int, float]) -> dict[str, np.ndarray]:
    from edge.train.corpus import identity_pairs

    identity, n, seed, neutral_frac = job
    rng = np.random.default_rng([seed, 17, identity.frame, len(identity.identity)])
    dis = create_dis("ultrafast")
    boxes = canonical_boxes(128)
    head, eyes = boxes[REFERENCE_ROI], [boxes[name] for name in EYE_ROIS]
    x_cls, x_spot, label, spot, au, recipe, intensity = [], [], [], [], [], [], []
    for p in identity_pairs(identity, n, seed, neutral_frac):
        u, v = event_flow(p.onset, p.apex, EVENT_FLOW)
        if rng.random() < 0.5:
            u, v = compensate(u, v, head, eyes)
        x_cls.append(stst_input(u, v, optical_strain(u, v)))
        x_spot.append(_spot_features(dis, p.onset, p.apex))
        label.append(p.label)
        spot.append(1.0 if p.expressive else 0.0)
        au.append([1.0 if a in p.aus else 0.0 for a in ENGINE_AUS])
        recipe.append(p.recipe)
        intensity.append(p.intensity_px)
    return {
        "x_cls": np.stack(x_cls).astype(np.float16),  # inputs live in [0, 1]: half precision halves the cache
        "x_spot": np.stack(x_spot).astype(np.float16),
        "label": np.asarray(label, np.int64),
        "spot": np.asarray(spot, np.float32),
        "au": np.asarray(au, np.float32),
        "subject": np.asarray([identity.identity] * n),
        "recipe": np.asarray(recipe),
        "intensity": np.asarray(intensity, np.float32),
    }


def build(
    identities: list[Identity], samples: int, seed: int, neutral_frac: float = 0.25, workers: int = 2
) -> dict[str, np.ndarray]:
    """``samples`` featurised pairs spread evenly over ``identities`` (rendered by ``workers`` processes)."""
    per = [samples // len(identities) + (1 if i < samples % len(identities) else 0) for i in range(len(identities))]
    jobs = [(ident, n, seed, neutral_frac) for ident, n in zip(identities, per, strict=True) if n > 0]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_featurise, jobs, chunksize=1)
    else:
        parts = [_featurise(j) for j in jobs]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _as_set(arrays: dict[str, np.ndarray]) -> TrainingSet:
    return TrainingSet(
        arrays["x_cls"].astype(np.float32),
        arrays["x_spot"].astype(np.float32),
        arrays["label"].astype(np.int64),
        arrays["spot"].astype(np.float32),
        arrays["au"].astype(np.float32),
        [str(s) for s in arrays["subject"]],
        SOURCE,
    )


def split(identities: list[Identity], held_out: tuple[str, ...] = HELD_OUT) -> tuple[list[Identity], list[Identity]]:
    """(training, held-out) identity frames by person name."""
    return [i for i in identities if i.identity not in held_out], [i for i in identities if i.identity in held_out]


def corpus_sets(
    samples: int = 28000,
    val_samples: int = 3000,
    seed: int = 0,
    clips_dir: Path | None = None,
    cache_dir: Path | None = None,
    workers: int = 2,
) -> tuple[TrainingSet, TrainingSet, dict[str, object]]:
    """(training set, held-out validation set, description) of the default training source, cached."""
    dev = default_dev_labels()
    identities = load_identities(clips_dir, cache_dir, exclude=dev)
    train_ids, val_ids = split(identities)
    frames = sorted(f"{i.identity}:{i.frame}" for i in identities)
    spec = {
        "v": VERSION,
        "held_out": HELD_OUT,
        "flow": EVENT_FLOW,
        "n": samples,
        "val": val_samples,
        "seed": seed,
        "frames": frames,
    }
    key = hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]
    path = (cache_dir or default_cache()) / "corpus" / f"{key}.npz"
    if path.is_file():
        logger.info("training corpus from cache %s", path)
        with np.load(path) as z:
            train = {k[2:]: z[k] for k in z.files if k.startswith("t_")}
            val = {k[2:]: z[k] for k in z.files if k.startswith("v_")}
    else:
        logger.info("rendering %d training + %d held-out pairs (%d workers)", samples, val_samples, workers)
        train = build(train_ids, samples, seed, workers=workers)
        val = build(val_ids, val_samples, seed + 1, workers=workers)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"t_{k}": v for k, v in train.items()} | {f"v_{k}": v for k, v in val.items()}
        np.savez(path, **arrays)  # type: ignore[arg-type]
    about = {
        "identities_train": sorted({i.identity for i in train_ids}),
        "identities_held_out": sorted({i.identity for i in val_ids}),
        "identity_frames": {"train": len(train_ids), "held_out": len(val_ids)},
        "identity_frame_numbers": frames,
        "dev_intervals_excluded": dev.is_file(),
        "dev_frames_excluded": sum(len(v) for v in labelled_frames(dev).values()),
        "flow": EVENT_FLOW,
        "cache": str(path),
        "recipes_seen": int(len(set(train["recipe"].tolist())) - 1),
    }
    return _as_set(train), _as_set(val), about
