"""A faithful fake of the tensorrt and pycuda.driver surface the TensorRT backend and builder use.

Two API generations, each exposing only its own methods (so a branch that
calls the wrong generation fails with AttributeError, as on a device):
TensorRT 8.5 bindings (num_bindings, binding_is_input, get_binding_shape,
set_binding_shape, execute_async_v2) and TensorRT 10 named tensors
(num_io_tensors, get_tensor_name, get_tensor_mode, get_tensor_shape,
set_input_shape, set_tensor_address, execute_async_v3). Device memory is a
dict of byte buffers keyed by fake addresses; copies move real bytes.
The engine computes fixed functions of its input so results can be checked.
"""

from __future__ import annotations

import itertools
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


class FakeCuda:
    """pycuda.driver: pagelocked_empty, mem_alloc, Stream, memcpy_htod_async, memcpy_dtoh_async, Device."""

    def __init__(self, gpu: str = "Orin (fake)") -> None:
        self.memory: dict[int, bytearray] = {}
        self.freed: list[int] = []
        self._addr = itertools.count(0x1000, 0x1000)
        self._gpu = gpu
        cuda = self

        class DeviceAllocation:
            def __init__(self, nbytes: int) -> None:
                self.addr = next(cuda._addr)
                cuda.memory[self.addr] = bytearray(nbytes)

            def __int__(self) -> int:
                return self.addr

            def free(self) -> None:
                cuda.freed.append(self.addr)

        class Stream:
            handle = 0xBEEF

            def synchronize(self) -> None:
                return None

        class Device:
            def __init__(self, ordinal: int) -> None:
                self.ordinal = ordinal

            def name(self) -> str:
                return cuda._gpu

        self.Stream = Stream
        self.Device = Device
        self._alloc = DeviceAllocation

    def mem_alloc(self, nbytes: int) -> Any:
        return self._alloc(nbytes)

    def pagelocked_empty(self, shape: int, dtype: Any) -> np.ndarray:
        return np.empty(shape, dtype)

    def memcpy_htod_async(self, dest: Any, src: np.ndarray, stream: Any) -> None:
        raw = src.view(np.uint8).reshape(-1)
        self.memory[int(dest)][: raw.size] = raw.tobytes()

    def memcpy_dtoh_async(self, dest: np.ndarray, src: Any, stream: Any) -> None:
        buf = self.memory[int(src)]
        dest.view(np.uint8).reshape(-1)[:] = np.frombuffer(bytes(buf[: dest.nbytes]), np.uint8)


_IO = (("x", True, (-1, 3, 28, 28)), ("spot", False, (-1,)), ("emotion", False, (-1, 3)), ("au", False, (-1, N_AUS)))


class _Engine:
    def __init__(self, trt: FakeTrt) -> None:
        self.trt = trt

    def create_execution_context(self) -> Any:
        return self.trt.context_class(self.trt)


class _Engine10(_Engine):
    num_io_tensors = len(_IO)

    def get_tensor_name(self, i: int) -> str:
        return _IO[i][0]

    def get_tensor_mode(self, name: str) -> str:
        return "INPUT" if dict((n, inp) for n, inp, _ in _IO)[name] else "OUTPUT"

    def get_tensor_shape(self, name: str) -> tuple[int, ...]:
        return dict((n, s) for n, _, s in _IO)[name]

    def get_tensor_dtype(self, name: str) -> str:
        return "FLOAT"


class _Engine85(_Engine):
    num_bindings = len(_IO)

    def get_binding_name(self, i: int) -> str:
        return _IO[i][0]

    def binding_is_input(self, i: int) -> bool:
        return _IO[i][1]

    def get_binding_shape(self, i: int) -> tuple[int, ...]:
        return _IO[i][2]

    def get_binding_dtype(self, i: int) -> str:
        return "FLOAT"


class _Context:
    def __init__(self, trt: FakeTrt) -> None:
        self.trt, self.batch = trt, -1

    def _compute(self, addresses: dict[str, int]) -> bool:
        mem = self.trt.cuda.memory
        n = self.batch * 3 * 28 * 28
        x = np.frombuffer(bytes(mem[addresses["x"]][: n * 4]), np.float32).reshape(self.batch, 3, 28, 28)
        for name, value in reference_outputs(x).items():
            raw = np.ascontiguousarray(value, np.float32).view(np.uint8).reshape(-1)
            mem[addresses[name]][: raw.size] = raw.tobytes()
        self.trt.calls.append("execute")
        return True

    def _shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.batch if d < 0 else d for d in dict((n, s) for n, _, s in _IO)[name])


class _Context10(_Context):
    def __init__(self, trt: FakeTrt) -> None:
        super().__init__(trt)
        self.addresses: dict[str, int] = {}

    def set_input_shape(self, name: str, shape: tuple[int, ...]) -> bool:
        self.batch = shape[0]
        return True

    def get_tensor_shape(self, name: str) -> tuple[int, ...]:
        return self._shape(name)

    def set_tensor_address(self, name: str, address: int) -> bool:
        self.addresses[name] = address
        return True

    def execute_async_v3(self, stream_handle: int) -> bool:
        self.trt.calls.append("v3")
        return self._compute(self.addresses)


class _Context85(_Context):
    def set_binding_shape(self, index: int, shape: tuple[int, ...]) -> bool:
        self.batch = shape[0]
        return True

    def get_binding_shape(self, index: int) -> tuple[int, ...]:
        return self._shape(_IO[index][0])

    def execute_async_v2(self, bindings: list[int], stream_handle: int) -> bool:
        self.trt.calls.append("v2")
        return self._compute({name: bindings[i] for i, (name, _, _) in enumerate(_IO)})


class FakeTrt:
    """tensorrt: Logger, Runtime, Builder, OnnxParser, flags, nptype; ``generation`` 8 (8.5.2) or 10 (10.3.0)."""

    def __init__(self, generation: int, cuda: FakeCuda, parse_ok: bool = True) -> None:
        self.__version__ = "10.3.0" if generation == 10 else "8.5.2.2"
        self.cuda = cuda
        self.calls: list[str] = []
        self.built: list[dict[str, Any]] = []
        self.engine_class = _Engine10 if generation == 10 else _Engine85
        self.context_class = _Context10 if generation == 10 else _Context85
        self.TensorIOMode = SimpleNamespace(INPUT="INPUT", OUTPUT="OUTPUT")
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
                return trt.engine_class(trt) if data.startswith(ENGINE_MAGIC + trt.__version__.encode()) else None

        self.Runtime = Runtime

    def nptype(self, dtype: str) -> Any:
        return {"FLOAT": np.float32}[dtype]

    def Builder(self, logger: Any) -> Any:
        trt = self
        record: dict[str, Any] = {"flags": [], "profile": None}

        class Config:
            def set_flag(self, flag: str) -> None:
                record["flags"].append(flag)

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
