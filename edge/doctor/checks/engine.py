"""Inference backend importable, model files matching their published sha256, TensorRT engine cache."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from edge.doctor.base import DoctorContext, Finding, Status
from edge.inference.base import sha256_file

BACKEND_MODULES = {"onnxruntime": ["onnxruntime"], "tensorrt": ["tensorrt", "pycuda.driver"]}
_SUM_LINE = re.compile(
    r"\b([0-9a-f]{64})\b.*?([\w.-]+\.(?:onnx|engine|plan))|([\w.-]+\.(?:onnx|engine|plan)).*?\b([0-9a-f]{64})\b"
)


def expected_checksums(models: Path) -> dict[str, str]:
    """File name -> sha256 from SHA256SUMS / *.sha256, model JSON manifests and README.md in ``models``."""
    sums: dict[str, str] = {}
    for manifest in sorted(models.glob("*.json")):
        try:
            data: Any = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entries = data.values() if isinstance(data, dict) else []
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("file"), str) and isinstance(entry.get("sha256"), str):
                sums[entry["file"]] = entry["sha256"].lower()
    for text_file in [*sorted(models.glob("SHA256SUMS*")), *sorted(models.glob("*.sha256")), models / "README.md"]:
        if not text_file.is_file():
            continue
        for line in text_file.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _SUM_LINE.search(line)
            if match:
                digest, name = (match[1], match[2]) if match[1] else (match[4], match[3])
                sums.setdefault(Path(name).name, digest.lower())
    return sums


def check_backend(ctx: DoctorContext) -> list[Finding]:
    backend = ctx.config.engine.backend
    for module in BACKEND_MODULES[backend]:
        try:
            ctx.importer(module)
        except ImportError as exc:
            fix = (
                "pip install onnxruntime in the venv (scripts/install.sh)"
                if backend == "onnxruntime"
                else "TensorRT comes with JetPack 6 (python3-libnvinfer); pycuda: PATH=/usr/local/cuda/bin:$PATH "
                "CUDA_ROOT=/usr/local/cuda pip install pycuda in the venv created with --system-site-packages"
            )
            return [Finding("backend", Status.FAIL, f"{backend}: cannot import {module}: {exc}", fix)]
    return [Finding("backend", Status.OK, f"{backend} importable")]


def check_models(ctx: DoctorContext) -> list[Finding]:
    models = ctx.models()
    files = sorted(models.glob("*.onnx")) if models.is_dir() else []
    if not files:
        return [
            Finding(
                "models",
                Status.FAIL,
                f"no ONNX models in {models}",
                "set GLIMPSE_MODELS or rerun scripts/install.sh (copies models/ to /opt/glimpse/models)",
            )
        ]
    expected = expected_checksums(models)
    findings = []
    for path in files:
        digest = sha256_file(path)
        want = expected.get(path.name)
        if want is None:
            findings.append(
                Finding(
                    f"model {path.name}",
                    Status.WARN,
                    f"sha256 {digest[:16]}…: expected unknown",
                    "list its sha256 in models/README.md or a SHA256SUMS file",
                )
            )
        elif want != digest:
            findings.append(
                Finding(
                    f"model {path.name}",
                    Status.FAIL,
                    f"sha256 {digest[:16]}… but {want[:16]}… expected",
                    "the file is corrupt or replaced: reinstall the models (scripts/install.sh)",
                )
            )
        else:
            findings.append(Finding(f"model {path.name}", Status.OK, f"sha256 {digest[:16]}… matches"))
    return findings


def engine_cache_dir(ctx: DoctorContext) -> Path:
    """Where `glimpse engine build` caches engines ($GLIMPSE_ENGINE_CACHE, else the state directory)."""
    import os

    from edge.inference.trtcache import STATE_CACHE

    return ctx.path(os.environ.get("GLIMPSE_ENGINE_CACHE") or str(STATE_CACHE))


def check_engine_cache(ctx: DoctorContext) -> list[Finding]:
    """Engines are valid only for this TensorRT version and the model's sha256 (DESIGN §8)."""
    if ctx.config.engine.backend != "tensorrt":
        return [Finding("engine cache", Status.SKIP, "engine.backend is not tensorrt")]
    try:
        version = str(ctx.importer("tensorrt").__version__)
    except ImportError as exc:
        return [Finding("engine cache", Status.FAIL, f"tensorrt not importable: {exc}", "install JetPack's TensorRT")]
    cache = engine_cache_dir(ctx)
    engines = [p.name for p in cache.glob("*") if p.suffix in {".engine", ".plan"}] if cache.is_dir() else []
    fix = "glimpse engine build (install.sh runs it on a Jetson)"
    findings = []
    for model in sorted(ctx.models().glob("*.onnx")):
        prefix = sha256_file(model)[:16]
        mine = [name for name in engines if prefix in name]
        if not mine:
            findings.append(Finding(f"engine {model.stem}", Status.FAIL, f"no engine for sha256 {prefix}…", fix))
        elif not any(f"trt{version}" in name for name in mine):
            findings.append(
                Finding(
                    f"engine {model.stem}",
                    Status.FAIL,
                    f"engine built for another TensorRT ({mine[0]}); running {version}",
                    fix,
                )
            )
        elif not any((cache / n).with_suffix(".json").is_file() for n in mine if f"trt{version}" in n):
            detail = "engine without its .json sidecar (an interrupted build): it is never loaded"
            findings.append(Finding(f"engine {model.stem}", Status.FAIL, detail, fix))
        else:
            findings.append(Finding(f"engine {model.stem}", Status.OK, f"cached for TensorRT {version}"))
    return findings or [Finding("engine cache", Status.FAIL, f"no models to build engines for in {ctx.models()}", fix)]
