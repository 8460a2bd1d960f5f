"""The inference-backend interface: one model graph on one runtime."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

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

    #: The registry name of the runtime (``onnxruntime``, ``tensorrt``): what events report as ``engine.backend``.
    name: str

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


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file (model checksums)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
