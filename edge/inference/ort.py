"""onnxruntime backend: the default wherever TensorRT is absent."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.closing import Closeable
from edge.errors import ModelError
from edge.inference.base import Array, TensorSpec


def _shape(raw: list[int | str | None]) -> tuple[int | None, ...]:
    return tuple(d if isinstance(d, int) else None for d in raw)


class OrtBackend(Closeable):
    """Runs an ONNX graph on onnxruntime's CPU provider with a fixed thread count."""

    name = "onnxruntime"

    def __init__(self, model_path: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session: ort.InferenceSession | None = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load model {str(model_path)!r} on onnxruntime: {exc}") from exc
        self.model_path = model_path
        self._inputs = [TensorSpec(i.name, _shape(i.shape), i.type) for i in self._session.get_inputs()]
        self._outputs = [TensorSpec(o.name, _shape(o.shape), o.type) for o in self._session.get_outputs()]

    @property
    def inputs(self) -> list[TensorSpec]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[TensorSpec]:
        return list(self._outputs)

    def run(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> dict[str, Array]:
        if self._session is None:
            raise ModelError(f"model {str(self.model_path)!r} is closed")
        values = self._session.run(None, dict(feeds))
        return {spec.name: np.asarray(v) for spec, v in zip(self._outputs, values, strict=True)}

    def close(self) -> None:
        self._session = None
