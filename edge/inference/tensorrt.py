"""TensorRT backend (Jetson, JetPack 6): runs a serialized engine built on the device with pycuda buffers.

API: named I/O tensors — ``engine.num_io_tensors``, ``get_tensor_name``,
``get_tensor_mode``, ``get_tensor_shape``, ``get_tensor_dtype``;
``context.set_input_shape``, ``set_tensor_address``, ``get_tensor_shape``,
``execute_async_v3(stream_handle)``. TensorRT 8.5 already has all of these
(the bindings API was deprecated in 8.5 and removed in 10), so there is one
code path for 8.5, 8.6 (JetPack 6.0) and 10 (JetPack 6.1+). Dtypes are mapped
here, not with ``trt.nptype``: in 8.5 that helper refers to ``np.bool``, which
NumPy 1.24 removed. Refs: TensorRT Python API ``ICudaEngine`` /
``IExecutionContext`` (8.5, 10); "Python Migration Patterns for TensorRT 10.x".

CUDA context: CUDA contexts are current per thread. ``pycuda.autoinit`` would
make one current on the importing (main) thread only, while inference runs on
the analysis thread, where the first async copy would then fail with "invalid
device context". So the device's *primary* context is retained
(``Device.retain_primary_context()``; the driver does not push it:
cuDevicePrimaryCtxRetain) and pushed/popped around every call into CUDA, on
whichever thread makes it (``Context.push()`` / static ``Context.pop()``;
released with ``detach()``; PyCUDA driver API docs). TensorRT itself uses the
CUDA runtime, which binds the primary context too, so both share one context.

Buffers: ``pycuda.driver.pagelocked_empty`` (host), ``mem_alloc`` (device),
``Stream``, ``memcpy_htod_async`` / ``memcpy_dtoh_async`` of the rows in use
only. Verified here against the fakes in tests/unit/inference/fake_trt.py (which
model a per-thread current context), never on a device.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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

# trt.DataType member names -> numpy (trt.nptype is broken on 8.5 with NumPy >= 1.24).
DTYPES: dict[str, type[np.generic]] = {
    "FLOAT": np.float32,
    "HALF": np.float16,
    "INT8": np.int8,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "BOOL": np.bool_,
}


def import_tensorrt() -> tuple[ModuleType, ModuleType]:
    """``tensorrt`` and an initialised ``pycuda.driver`` (no context made current), or BackendUnavailable."""
    try:
        import pycuda.driver as cuda
        import tensorrt as trt
    except ImportError as exc:
        raise BackendUnavailable(
            f"the tensorrt backend needs tensorrt and pycuda (JetPack), but {exc.name!r} is missing; "
            "expected a Jetson with JetPack 6 (or use engine.backend = 'onnxruntime')"
        ) from exc
    cuda.init()
    return trt, cuda


class CudaContext(Closeable):
    """The device's primary CUDA context, made current only around each use, on the thread using it.

    Usage::

        with CudaContext(cuda) as gpu, gpu.current():
            stream = cuda.Stream()
    """

    def __init__(self, cuda: ModuleType, device: int = 0) -> None:
        cuda.init()
        self._cuda = cuda
        self._ctx: Any = cuda.Device(device).retain_primary_context()

    @contextmanager
    def current(self) -> Iterator[None]:
        if self._ctx is None:
            raise ModelError("the CUDA context was released; expected an open TensorRT backend")
        self._ctx.push()
        try:
            yield
        finally:
            self._cuda.Context.pop()

    def close(self) -> None:
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            ctx.detach()


def numpy_dtype(dtype: Any) -> type[np.generic]:
    """The numpy type of a ``trt.DataType``."""
    name = str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1]
    if name not in DTYPES:
        raise ModelError(f"engine tensor dtype {name!r} is not supported; expected one of {sorted(DTYPES)}")
    return DTYPES[name]


@dataclass(slots=True)
class _Buffer:
    spec: TensorSpec
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
        self._buffers: list[_Buffer] = []
        self._engine: Any = None
        self._context: Any = None
        self._stream: Any = None
        self._gpu = CudaContext(cuda)
        try:
            with self._gpu.current():
                self.engine_path = engine_for(model_path, trt, cuda) if model_path.suffix == ".onnx" else model_path
                self._engine, self.meta = self._deserialize(self.engine_path)
                self._context = self._engine.create_execution_context()
                self._stream = cuda.Stream()
                self._buffers = self._allocate()
                self._warm_up()
        except BaseException:
            self.close()
            raise

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
        if not hasattr(engine, "num_io_tensors"):
            raise BackendUnavailable(
                f"TensorRT {self._trt.__version__} has no named I/O tensors; expected 8.5 or newer (JetPack 6)"
            )
        return engine, meta

    def _allocate(self) -> list[_Buffer]:
        trt, engine, batch = self._trt, self._engine, self.meta.max_batch
        buffers = []
        for i in range(engine.num_io_tensors):
            name = engine.get_tensor_name(i)
            is_input = engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT
            shape = tuple(batch if d < 0 else int(d) for d in engine.get_tensor_shape(name))
            dtype = numpy_dtype(engine.get_tensor_dtype(name))
            host = self._cuda.pagelocked_empty(int(np.prod(shape)), dtype)
            device = self._cuda.mem_alloc(host.nbytes)
            self._context.set_tensor_address(name, int(device))  # fixed for the engine's lifetime
            spec = TensorSpec(name, (None, *shape[1:]), np.dtype(dtype).name)
            buffers.append(_Buffer(spec, is_input, host, device))
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
            raise ModelError(f"engine {str(self.model_path)!r} is closed")
        self._check_feeds(feeds)
        batch = next(iter(feeds.values())).shape[0]
        cuda, context, stream = self._cuda, self._context, self._stream
        with self._gpu.current():
            for b in (b for b in self._buffers if b.is_input):
                value = np.ascontiguousarray(feeds[b.spec.name], dtype=b.host.dtype).reshape(-1)
                b.host[: value.size] = value
                context.set_input_shape(b.spec.name, (batch, *(int(d or 0) for d in b.spec.shape[1:])))
                cuda.memcpy_htod_async(b.device, b.host[: value.size], stream)  # the rows in use, not max batch
            if not context.execute_async_v3(stream.handle):
                raise ModelError(f"TensorRT execution of {str(self.engine_path)!r} failed")
            shapes = {}
            for b in (b for b in self._buffers if not b.is_input):
                shapes[b.spec.name] = shape = tuple(int(d) for d in context.get_tensor_shape(b.spec.name))
                cuda.memcpy_dtoh_async(b.host[: int(np.prod(shape))], b.device, stream)
            stream.synchronize()
        return {
            b.spec.name: np.array(b.host[: int(np.prod(shapes[b.spec.name]))].reshape(shapes[b.spec.name]), np.float32)
            for b in self._buffers
            if not b.is_input
        }

    def _check_feeds(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> None:
        expected = {s.name: s.shape[1:] for s in self.inputs}
        got = {k: tuple(v.shape[1:]) for k, v in feeds.items()}
        if set(got) != set(expected) or any(got[k] != expected[k] for k in expected):
            raise ModelError(f"feeds {got!r} do not match engine inputs {expected!r} (per-sample shapes)")
        batch = next(iter(feeds.values())).shape[0]
        if not 1 <= batch <= self.meta.max_batch:
            raise ModelError(f"batch {batch!r} is outside the engine's profile; expected 1..{self.meta.max_batch}")

    def close(self) -> None:
        gpu = getattr(self, "_gpu", None)
        if gpu is None:
            return
        buffers, self._buffers = self._buffers, []
        try:
            if buffers or self._context is not None:
                with gpu.current():  # TensorRT and CUDA objects are destroyed in their context
                    for b in buffers:
                        b.device.free()
                    self._context = self._engine = self._stream = None
        finally:
            self._context = self._engine = self._stream = None
            gpu.close()
