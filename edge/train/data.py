"""Training arrays for the engine: classification and spotting inputs, labels and subjects.

Sources, in order: the project's synthetic generator (:mod:`edge.synth`, when
it offers training pairs), the engine's own procedural faces
(:mod:`edge.train.synthfaces`) as a fallback, and any dataset
:mod:`edge.datasets` can read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.engine.labels import ENGINE_AUS
from edge.errors import UsageError
from edge.motion.features import compensate, flow_representation, spot_input
from edge.motion.flow import create_dis, dense_flow, optical_strain
from edge.motion.rois import EYE_ROIS, REFERENCE_ROI, canonical_boxes

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """x_cls/x_spot: [N, 3, 28, 28]; label: class index or -1 (no expression); au: [N, A] multi-hot."""

    x_cls: FloatArray
    x_spot: FloatArray
    label: IntArray
    spot: FloatArray
    au: FloatArray
    subject: list[str]
    source: str

    def __len__(self) -> int:
        return len(self.label)


def _spot_features(dis: object, onset: npt.NDArray[np.uint8], apex: npt.NDArray[np.uint8]) -> FloatArray:
    """Exactly what the motion stage computes per frame: DIS ultrafast, head-compensated, eyes masked."""
    boxes = canonical_boxes(onset.shape[0])
    u, v = compensate(*dense_flow(dis, onset, apex), boxes[REFERENCE_ROI], [boxes[n] for n in EYE_ROIS])
    return spot_input(u, v, optical_strain(u, v))


def from_pairs(pairs: list[object], source: str, method: str = "farneback") -> TrainingSet:
    """Features of pairs with ``onset``, ``apex``, ``label``, ``aus``, ``subject``, ``expressive`` attributes."""
    dis = create_dis("ultrafast")
    boxes = canonical_boxes(128)
    head, eyes = boxes[REFERENCE_ROI], [boxes[n] for n in EYE_ROIS]
    x_cls, x_spot, labels, spots, aus, subjects = [], [], [], [], [], []
    for p in pairs:
        onset, apex = p.onset, p.apex  # type: ignore[attr-defined]
        x_cls.append(flow_representation(onset, apex, method, head, eyes))
        x_spot.append(_spot_features(dis, onset, apex))
        labels.append(int(p.label))  # type: ignore[attr-defined]
        spots.append(1.0 if p.expressive else 0.0)  # type: ignore[attr-defined]
        aus.append([1.0 if a in p.aus else 0.0 for a in ENGINE_AUS])  # type: ignore[attr-defined]
        subjects.append(str(p.subject))  # type: ignore[attr-defined]
    return TrainingSet(
        np.stack(x_cls),
        np.stack(x_spot),
        np.asarray(labels, np.int64),
        np.asarray(spots, np.float32),
        np.asarray(aus, np.float32),
        subjects,
        source,
    )


def synth_pairs(n: int, seed: int) -> list[Any]:
    """Pairs from :func:`edge.synth.pairs.make_pairs` (all expressive; single-AU samples get label -1)."""
    from edge.engine.labels import COMPOSITE_CLASSES
    from edge.synth.pairs import make_pairs
    from edge.train.synthfaces import Pair

    pairs = []
    for onset, apex, labels in make_pairs(n, seed):
        composite = str(labels.get("composite", ""))
        label = COMPOSITE_CLASSES.index(composite) if composite in COMPOSITE_CLASSES else -1
        aus = tuple(a for a in labels.get("au_list", ()) if a in ENGINE_AUS)
        pairs.append(Pair(onset, apex, label, aus, str(labels["subject"]), True))
    return pairs


def synth_neutral_pairs(n: int, seed: int, fps: float = 200.0) -> list[Any]:
    """No-expression pairs rendered by :mod:`edge.synth` (same faces, framing and nuisances as the
    expressive pairs): two frames 50-300 ms apart with head drift, noise and light change, and sometimes a
    blink (30 %), talking (20 %) or a head turn (30 %), so the spotting head learns motion, not faces."""
    from edge.synth.face import VARIANTS
    from edge.synth.pairs import crop, face_box
    from edge.synth.render import Renderer
    from edge.synth.timeline import ClipSpec, Event, Plan, add_head_motion
    from edge.train.synthfaces import Pair

    subjects = sorted(VARIANTS)
    pairs = []
    for k in range(n):
        rng = np.random.default_rng([seed, 7919, k])
        spec = ClipSpec(
            name=f"neutral{k:05d}", fps=fps, seconds=3.0, width=320, height=240, face_width_frac=0.45,
            subject=subjects[k % len(subjects)], n_micro=0, n_macro=0, n_talk=0,
        )  # fmt: skip
        onset = round(0.5 * fps)
        later = onset + max(1, round(float(rng.uniform(0.05, 0.3)) * fps))
        plan = Plan(spec, seed * 100019 + k, later + 2)
        roll = rng.random()
        if roll < 0.3:
            b0 = onset - int(rng.integers(0, round(0.1 * fps)))
            plan.events.append(Event("blink", "45", "", b0, b0 + round(0.07 * fps), b0 + round(0.25 * fps), 0.9))
        elif roll < 0.5:
            amp = float(rng.uniform(0.02, 0.04))
            plan.events.append(Event("talk", "25+26", "", onset - 20, onset, later + 20, amp, 4.0, fps))
        add_head_motion(plan, rng)
        if rng.random() > 0.3:
            plan.head_turns.clear()
        renderer = Renderer(plan, noise_frames=2)
        box = face_box(renderer, onset)
        a, b = crop(renderer.frame(onset), box, 128), crop(renderer.frame(later), box, 128)
        pairs.append(Pair(a, b, -1, (), spec.subject, False))
    return pairs


def synthetic_set(subjects: int = 12, per_subject: int = 44, seed: int = 0, source: str = "procedural") -> TrainingSet:
    """Synthetic training data: ``procedural`` (the engine's own faces; the shipped model's data), ``synth``
    (:mod:`edge.synth` renders of the six pseudo-subjects: expressive pairs plus half as many no-expression
    pairs for the spotting head) or ``both``."""
    from edge.train.synthfaces import generate

    if source not in ("procedural", "synth", "both"):
        raise UsageError(f"unknown training source {source!r}; expected 'procedural', 'synth' or 'both'")
    pairs: list[Any] = []
    if source in ("procedural", "both"):
        pairs += generate(subjects, per_subject, seed)
    if source in ("synth", "both"):
        pairs += synth_pairs(subjects * per_subject, seed)
        if source == "synth":
            pairs += synth_neutral_pairs(subjects * per_subject // 2, seed + 1)
    logger.info("training source %s: %d pairs", source, len(pairs))
    name = {"procedural": "edge.train.synthfaces", "synth": "edge.synth", "both": "edge.synth+synthfaces"}
    return from_pairs(pairs, name[source])
