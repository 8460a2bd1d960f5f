"""Building TensorRT engines from QDQ ONNX and caching them per TensorRT version, GPU, model and build settings.

Engines are not portable across TensorRT versions or GPUs (DESIGN section
8), and an engine built with other settings is another engine, so the cache
key is ``<model>-<sha256[:16]>-trt<version>-<gpu>-b<max batch>-<precision>-ws<MiB>``.
A JSON sidecar records what the engine was built for and its size; it is
written last, and both files are written to a temporary name, flushed and
renamed (``os.replace`` is atomic on POSIX), so a crash between the two writes
leaves an engine without a sidecar, which is never taken for a cache hit.

Build steps follow the TensorRT Python API (8.5 to 10): ``Builder`` ->
``create_network`` -> ``OnnxParser.parse`` -> ``create_builder_config``
(INT8 flag for QDQ graphs, FP16 where the GPU has it,
``set_memory_pool_limit(MemoryPoolType.WORKSPACE, ...)``, since 8.4: without
it the workspace may grow to the whole device memory, which on a Jetson is the
RAM it shares with the CPU) -> optimization profile for the dynamic batch ->
``build_serialized_network`` (refs: TensorRT developer guide "The Python API:
building an engine"; "Working with quantized types: explicit quantization";
``IBuilderConfig.set_memory_pool_limit`` in the TensorRT Python API reference).
Checked against those sources and the fakes in tests/unit/inference/fake_trt.py,
never on a device. A CUDA context must be current while building
(``edge.inference.tensorrt.CudaContext``).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

from edge.errors import ModelError
from edge.inference.base import sha256_file

logger = logging.getLogger(__name__)

CACHE_ENV = "GLIMPSE_ENGINE_CACHE"
STATE_CACHE = Path("/var/lib/glimpse/engines")
DEFAULT_MAX_BATCH = 32
DEFAULT_WORKSPACE_MIB = 256


@dataclass(frozen=True, slots=True)
class EngineMeta:
    """What an engine was built from and for (the sidecar ``.json``)."""

    model: str
    model_sha256: str
    tensorrt: str
    gpu: str
    precision: str
    max_batch: int
    workspace_mib: int
    engine_bytes: int
    input_name: str = "x"


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """What a build was asked for; every field is part of the cache key."""

    max_batch: int = DEFAULT_MAX_BATCH
    fp16: bool = True
    workspace_mib: int = DEFAULT_WORKSPACE_MIB

    def tag(self, model: Path) -> str:
        precision = "_".join(p for p, on in (("int8", is_int8(model)), ("fp16", self.fp16)) if on) or "fp32"
        return f"b{self.max_batch}-{precision}-ws{self.workspace_mib}"


def is_int8(model: Path) -> bool:
    """QDQ exports are named ``*.int8.onnx``: their scales are in the graph, no calibrator needed."""
    return ".int8." in model.name


def cache_dir(environ: dict[str, str] | None = None, state: Path = STATE_CACHE) -> Path:
    """``$GLIMPSE_ENGINE_CACHE``, else ``state`` when it or its parent (the service's state directory) is
    writable (the build creates it), else ~/.cache/glimpse/engines."""
    env = dict(os.environ) if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    for folder in (state, state.parent):
        if folder.is_dir():
            if os.access(folder, os.W_OK):
                return state
            break
    return Path.home() / ".cache" / "glimpse" / "engines"


def gpu_name(cuda: ModuleType) -> str:
    """Name of CUDA device 0 (e.g. 'Orin')."""
    return str(cuda.Device(0).name())


def _prefix(model: Path, sha256: str, trt_version: str, gpu: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", gpu).strip("_") or "gpu"
    return f"{model.name.removesuffix('.onnx')}-{sha256[:16]}-trt{trt_version}-{slug}-"


def cache_key(model: Path, sha256: str, trt_version: str, gpu: str, settings: BuildSettings) -> str:
    return _prefix(model, sha256, trt_version, gpu) + settings.tag(model)


def read_meta(engine: Path) -> EngineMeta:
    """The sidecar of ``engine``; a missing or malformed one raises ModelError."""
    side = engine.with_suffix(".json")
    try:
        return EngineMeta(**json.loads(side.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(
            f"engine {str(engine)!r} has no readable sidecar {str(side)!r} ({exc}); expected one written by "
            "`glimpse engine build`"
        ) from exc


def _complete(engine: Path, sha256: str, trt_version: str) -> EngineMeta | None:
    """The sidecar of a fully written engine for this model and TensorRT, else None."""
    try:
        meta = read_meta(engine)
        size = engine.stat().st_size
    except (ModelError, OSError):
        return None
    if meta.model_sha256 != sha256 or meta.tensorrt != trt_version or meta.engine_bytes != size:
        return None
    return meta


def engine_for(model: Path, trt: ModuleType, cuda: ModuleType, folder: Path | None = None) -> Path:
    """The cached engine for ``model`` on this TensorRT and GPU (the newest complete one when several
    settings were built), or ModelError saying how to build it."""
    sha = sha256_file(model)
    folder = folder or cache_dir()
    prefix = _prefix(model, sha, trt.__version__, gpu_name(cuda))
    found = [p for p in folder.glob(f"{prefix}*.engine") if _complete(p, sha, trt.__version__)]
    if not found:
        raise ModelError(
            f"no complete TensorRT engine for {str(model)!r} in {str(folder)!r} (expected {prefix}*.engine with "
            f"its .json sidecar, built on this device: TensorRT {trt.__version__}, GPU {gpu_name(cuda)!r}): "
            "run `glimpse engine build`"
        )
    found.sort(key=lambda p: p.with_suffix(".json").stat().st_mtime_ns)
    if len(found) > 1:
        logger.info("%d engines for %s; using the newest: %s", len(found), model.name, found[-1].name)
    return found[-1]


def _parse(trt: ModuleType, network: object, logger_: object, model: Path) -> object:
    parser = trt.OnnxParser(network, logger_)
    if not parser.parse(model.read_bytes()):
        errors = [str(parser.get_error(i)) for i in range(parser.num_errors)]
        raise ModelError(f"TensorRT could not parse {str(model)!r}: {errors!r}")
    return parser


def _network_flags(trt: ModuleType) -> int:
    """EXPLICIT_BATCH must be requested on TensorRT 8.x; it is the only mode (and deprecated flag) on 10."""
    major = int(str(trt.__version__).split(".")[0])
    if major >= 10:
        return 0
    return 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name, flush to disk, rename over ``path``: readers see all or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_engine(
    model: Path,
    trt: ModuleType,
    cuda: ModuleType,
    folder: Path | None = None,
    settings: BuildSettings | None = None,
) -> Path:
    """Build (or reuse) the engine of ``model`` for this device; returns the cached engine path."""
    settings = settings or BuildSettings()
    sha = sha256_file(model)
    gpu = gpu_name(cuda)
    out_dir = folder or cache_dir()
    path = out_dir / f"{cache_key(model, sha, trt.__version__, gpu, settings)}.engine"
    if _complete(path, sha, trt.__version__):
        logger.info("engine cache hit: %s", path)
        return path
    if path.exists():
        logger.warning("engine %s has no complete sidecar (interrupted build?); rebuilding it", path)
    trt_logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(trt_logger)
    network = builder.create_network(_network_flags(trt))
    _parse(trt, network, trt_logger, model)
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, settings.workspace_mib << 20)
    precision = []
    if is_int8(model):
        config.set_flag(trt.BuilderFlag.INT8)  # QDQ nodes carry the scales: no calibrator
        precision.append("int8")
    if settings.fp16 and builder.platform_has_fast_fp16:
        config.set_flag(trt.BuilderFlag.FP16)
        precision.append("fp16")
    tensor = network.get_input(0)
    name, dims = tensor.name, tuple(int(d) for d in tensor.shape)
    max_batch = settings.max_batch
    if dims and dims[0] == -1:  # explicit dynamic batch (the engine model): one profile up to max_batch
        profile = builder.create_optimization_profile()
        rest = dims[1:]
        profile.set_shape(name, (1, *rest), (1, *rest), (max_batch, *rest))
        config.add_optimization_profile(profile)
    else:  # a static graph (the face models bake batch 1 into their reshapes)
        max_batch = dims[0] if dims else 1
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise ModelError(f"TensorRT {trt.__version__} failed to build an engine from {str(model)!r}")
    data = bytes(serialized)
    meta = EngineMeta(
        model.name,
        sha,
        trt.__version__,
        gpu,
        "+".join(precision) or "fp32",
        max_batch,
        settings.workspace_mib,
        len(data),
        name,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)  # no sidecar may vouch for the engine being replaced
    _write_atomic(path, data)
    _write_atomic(path.with_suffix(".json"), (json.dumps(asdict(meta), indent=2) + "\n").encode())
    return path
