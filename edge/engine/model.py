"""The engine model at run time: one graph, three heads, on any inference backend."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.closing import Closeable
from edge.engine.labels import AU_OUTPUT, COMPOSITE_CLASSES, EMOTION_OUTPUT, INPUT_NAME, SPOT_OUTPUT
from edge.errors import ModelError, UsageError
from edge.inference.base import InferenceBackend, sha256_file
from edge.paths import models_dir

FloatArray = npt.NDArray[np.float32]
DEFAULT_MODEL = "glimpse_me"


def model_path(name: str = DEFAULT_MODEL, precision: str = "fp32", folder: Path | None = None) -> Path:
    """Resolve a model name (``glimpse_me``) or a path; a missing file raises :class:`ModelError`."""
    candidate = Path(name)
    if candidate.suffix in (".onnx", ".engine", ".plan") or candidate.is_absolute():
        path = candidate
    else:
        suffix = ".int8.onnx" if precision == "int8" else ".onnx"
        path = (folder or models_dir()) / f"{name}{suffix}"
    if not path.is_file():
        raise ModelError(
            f"engine model {str(path)!r} does not exist; expected a file from `glimpse train` "
            f"(set engine.model, or GLIMPSE_MODELS to the folder holding {DEFAULT_MODEL}.onnx)"
        )
    return path


def check_batch(x: npt.NDArray[np.generic]) -> FloatArray:
    """``x`` as float32 [N, 3, 28, 28], or UsageError (a ValueError) saying what was expected."""
    if x.ndim != 4 or tuple(x.shape[1:]) != (3, 28, 28):
        raise UsageError(f"input shape {tuple(x.shape)!r}; expected (N, 3, 28, 28) with channels u, v, strain")
    return np.ascontiguousarray(x, dtype=np.float32)


class EngineModel(Closeable):
    """The three-headed engine on a backend.

    Usage::

        with EngineModel(load_backend("onnxruntime", model_path())) as model:
            probs = model.classify(x)      # [N, 3] in COMPOSITE_CLASSES order
    """

    def __init__(self, backend: InferenceBackend, path: Path) -> None:
        self.backend = backend
        self.path = path
        self.name = path.name.split(".")[0]
        self.sha256 = sha256_file(path)
        self.backend_name = backend.name
        names = {o.name for o in backend.outputs}
        missing = {SPOT_OUTPUT, EMOTION_OUTPUT, AU_OUTPUT} - names
        if missing or [i.name for i in backend.inputs] != [INPUT_NAME]:
            raise ModelError(
                f"model {str(path)!r} has inputs {[i.name for i in backend.inputs]!r} and outputs {sorted(names)!r}; "
                f"expected input {INPUT_NAME!r} and outputs {[SPOT_OUTPUT, EMOTION_OUTPUT, AU_OUTPUT]!r}"
            )

    def run(self, x: npt.NDArray[np.generic]) -> dict[str, FloatArray]:
        """All heads for a batch [N, 3, 28, 28]."""
        return self.backend.run({INPUT_NAME: check_batch(x)})

    def classify(self, x: npt.NDArray[np.generic]) -> FloatArray:
        """Emotion probabilities [N, 3] in :data:`COMPOSITE_CLASSES` order."""
        return np.asarray(self.run(x)[EMOTION_OUTPUT], dtype=np.float32).reshape(-1, len(COMPOSITE_CLASSES))

    def spot(self, x: npt.NDArray[np.generic]) -> FloatArray:
        """Spotting probabilities [N] for fixed-scale spotting inputs."""
        return np.asarray(self.run(x)[SPOT_OUTPUT], dtype=np.float32).reshape(-1)

    def close(self) -> None:
        self.backend.close()


def open_model(
    name: str = DEFAULT_MODEL, backend: str = "onnxruntime", precision: str = "fp32", threads: int = 1
) -> EngineModel:
    """Open an engine model by name or path on ``backend``."""
    from edge.inference.registry import load_backend

    path = model_path(name, precision)
    return EngineModel(load_backend(backend, path, threads=threads), path)


@functools.lru_cache(maxsize=4)
def _shared(path: str) -> EngineModel:
    return open_model(path)


def classify_flow(x: npt.NDArray[np.float32], model: str | Path | None = None) -> FloatArray:
    """Class probabilities for STSTNet-representation inputs.

    ``x`` is float32 ``[N, 3, 28, 28]``: onset-to-apex optical flow of the
    aligned face, channels u (right-positive), v (down-positive) and optical
    strain sqrt(ux^2 + vy^2 + 0.5 (uy + vx)^2), each min-max normalised per
    sample to [0, 1] (build it with :func:`edge.engine.flow_representation`).
    Returns ``[N, 3]`` probabilities in :data:`COMPOSITE_CLASSES` order
    (negative, positive, surprise). ``model`` defaults to the shipped
    ``glimpse_me.onnx`` on onnxruntime (opened once and cached).
    """
    path = model_path(str(model)) if model is not None else model_path()
    return _shared(str(path)).classify(x)
