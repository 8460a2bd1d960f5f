"""Training arrays for the engine: classification and spotting inputs, labels and subjects.

Sources, in order: the project's synthetic generator (:mod:`edge.synth`, when
it offers training pairs), the engine's own procedural faces
(:mod:`edge.engine.train.synthfaces`) as a fallback, and any dataset
:mod:`edge.datasets` can read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.engine.features import compensate, flow_representation, spot_input
from edge.engine.labels import ENGINE_AUS
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
    from edge.engine.train.synthfaces import Pair
    from edge.synth.pairs import make_pairs

    pairs = []
    for onset, apex, labels in make_pairs(n, seed):
        composite = str(labels.get("composite", ""))
        label = COMPOSITE_CLASSES.index(composite) if composite in COMPOSITE_CLASSES else -1
        aus = tuple(a for a in labels.get("au_list", ()) if a in ENGINE_AUS)
        pairs.append(Pair(onset, apex, label, aus, str(labels["subject"]), True))
    return pairs


def synthetic_set(subjects: int = 12, per_subject: int = 44, seed: int = 0, source: str = "procedural") -> TrainingSet:
    """Synthetic training data: ``procedural`` (the engine's own faces; the shipped model's data), ``synth``
    (:mod:`edge.synth` renders, subjects fixed by the generator, plus procedural neutral pairs for the
    spotting head) or ``both``."""
    from edge.engine.train.synthfaces import generate

    if source not in ("procedural", "synth", "both"):
        raise ValueError(f"unknown training source {source!r}; expected 'procedural', 'synth' or 'both'")
    pairs: list[Any] = []
    if source in ("procedural", "both"):
        pairs += generate(subjects, per_subject, seed)
    if source in ("synth", "both"):
        pairs += synth_pairs(subjects * per_subject, seed)
        if source == "synth":
            pairs += [p for p in generate(subjects, per_subject // 3, seed + 1) if not p.expressive]
    logger.info("training source %s: %d pairs", source, len(pairs))
    name = {"procedural": "edge.engine.train.synthfaces", "synth": "edge.synth", "both": "edge.synth+synthfaces"}
    return from_pairs(pairs, name[source])
