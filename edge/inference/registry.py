"""Inference backends by name, imported only when chosen."""

from __future__ import annotations

from pathlib import Path

from edge.errors import ModelError
from edge.inference.base import InferenceBackend
from edge.registry import load_entry

BACKENDS: dict[str, str] = {
    "onnxruntime": "edge.inference.ort:OrtBackend",
    "tensorrt": "edge.inference.tensorrt:TensorRTBackend",
}


def load_backend(name: str, model_path: Path, *, threads: int = 1) -> InferenceBackend:
    """Open ``model_path`` on backend ``name``; missing models raise :class:`ModelError`."""
    if not model_path.is_file():
        raise ModelError(f"model file {str(model_path)!r} does not exist; expected an ONNX file (see models/README.md)")
    cls = load_entry(BACKENDS, name, "inference backend")
    backend: InferenceBackend = cls(model_path, threads=threads)
    return backend
