"""TensorRT backend (Jetson): runs a serialized engine built on the device with pycuda buffers.

Both Python API generations are supported, each in its own explicit branch:

- TensorRT 8.5 (JetPack 5.1): bindings — ``engine.num_bindings``,
  ``engine.binding_is_input(i)``, ``context.set_binding_shape(i, shape)``,
  ``context.execute_async_v2(bindings, stream_handle)``.
- TensorRT 10 (JetPack 6): named tensors — ``engine.num_io_tensors``,
  ``engine.get_tensor_name(i)``, ``engine.get_tensor_mode(name)``,
  ``context.set_input_shape``, ``context.set_tensor_address``,
  ``context.execute_async_v3(stream_handle)``.

Buffers: ``pycuda.driver.pagelocked_empty`` (host), ``mem_alloc`` (device),
``Stream``, ``memcpy_htod_async`` / ``memcpy_dtoh_async``. Refs: NVIDIA
TensorRT "API Migration Guide" / "Python Migration Patterns for TensorRT
10.x" (bindings -> named tensors), TensorRT 8.5/10 Python API
``IExecutionContext``; PyCUDA driver API docs. Verified here only against the
fake modules in tests/unit/inference/fake_trt.py, never on a device.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.closing import Closeable
from edge.errors import BackendUnavailable, ModelError
from edge.inference.base import Array, TensorSpec
from edge.inference.trtcache import EngineMeta, engine_for, read_meta

logger = logging.getLogger(__name__)


def import_tensorrt() -> tuple[ModuleType, ModuleType]:
    """``tensorrt`` and ``pycuda.driver`` (with a context from ``pycuda.autoinit``), or BackendUnavailable."""
    try:
        import pycuda.autoinit  # noqa: F401 - creates the CUDA context
        import pycuda.driver as cuda
        import tensorrt as trt
    except ImportError as exc:
        raise BackendUnavailable(
            f"the tensorrt backend needs tensorrt and pycuda (JetPack), but {exc.name!r} is missing; "
            "expected a Jetson with JetPack 5.1+ (or use engine.backend = 'onnxruntime')"
        ) from exc
    return trt, cuda


@dataclass(slots=True)
class _Buffer:
    spec: TensorSpec
    index: int
    is_input: bool
    host: npt.NDArray[Any]
    device: Any


class TensorRTBackend(Closeable):
    """Runs a TensorRT engine; an ``.onnx`` path is resolved to its cached engine (``glimpse engine build``).

    Usage::

        with TensorRTBackend(Path("models/glimpse_me.int8.onnx")) as be:
            out = be.run({"x": x})
    """

    name = "tensorrt"

    def __init__(
        self, model_path: Path, *, threads: int = 1, trt: ModuleType | None = None, cuda: ModuleType | None = None
    ) -> None:
        del threads  # TensorRT schedules its own GPU work
        if trt is None or cuda is None:
            trt, cuda = import_tensorrt()
        self._trt, self._cuda = trt, cuda
        self.model_path = model_path
        self.engine_path = engine_for(model_path, trt, cuda) if model_path.suffix == ".onnx" else model_path
        self._engine, self.meta = self._deserialize(self.engine_path)
        self._context: Any = self._engine.create_execution_context()
        self._stream: Any = cuda.Stream()
        self._v10 = hasattr(self._engine, "num_io_tensors")
        self._buffers = self._allocate()
        self._warm_up()

    def _deserialize(self, path: Path) -> tuple[Any, EngineMeta]:
        meta = read_meta(path)
        if meta.tensorrt != self._trt.__version__:
            raise ModelError(
                f"engine {str(path)!r} was built by TensorRT {meta.tensorrt!r}; this device has "
                f"{self._trt.__version__!r}: rebuild it with `glimpse engine build`"
            )
        runtime = self._trt.Runtime(self._trt.Logger(self._trt.Logger.WARNING))
        engine = runtime.deserialize_cuda_engine(path.read_bytes())
        if engine is None:
            raise ModelError(
                f"TensorRT {self._trt.__version__} could not deserialize {str(path)!r} (built for GPU "
                f"{meta.gpu!r}); expected an engine built on this device: run `glimpse engine build`"
            )
        return engine, meta

    def _io(self) -> list[tuple[int, str, bool, tuple[int, ...], Any]]:
        """(index, name, is_input, max shape, numpy dtype) of every I/O tensor, per API generation."""
        trt, engine, batch = self._trt, self._engine, self.meta.max_batch
        out = []
        if self._v10:
            for i in range(engine.num_io_tensors):
                name = engine.get_tensor_name(i)
                is_input = engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT
                shape = tuple(engine.get_tensor_shape(name))
                out.append((i, name, is_input, shape, trt.nptype(engine.get_tensor_dtype(name))))
        else:
            for i in range(engine.num_bindings):
                name = engine.get_binding_name(i)
                shape = tuple(engine.get_binding_shape(i))
                out.append((i, name, engine.binding_is_input(i), shape, trt.nptype(engine.get_binding_dtype(i))))
        return [(i, n, inp, tuple(batch if d < 0 else d for d in s), dt) for i, n, inp, s, dt in out]

    def _allocate(self) -> list[_Buffer]:
        buffers = []
        for index, name, is_input, shape, dtype in self._io():
            host = self._cuda.pagelocked_empty(int(np.prod(shape)), dtype)
            spec = TensorSpec(name, (None, *shape[1:]), np.dtype(dtype).name)
            buffers.append(_Buffer(spec, index, is_input, host, self._cuda.mem_alloc(host.nbytes)))
        return buffers

    def _warm_up(self) -> None:
        feeds = {
            b.spec.name: np.zeros((1, *(int(d or 0) for d in b.spec.shape[1:])), b.host.dtype)
            for b in self._buffers
            if b.is_input
        }
        self.run(feeds)

    @property
    def inputs(self) -> list[TensorSpec]:
        return [b.spec for b in self._buffers if b.is_input]

    @property
    def outputs(self) -> list[TensorSpec]:
        return [b.spec for b in self._buffers if not b.is_input]

    def run(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> dict[str, Array]:
        if self._context is None:
            raise ModelError(f"engine {str(self.engine_path)!r} is closed")
        self._check_feeds(feeds)
        batch = next(iter(feeds.values())).shape[0]
        for b in (b for b in self._buffers if b.is_input):
            value = np.ascontiguousarray(feeds[b.spec.name], dtype=b.host.dtype).reshape(-1)
            b.host[: value.size] = value
            self._set_shape(b, (batch, *(int(d or 0) for d in b.spec.shape[1:])))
            self._cuda.memcpy_htod_async(b.device, b.host, self._stream)
        self._execute()
        results: dict[str, Array] = {}
        for b in (b for b in self._buffers if not b.is_input):
            self._cuda.memcpy_dtoh_async(b.host, b.device, self._stream)
        self._stream.synchronize()
        for b in (b for b in self._buffers if not b.is_input):
            shape = self._out_shape(b)
            results[b.spec.name] = np.array(b.host[: int(np.prod(shape))].reshape(shape), dtype=np.float32)
        return results

    def _check_feeds(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> None:
        expected = {s.name: s.shape[1:] for s in self.inputs}
        got = {k: tuple(v.shape[1:]) for k, v in feeds.items()}
        if set(got) != set(expected) or any(got[k] != expected[k] for k in expected):
            raise ModelError(f"feeds {got!r} do not match engine inputs {expected!r} (per-sample shapes)")
        batch = next(iter(feeds.values())).shape[0]
        if not 1 <= batch <= self.meta.max_batch:
            raise ModelError(f"batch {batch!r} is outside the engine's profile; expected 1..{self.meta.max_batch}")

    def _set_shape(self, b: _Buffer, shape: tuple[int, ...]) -> None:
        if self._v10:
            self._context.set_input_shape(b.spec.name, shape)
        else:
            self._context.set_binding_shape(b.index, shape)

    def _out_shape(self, b: _Buffer) -> tuple[int, ...]:
        if self._v10:
            return tuple(self._context.get_tensor_shape(b.spec.name))
        return tuple(self._context.get_binding_shape(b.index))

    def _execute(self) -> None:
        if self._v10:
            for b in self._buffers:
                self._context.set_tensor_address(b.spec.name, int(b.device))
            ok = self._context.execute_async_v3(self._stream.handle)
        else:
            bindings = [0] * len(self._buffers)
            for b in self._buffers:
                bindings[b.index] = int(b.device)
            ok = self._context.execute_async_v2(bindings, self._stream.handle)
        if not ok:
            raise ModelError(f"TensorRT execution of {str(self.engine_path)!r} failed")

    def close(self) -> None:
        for b in getattr(self, "_buffers", []):
            b.device.free()
        self._buffers = []
        self._context = None
        self._engine = None
