"""Building TensorRT engines from QDQ ONNX and caching them per TensorRT version, GPU and model.

Engines are not portable across TensorRT versions or GPUs (DESIGN section
8), so the cache key is ``<model>-<sha256[:16]>-trt<version>-<gpu>`` and a
JSON sidecar records what the engine was built for. Build steps follow the
TensorRT Python API: ``Builder`` -> ``create_network`` -> ``OnnxParser.parse``
-> ``create_builder_config`` (INT8 flag for QDQ graphs, FP16 where the GPU has
it) -> optimization profile for the dynamic batch -> ``build_serialized_network``
(refs: TensorRT developer guide "The Python API: building an engine";
"Working with quantized types: explicit quantization").
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


@dataclass(frozen=True, slots=True)
class EngineMeta:
    """What an engine was built from and for (the sidecar ``.json``)."""

    model: str
    model_sha256: str
    tensorrt: str
    gpu: str
    precision: str
    max_batch: int
    input_name: str = "x"


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    """``$GLIMPSE_ENGINE_CACHE``, else /var/lib/glimpse/engines when writable, else ~/.cache/glimpse/engines."""
    env = dict(os.environ) if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    if STATE_CACHE.is_dir() and os.access(STATE_CACHE, os.W_OK):
        return STATE_CACHE
    return Path.home() / ".cache" / "glimpse" / "engines"


def gpu_name(cuda: ModuleType) -> str:
    """Name of CUDA device 0 (e.g. 'Orin')."""
    return str(cuda.Device(0).name())


def cache_key(model: Path, sha256: str, trt_version: str, gpu: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", gpu).strip("_") or "gpu"
    return f"{model.name.removesuffix('.onnx')}-{sha256[:16]}-trt{trt_version}-{slug}"


def engine_for(model: Path, trt: ModuleType, cuda: ModuleType, folder: Path | None = None) -> Path:
    """The cached engine for ``model`` on this TensorRT and GPU, or ModelError saying how to build it."""
    key = cache_key(model, sha256_file(model), trt.__version__, gpu_name(cuda))
    path = (folder or cache_dir()) / f"{key}.engine"
    if not path.is_file():
        raise ModelError(
            f"no TensorRT engine for {str(model)!r} at {str(path)!r}; expected one built on this device "
            f"(TensorRT {trt.__version__}, GPU {gpu_name(cuda)!r}): run `glimpse engine build`"
        )
    return path


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


def build_engine(
    model: Path,
    trt: ModuleType,
    cuda: ModuleType,
    folder: Path | None = None,
    max_batch: int = DEFAULT_MAX_BATCH,
    fp16: bool = True,
) -> Path:
    """Build (or reuse) the engine of ``model`` for this device; returns the cached engine path."""
    sha = sha256_file(model)
    gpu = gpu_name(cuda)
    out_dir = folder or cache_dir()
    path = out_dir / f"{cache_key(model, sha, trt.__version__, gpu)}.engine"
    if path.is_file():
        logger.info("engine cache hit: %s", path)
        return path
    trt_logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(trt_logger)
    network = builder.create_network(_network_flags(trt))
    _parse(trt, network, trt_logger, model)
    config = builder.create_builder_config()
    int8 = ".int8." in model.name
    if int8:
        config.set_flag(trt.BuilderFlag.INT8)  # QDQ nodes carry the scales: no calibrator
    if fp16 and builder.platform_has_fast_fp16:
        config.set_flag(trt.BuilderFlag.FP16)
    tensor = network.get_input(0)
    name, dims = tensor.name, tuple(int(d) for d in tensor.shape)
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
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(serialized))
    meta = EngineMeta(
        model.name, sha, trt.__version__, gpu, "int8" if int8 else "fp16" if fp16 else "fp32", max_batch, name
    )
    path.with_suffix(".json").write_text(json.dumps(asdict(meta), indent=2) + "\n")
    return path
