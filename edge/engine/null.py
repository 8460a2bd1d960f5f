"""The classifier used when no engine model is configured: says 'unknown'."""

from __future__ import annotations

from edge.engine.base import Classification
from edge.face.base import FaceObservation
from edge.spotting.base import Interval


class NullClassifier:
    """Classifies nothing: every interval is reported with emotion 'unknown'."""

    def classify(self, interval: Interval, onset: FaceObservation, apex: FaceObservation) -> Classification:
        return Classification(emotion="unknown", emotion_scores={"unknown": 1.0})

    def close(self) -> None:
        return None
