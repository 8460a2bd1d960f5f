#!/usr/bin/env python3
"""Convert MediaPipe's BlazeFace short-range and FaceMesh TFLite models to ONNX.

Conversion-time only: needs tensorflow-cpu, tf2onnx, onnx, onnxruntime and
opencv-python-headless in a throw-away venv (never in the project's venv)::

    python3.11 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu tf2onnx onnxruntime opencv-python-headless
    /tmp/tfvenv/bin/pip download mediapipe==0.10.21 --no-deps --only-binary=:all: \
        --python-version 311 --platform manylinux_2_28_x86_64 -d /tmp/mpwheel
    /tmp/tfvenv/bin/python scripts/convert_face_models.py \
        --wheel /tmp/mpwheel/mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl --out models

Steps per model: extract the ``.tflite`` from the wheel, run ``tf2onnx``
(opset 13, NCHW input), rewrite every ``PRelu`` as ``Relu(x) + slope * Min(x, 0)``
(onnxruntime's CPU PRelu kernel is slow; the result is the same function),
then compare the ONNX outputs with the TFLite interpreter on random inputs and
on real-frame crops, and write ``models/face_models.json`` with the sha256,
the source and the largest absolute error per output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

MODELS = {
    "face_detector": {
        "member": "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "size": 128,
        "range": (-1.0, 1.0),
    },
    "face_landmarks": {
        "member": "mediapipe/modules/face_landmark/face_landmark.tflite",
        "size": 192,
        "range": (0.0, 1.0),
    },
}
WHEEL = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tf2onnx_convert(tflite: Path, onnx_path: Path, input_name: str) -> None:
    """Run the tf2onnx command line (the documented entry point: ``python -m tf2onnx.convert``)."""
    cmd = [sys.executable, "-m", "tf2onnx.convert", "--tflite", str(tflite), "--output", str(onnx_path)]
    cmd += ["--opset", "13", "--inputs-as-nchw", input_name]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def rewrite_prelu(model: Any) -> int:
    """Replace ``PRelu(x, s)`` by ``Add(Relu(x), Mul(s, Min(x, 0)))``; return how many were rewritten."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    zero_name = "prelu_rewrite_zero"
    if not any(node.op_type == "PRelu" for node in graph.node):
        return 0
    graph.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero_name))
    new_nodes = []
    count = 0
    for node in graph.node:
        if node.op_type != "PRelu":
            new_nodes.append(node)
            continue
        x, slope = node.input
        out = node.output[0]
        base = f"{node.name or out}_prelu"
        new_nodes += [
            helper.make_node("Relu", [x], [f"{base}_pos"], name=f"{base}_relu"),
            helper.make_node("Min", [x, zero_name], [f"{base}_neg"], name=f"{base}_min"),
            helper.make_node("Mul", [f"{base}_neg", slope], [f"{base}_scaled"], name=f"{base}_mul"),
            helper.make_node("Add", [f"{base}_pos", f"{base}_scaled"], [out], name=f"{base}_add"),
        ]
        count += 1
    del graph.node[:]
    graph.node.extend(new_nodes)
    onnx.checker.check_model(model)
    return count


def tflite_input_name(tflite: Path) -> str:
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=str(tflite))
    return str(interp.get_input_details()[0]["name"])


def tflite_run(tflite: Path, x_nhwc: np.ndarray) -> dict[str, np.ndarray]:
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=str(tflite))
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x_nhwc)
    interp.invoke()
    return {d["name"]: interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()}


def real_inputs(clips: Path, size: int, lo: float, hi: float) -> list[np.ndarray]:
    """Gray frames of the real clips (replicated to RGB), centre-cropped and resized like the runtime."""
    import cv2

    out = []
    for clip in sorted(clips.glob("*.mp4")):
        cap = cv2.VideoCapture(str(clip))
        for _ in range(3):
            ok, bgr = cap.read()
            if not ok:
                break
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            h, w = gray.shape
            side = min(h, w)
            crop = gray[(h - side) // 2 : (h + side) // 2, (w - side) // 2 : (w + side) // 2]
            img = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
            img = img / 255.0 * (hi - lo) + lo
            out.append(np.repeat(img[None, :, :, None], 3, axis=3))
            for _ in range(30):
                cap.grab()
        cap.release()
    return out


def verify(tflite: Path, onnx_path: Path, size: int, rng: tuple[float, float], clips: Path) -> dict[str, Any]:
    """Largest absolute difference per output between TFLite and onnxruntime, over random and real inputs."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    gen = np.random.default_rng(0)
    lo, hi = rng
    inputs = [gen.uniform(lo, hi, (1, size, size, 3)).astype(np.float32) for _ in range(4)]
    inputs += real_inputs(clips, size, lo, hi)
    errors: dict[str, float] = {}
    for x in inputs:
        ref = tflite_run(tflite, x)
        got = sess.run(None, {in_name: np.ascontiguousarray(x.transpose(0, 3, 1, 2))})
        for out, value in zip(sess.get_outputs(), got, strict=True):
            diff = float(np.max(np.abs(ref[out.name].reshape(value.shape) - value)))
            errors[out.name] = max(errors.get(out.name, 0.0), diff)
    return {"inputs": len(inputs), "real_inputs": len(inputs) - 4, "max_abs_error": errors}


def convert_one(name: str, spec: dict[str, Any], wheel: Path, out_dir: Path, work: Path, clips: Path) -> dict[str, Any]:
    import onnx

    with zipfile.ZipFile(wheel) as zf:
        tflite = work / Path(spec["member"]).name
        tflite.write_bytes(zf.read(spec["member"]))
    raw = work / f"{name}_raw.onnx"
    tf2onnx_convert(tflite, raw, tflite_input_name(tflite))
    model = onnx.load(str(raw))
    model.producer_name = "glimpse scripts/convert_face_models.py (tf2onnx + PRelu rewrite)"
    rewritten = rewrite_prelu(model)
    final = out_dir / f"{name}.onnx"
    onnx.save(model, str(final))
    report = {
        "file": final.name,
        "sha256": sha256(final),
        "bytes": final.stat().st_size,
        "source_wheel": wheel.name,
        "source_wheel_sha256": sha256(wheel),
        "source_member": spec["member"],
        "source_tflite_sha256": sha256(tflite),
        "prelu_rewritten": rewritten,
        "input": {"name": model.graph.input[0].name, "layout": "NCHW", "size": spec["size"], "range": spec["range"]},
        "outputs": [o.name for o in model.graph.output],
        "verification_raw": verify(tflite, raw, spec["size"], spec["range"], clips),
        "verification": verify(tflite, final, spec["size"], spec["range"], clips),
    }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help=f"path to {WHEEL}")
    parser.add_argument("--out", type=Path, default=Path("models"), help="output folder (default: models)")
    parser.add_argument(
        "--clips",
        type=Path,
        default=Path(os.environ.get("GLIMPSE_CLIPS") or Path(__file__).resolve().parents[2] / "shared" / "clips"),
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in MODELS.items():
            reports[name] = convert_one(name, spec, args.wheel, args.out, Path(tmp), args.clips)
            print(json.dumps({name: reports[name]}, indent=2))
    (args.out / "face_models.json").write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
