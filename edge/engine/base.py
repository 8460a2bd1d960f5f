"""The classifier contract: what the engine says about one spotted interval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from edge.face.base import FaceObservation
from edge.spotting.base import Interval


@dataclass(frozen=True, slots=True)
class ActionUnitScore:
    """One FACS action unit and its probability."""

    au: int
    name: str
    p: float


@dataclass(frozen=True, slots=True)
class Classification:
    """What the engine says about one spotted interval."""

    emotion: str
    emotion_scores: dict[str, float]
    action_units: list[ActionUnitScore] = field(default_factory=list)
    backend: str = "none"
    model: str = "none"
    model_sha256: str = ""


class Classifier(Protocol):
    """Classifies a spotted interval from its onset and apex observations."""

    def classify(self, interval: Interval, onset: FaceObservation, apex: FaceObservation) -> Classification:
        """Emotion and AU probabilities for ``interval``."""

    def close(self) -> None:
        """Release models; idempotent."""
