"""`glimpse engine build|info`: TensorRT engines from the QDQ ONNX, and what the engine stage would load."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, add_config_args, config_from_args
from edge.errors import BackendUnavailable, ModelError

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("engine", help="build TensorRT engines and show the engine model")
    verbs = parser.add_subparsers(dest="engine_verb", required=True)
    build = verbs.add_parser("build", help="build (or reuse) the TensorRT engine of the engine model on this device")
    add_config_args(build)
    build.add_argument(
        "--model",
        default=None,
        help="model name or .onnx path (default: engine.model's INT8 export and the face models)",
    )
    build.add_argument("--max-batch", type=int, default=32, help="largest batch of the engine profile (default 32)")
    build.add_argument("--no-fp16", action="store_true", help="do not allow FP16 kernels")
    build.add_argument(
        "--workspace-mib", type=int, default=256, help="TensorRT builder workspace limit in MiB (default 256)"
    )
    build.add_argument("--cache", type=Path, default=None, help="engine cache folder (default: $GLIMPSE_ENGINE_CACHE)")
    build.set_defaults(func=_build)
    info = verbs.add_parser("info", help="show the configured model, its checksum and the TensorRT cache")
    add_config_args(info)
    info.set_defaults(func=_info)


def _build(args: argparse.Namespace) -> int:
    from edge.engine.model import model_path
    from edge.inference.tensorrt import CudaContext, import_tensorrt
    from edge.inference.trtcache import BuildSettings, build_engine

    if args.max_batch < 1 or args.workspace_mib < 1:
        print(f"--max-batch {args.max_batch!r} / --workspace-mib {args.workspace_mib!r}: expected >= 1")
        return EXIT_USAGE
    settings = BuildSettings(args.max_batch, not args.no_fp16, args.workspace_mib)
    try:
        config = config_from_args(args)
        targets = [model_path(args.model or config.engine.model, "int8")]
        if args.model is None:  # the face models run on the same backend: build theirs too
            from edge.face.tracker import resolve_model

            targets += [resolve_model(config.face.detector_model), resolve_model(config.face.landmark_model)]
        trt, cuda = import_tensorrt()
        with CudaContext(cuda) as gpu, gpu.current():  # the builder needs a current CUDA context
            paths = [build_engine(onnx, trt, cuda, args.cache, settings) for onnx in targets]
    except (ModelError, BackendUnavailable) as exc:
        print(f"engine build failed: {exc}")
        return EXIT_RUNTIME
    for onnx, path in zip(targets, paths, strict=True):
        print(f"engine for {onnx.name}: {path}")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from edge.engine.model import model_path
    from edge.inference.base import sha256_file
    from edge.inference.trtcache import cache_dir

    config = config_from_args(args)  # a ConfigError is exit 2 with its problems (edge.cli)
    engine = config.engine
    print(f"backend: {engine.backend}  model: {engine.model}  precision: {engine.precision}")
    status = EXIT_OK
    for precision in ("fp32", "int8"):
        try:
            path = model_path(engine.model, precision)
            print(f"  {precision}: {path}  sha256 {sha256_file(path)}")
        except ModelError as exc:
            print(f"  {precision}: missing ({exc})")
            status = EXIT_RUNTIME if precision == engine.precision else status
    folder = cache_dir()
    engines = sorted(folder.glob("*.engine")) if folder.is_dir() else []
    print(f"tensorrt cache: {folder} ({len(engines)} engine(s))")
    for path in engines:
        print(f"  {path.name}")
    return status
