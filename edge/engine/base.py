"""The inference-backend interface and the classifier contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.face.base import FaceObservation
from edge.spotting.base import Interval

Array = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """Name, shape (None for a dynamic axis) and dtype of a model input or output."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str


class InferenceBackend(Protocol):
    """Runs one model graph (ONNX on onnxruntime, an engine on TensorRT).

    Usage::

        with load_backend("onnxruntime", Path("models/face_detector.onnx")) as be:
            out = be.run({"input": x})
    """

    @property
    def inputs(self) -> list[TensorSpec]:
        """The model inputs, in graph order."""

    @property
    def outputs(self) -> list[TensorSpec]:
        """The model outputs, in graph order."""

    def run(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> dict[str, Array]:
        """Run once; return every output by name."""

    def close(self) -> None:
        """Release the session or engine; idempotent."""


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


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file (model checksums)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
