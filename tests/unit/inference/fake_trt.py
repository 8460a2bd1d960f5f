"""A faithful fake of the tensorrt and pycuda.driver surface the TensorRT backend and builder use.

pycuda: ``init``, ``Device(n).retain_primary_context()`` (not pushed, as
cuDevicePrimaryCtxRetain), ``Context.push()`` / static ``Context.pop()`` /
``detach()``, and a current-context *stack per thread* as in the CUDA driver:
``mem_alloc``, ``pagelocked_empty``, ``Stream``, the async copies and
``synchronize`` raise ``LogicError("... invalid device context ...")`` on a
thread with no current context, which is how pycuda fails when a context made
current on one thread (``pycuda.autoinit``) is used from another.

tensorrt: two API generations as they really are. 8.5.2 has the named-tensor
API (num_io_tensors, get_tensor_name/mode/shape/dtype, set_input_shape,
set_tensor_address, execute_async_v3) *and* the deprecated bindings API
(num_bindings, binding_is_input, execute_async_v2); its ``nptype`` fails with
NumPy >= 1.24 because it refers to ``np.bool``. 10.3 has named tensors only.
Device memory is a dict of byte buffers keyed by fake addresses; copies move
real bytes and are logged. The engine computes fixed functions of its input.
"""

from __future__ import annotations

import itertools
import threading
from types import SimpleNamespace
from typing import Any

import numpy as np

N_AUS = 17
ENGINE_MAGIC = b"FAKE-TRT-ENGINE"


def reference_outputs(x: np.ndarray) -> dict[str, np.ndarray]:
    """What the fake engine computes: spot = mean, emotion = softmax(channel means), au = sigmoid(mean) * k."""
    means = x.reshape(len(x), 3, -1).mean(axis=2)
    e = np.exp(means - means.max(axis=1, keepdims=True))
    au = 1 / (1 + np.exp(-means.mean(axis=1, keepdims=True) * np.arange(1, N_AUS + 1)))
    return {"spot": means.mean(axis=1), "emotion": e / e.sum(axis=1, keepdims=True), "au": au}


class LogicError(RuntimeError):
    """pycuda._driver.LogicError."""


class FakeCuda:
    """pycuda.driver with a per-thread current-context stack (see the module docstring)."""

    def __init__(self, gpu: str = "Orin (fake)") -> None:
        self.memory: dict[int, bytearray] = {}
        self.freed: list[int] = []
        self.copies: list[tuple[str, int]] = []  # (direction, bytes) of every async copy
        self.initialised = False
        self.retained = 0  # primary-context references held
        self._addr = itertools.count(0x1000, 0x1000)
        self._gpu = gpu
        self._tls = threading.local()
        cuda = self

        class PrimaryContext:
            def push(self) -> None:
                if cuda.retained <= 0:
                    raise LogicError("cuCtxPushCurrent failed: invalid device context")
                cuda._stack().append(self)

            def detach(self) -> None:
                cuda.retained -= 1

        class Context:
            @staticmethod
            def pop() -> None:
                stack = cuda._stack()
                if not stack:
                    raise LogicError("cuCtxPopCurrent failed: invalid device context")
                stack.pop()

            @staticmethod
            def get_current() -> Any:
                return cuda.current()

        class Device:
            def __init__(self, ordinal: int) -> None:
                cuda._need_init("cuDeviceGet")
                self.ordinal = ordinal

            def name(self) -> str:
                return cuda._gpu

            def retain_primary_context(self) -> Any:
                cuda.retained += 1
                cuda.primary = cuda.primary or PrimaryContext()
                return cuda.primary

        class DeviceAllocation:
            def __init__(self, nbytes: int) -> None:
                self.addr = next(cuda._addr)
                cuda.memory[self.addr] = bytearray(nbytes)

            def __int__(self) -> int:
                return self.addr

            def free(self) -> None:
                cuda.need_context("cuMemFree")
                cuda.freed.append(self.addr)

        class Stream:
            handle = 0xBEEF

            def __init__(self) -> None:
                cuda.need_context("cuStreamCreate")

            def synchronize(self) -> None:
                cuda.need_context("cuStreamSynchronize")

        self.primary: Any = None
        self.Context = Context
        self.Device = Device
        self.Stream = Stream
        self._alloc = DeviceAllocation

    def _stack(self) -> list[Any]:
        if not hasattr(self._tls, "stack"):
            self._tls.stack = []
        stack: list[Any] = self._tls.stack
        return stack

    def current(self) -> Any:
        """The context current on the calling thread, or None."""
        stack = self._stack()
        return stack[-1] if stack else None

    def _need_init(self, call: str) -> None:
        if not self.initialised:
            raise LogicError(f"{call} failed: initialization error (cuda.init() not called)")

    def need_context(self, call: str) -> None:
        self._need_init(call)
        if self.current() is None:
            raise LogicError(f"{call} failed: invalid device context - no currently active context?")

    def init(self) -> None:
        self.initialised = True

    def mem_alloc(self, nbytes: int) -> Any:
        self.need_context("cuMemAlloc")
        return self._alloc(nbytes)

    def pagelocked_empty(self, shape: int, dtype: Any) -> np.ndarray:
        self.need_context("cuMemHostAlloc")
        return np.empty(shape, dtype)

    def memcpy_htod_async(self, dest: Any, src: np.ndarray, stream: Any) -> None:
        self.need_context("cuMemcpyHtoDAsync")
        raw = src.view(np.uint8).reshape(-1)
        self.memory[int(dest)][: raw.size] = raw.tobytes()
        self.copies.append(("htod", raw.size))

    def memcpy_dtoh_async(self, dest: np.ndarray, src: Any, stream: Any) -> None:
        self.need_context("cuMemcpyDtoHAsync")
        buf = self.memory[int(src)]
        dest.view(np.uint8).reshape(-1)[:] = np.frombuffer(bytes(buf[: dest.nbytes]), np.uint8)
        self.copies.append(("dtoh", dest.nbytes))


_IO = (("x", True, (-1, 3, 28, 28)), ("spot", False, (-1,)), ("emotion", False, (-1, 3)), ("au", False, (-1, N_AUS)))
FLOAT = SimpleNamespace(name="FLOAT")  # a trt.DataType member: a pybind11 enum with .name


class _Engine:
    """ICudaEngine: the named-tensor API (8.5 and 10)."""

    num_io_tensors = len(_IO)

    def __init__(self, trt: FakeTrt) -> None:
        self.trt = trt

    def create_execution_context(self) -> Any:
        self.trt.cuda_call("createExecutionContext")
        return self.trt.context_class(self.trt)

    def get_tensor_name(self, i: int) -> str:
        return _IO[i][0]

    def get_tensor_mode(self, name: str) -> str:
        return "INPUT" if dict((n, inp) for n, inp, _ in _IO)[name] else "OUTPUT"

    def get_tensor_shape(self, name: str) -> tuple[int, ...]:
        return dict((n, s) for n, _, s in _IO)[name]

    def get_tensor_dtype(self, name: str) -> Any:
        return FLOAT


class _Engine85(_Engine):
    """8.5 also keeps the deprecated bindings API."""

    num_bindings = len(_IO)

    def get_binding_name(self, i: int) -> str:
        return _IO[i][0]

    def binding_is_input(self, i: int) -> bool:
        return _IO[i][1]

    def get_binding_shape(self, i: int) -> tuple[int, ...]:
        return _IO[i][2]


class _Context:
    """IExecutionContext: the named-tensor API (8.5 and 10)."""

    def __init__(self, trt: FakeTrt) -> None:
        self.trt, self.batch = trt, -1
        self.addresses: dict[str, int] = {}

    def set_input_shape(self, name: str, shape: tuple[int, ...]) -> bool:
        self.batch = shape[0]
        return True

    def get_tensor_shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.batch if d < 0 else d for d in dict((n, s) for n, _, s in _IO)[name])

    def set_tensor_address(self, name: str, address: int) -> bool:
        self.addresses[name] = address
        return True

    def execute_async_v3(self, stream_handle: int) -> bool:
        self.trt.calls.append("v3")
        return self._compute(self.addresses)

    def _compute(self, addresses: dict[str, int]) -> bool:
        self.trt.cuda_call("enqueue")
        mem = self.trt.cuda.memory
        n = self.batch * 3 * 28 * 28
        x = np.frombuffer(bytes(mem[addresses["x"]][: n * 4]), np.float32).reshape(self.batch, 3, 28, 28)
        for name, value in reference_outputs(x).items():
            raw = np.ascontiguousarray(value, np.float32).view(np.uint8).reshape(-1)
            mem[addresses[name]][: raw.size] = raw.tobytes()
        self.trt.calls.append("execute")
        return True


class _Context85(_Context):
    def set_binding_shape(self, index: int, shape: tuple[int, ...]) -> bool:
        self.batch = shape[0]
        return True

    def execute_async_v2(self, bindings: list[int], stream_handle: int) -> bool:
        self.trt.calls.append("v2")
        return self._compute({name: bindings[i] for i, (name, _, _) in enumerate(_IO)})


class FakeTrt:
    """tensorrt: Logger, Runtime, Builder, OnnxParser, flags, nptype; ``generation`` 8 (8.5.2) or 10 (10.3.0).

    TensorRT calls through the CUDA runtime, which binds the device's primary
    context on a thread with none; ``contexts`` records the context each call
    ran in (``"implicit primary"`` when none was pushed), so tests can check
    that TensorRT and the pycuda buffers share the primary context.
    """

    def __init__(self, generation: int, cuda: FakeCuda, parse_ok: bool = True) -> None:
        self.__version__ = "10.3.0" if generation == 10 else "8.5.2.2"
        self.generation = generation
        self.numpy_version = np.__version__
        self.cuda = cuda
        self.calls: list[str] = []
        self.contexts: list[Any] = []
        self.built: list[dict[str, Any]] = []
        self.engine_class = _Engine if generation == 10 else _Engine85
        self.context_class = _Context if generation == 10 else _Context85
        self.TensorIOMode = SimpleNamespace(INPUT="INPUT", OUTPUT="OUTPUT")
        self.DataType = SimpleNamespace(FLOAT=FLOAT)
        self.MemoryPoolType = SimpleNamespace(WORKSPACE="WORKSPACE")
        self.NetworkDefinitionCreationFlag = SimpleNamespace(EXPLICIT_BATCH=0)
        self.BuilderFlag = SimpleNamespace(INT8="INT8", FP16="FP16")
        self.Logger = type("Logger", (), {"WARNING": 2, "__init__": lambda s, level=2: None})
        self._parse_ok = parse_ok
        self.input_shape: tuple[int, ...] = (-1, 3, 28, 28)  # what the parsed network's first input reports
        trt = self

        class Runtime:
            def __init__(self, logger: Any) -> None:
                self.logger = logger

            def deserialize_cuda_engine(self, data: bytes) -> Any:
                trt.cuda_call("deserializeCudaEngine")
                return trt.engine_class(trt) if data.startswith(ENGINE_MAGIC + trt.__version__.encode()) else None

        self.Runtime = Runtime

    def cuda_call(self, what: str) -> None:
        self.contexts.append(self.cuda.current() or "implicit primary")

    def nptype(self, dtype: Any) -> Any:
        major, minor = (int(part) for part in self.numpy_version.split(".")[:2])
        if self.generation < 10 and major == 1 and minor >= 24:  # 8.5 builds {..., DataType.BOOL: np.bool}
            raise AttributeError("module 'numpy' has no attribute 'bool'")  # removed in 1.24, back in 2.0
        return {"FLOAT": np.float32}[dtype.name]

    def Builder(self, logger: Any) -> Any:
        trt = self
        record: dict[str, Any] = {"flags": [], "profile": None, "workspace": None}

        class Config:
            def set_flag(self, flag: str) -> None:
                record["flags"].append(flag)

            def set_memory_pool_limit(self, pool: str, size: int) -> None:
                assert pool == "WORKSPACE"
                record["workspace"] = size

            def add_optimization_profile(self, profile: Any) -> int:
                record["profile"] = profile.shapes
                return 0

        class Profile:
            def __init__(self) -> None:
                self.shapes: dict[str, Any] = {}

            def set_shape(self, name: str, lo: Any, opt: Any, hi: Any) -> None:
                self.shapes = {name: (lo, opt, hi)}

        input_shape = self.input_shape

        class Network:
            def get_input(self, i: int) -> Any:
                return SimpleNamespace(name="x", shape=input_shape)  # ITensor.shape: -1 marks a dynamic axis

        class Builder:
            platform_has_fast_fp16 = True

            def create_network(self, flags: int) -> Any:
                record["network_flags"] = flags
                return Network()

            def create_builder_config(self) -> Any:
                return Config()

            def create_optimization_profile(self) -> Any:
                return Profile()

            def build_serialized_network(self, network: Any, config: Any) -> bytes:
                trt.cuda_call("buildSerializedNetwork")
                trt.built.append(record)
                return ENGINE_MAGIC + trt.__version__.encode()

        return Builder()

    def OnnxParser(self, network: Any, logger: Any) -> Any:
        ok = self._parse_ok

        class Parser:
            num_errors = 0 if ok else 1

            def parse(self, data: bytes) -> bool:
                return ok and len(data) > 0

            def get_error(self, i: int) -> str:
                return "In node 0 (fake): unsupported op"

        return Parser()
