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
(opset 13, NCHW input), then two exact graph rewrites for onnxruntime's CPU
provider on one thread:

* every per-channel ``PRelu(x, s)`` becomes ``Relu(x) + dw(Relu(dw(x, -1)), -s)``
  with 1x1 depthwise convolutions (the same function; onnxruntime's PRelu kernel
  is slow, and ``Min``/``Mul`` would leave its blocked NCHWc layout around every
  activation); other slopes become ``Relu(x) + s * Min(x, 0)``;
* the graph input becomes one gray plane (N, 1, H, W): Glimpse feeds gray
  frames, three identical channels, so the first ``Conv``'s weights are summed
  over the input channels (only when the input feeds that one ``Conv``).

Then the ONNX outputs are compared with the TFLite interpreter on the same
inputs (gray for a gray-input graph: random gray planes and real-frame crops,
replicated to RGB for TFLite), and ``models/face_models.json`` records the
sha256, the source, the rewrites and the largest absolute error per output.
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
PRODUCER = "glimpse scripts/convert_face_models.py (tf2onnx + PRelu as 1x1 depthwise convs + gray input fold)"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tf2onnx_convert(tflite: Path, onnx_path: Path, input_name: str) -> None:
    """Run the tf2onnx command line (the documented entry point: ``python -m tf2onnx.convert``)."""
    cmd = [sys.executable, "-m", "tf2onnx.convert", "--tflite", str(tflite), "--output", str(onnx_path)]
    cmd += ["--opset", "13", "--inputs-as-nchw", input_name]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def _initializer(graph: Any, name: str) -> np.ndarray | None:
    from onnx import numpy_helper

    for init in graph.initializer:
        if init.name == name:
            return np.asarray(numpy_helper.to_array(init))
    return None


def _per_channel(slope: np.ndarray | None) -> np.ndarray | None:
    """The slopes as a (C,) vector when they are one per channel of an NCHW tensor, else None."""
    if slope is None or slope.ndim < 3 or any(d != 1 for d in slope.shape[-2:]) or slope.size != slope.shape[-3]:
        return None
    return slope.reshape(-1).astype(np.float32)


def _prelu_as_min(node: Any, base: str, zero: str) -> list[Any]:
    """``Relu(x) + s * Min(x, 0)``: any broadcastable slope (the fallback for non-per-channel slopes)."""
    from onnx import helper

    x, slope = node.input
    return [
        helper.make_node("Relu", [x], [f"{base}_pos"], name=f"{base}_relu"),
        helper.make_node("Min", [x, zero], [f"{base}_neg"], name=f"{base}_min"),
        helper.make_node("Mul", [f"{base}_neg", slope], [f"{base}_scaled"], name=f"{base}_mul"),
        helper.make_node("Add", [f"{base}_pos", f"{base}_scaled"], [node.output[0]], name=f"{base}_add"),
    ]


def _prelu_as_conv(node: Any, base: str, slope: np.ndarray, graph: Any) -> list[Any]:
    """``Relu(x) + dw(Relu(dw(x, -1)), -s)`` with 1x1 depthwise convolutions: ``-s * relu(-x) == s * min(x, 0)``.

    Exact (sign flips and a product with one zero term round nothing); unlike ``Min``/``Mul`` the depthwise
    convolutions stay in onnxruntime's blocked NCHWc layout, so no reorder surrounds each activation.
    """
    from onnx import helper, numpy_helper

    channels = slope.size
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.full((channels, 1, 1, 1), -1.0, np.float32), f"{base}_flip_w"),
            numpy_helper.from_array((-slope).reshape(channels, 1, 1, 1), f"{base}_slope_w"),
        ]
    )
    dw = {"group": channels, "kernel_shape": [1, 1]}
    return [
        helper.make_node("Relu", [node.input[0]], [f"{base}_pos"], name=f"{base}_relu"),
        helper.make_node("Conv", [node.input[0], f"{base}_flip_w"], [f"{base}_flip"], name=f"{base}_flip", **dw),
        helper.make_node("Relu", [f"{base}_flip"], [f"{base}_negpart"], name=f"{base}_negpart"),
        helper.make_node("Conv", [f"{base}_negpart", f"{base}_slope_w"], [f"{base}_neg"], name=f"{base}_scale", **dw),
        helper.make_node("Add", [f"{base}_neg", f"{base}_pos"], [node.output[0]], name=f"{base}_add"),
    ]


def rewrite_prelu(model: Any) -> dict[str, int]:
    """Replace every ``PRelu`` by the same function in faster ops; return how many took each form.

    Per-channel slopes (shape (1, C, 1, 1) or (C, 1, 1)) become 1x1 depthwise convolutions
    (:func:`_prelu_as_conv`); any other slope falls back to ``Relu(x) + s * Min(x, 0)``.
    """
    import onnx
    from onnx import numpy_helper

    graph = model.graph
    zero = "prelu_rewrite_zero"
    counts = {"conv": 0, "min": 0}
    new_nodes = []
    slopes = {node.input[1] for node in graph.node if node.op_type == "PRelu"}
    for node in graph.node:
        if node.op_type != "PRelu":
            new_nodes.append(node)
            continue
        base = f"{node.name or node.output[0]}_prelu"
        slope = _per_channel(_initializer(graph, node.input[1]))
        if slope is not None:
            new_nodes += _prelu_as_conv(node, base, slope, graph)
            counts["conv"] += 1
            continue
        if not counts["min"]:
            graph.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero))
        new_nodes += _prelu_as_min(node, base, zero)
        counts["min"] += 1
    del graph.node[:]
    graph.node.extend(new_nodes)
    _drop_unused_initializers(graph, slopes)
    onnx.checker.check_model(model)
    return counts


def _drop_unused_initializers(graph: Any, names: set[str]) -> None:
    """Remove the initializers in ``names`` that no node reads any more (the replaced slopes and weights)."""
    used = {name for node in graph.node for name in node.input}
    keep = [init for init in graph.initializer if init.name in used or init.name not in names]
    del graph.initializer[:]
    graph.initializer.extend(keep)


def fold_gray_input(model: Any) -> bool:
    """Make the graph input one gray plane (N, 1, H, W) when the RGB input feeds one ``Conv`` and nothing else.

    Glimpse only feeds gray frames, i.e. three identical channels, so ``sum_c w[:, c] * g == (sum_c w[:, c]) * g``:
    the first convolution's weights are summed over their input-channel axis (zero padding stays zero, and an
    input range such as [-1, 1] is the same affine map of the gray value in every channel). Returns False and
    leaves the model unchanged when the graph is not of that shape.
    """
    import onnx
    from onnx import numpy_helper

    graph = model.graph
    name = graph.input[0].name
    readers = [node for node in graph.node if name in node.input]
    if len(readers) != 1 or readers[0].op_type != "Conv" or list(readers[0].input[:1]) != [name]:
        return False
    conv = readers[0]
    weight = _initializer(graph, conv.input[1])
    group = next((a.i for a in conv.attribute if a.name == "group"), 1)
    if weight is None or weight.ndim != 4 or weight.shape[1] != 3 or group != 1:
        return False
    folded = f"{conv.name or conv.output[0]}_gray_w"
    summed = weight.astype(np.float64).sum(axis=1, keepdims=True).astype(np.float32)
    graph.initializer.append(numpy_helper.from_array(summed, folded))
    old, conv.input[1] = conv.input[1], folded
    graph.input[0].type.tensor_type.shape.dim[1].dim_value = 1
    _drop_unused_initializers(graph, {old})
    onnx.checker.check_model(model)
    return True


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


def verification_inputs(size: int, rng: tuple[float, float], clips: Path, gray: bool) -> list[np.ndarray]:
    """4 uniform-random NHWC RGB tensors (``gray``: one random plane replicated to the 3 channels), then the real
    gray frames of :func:`real_inputs`."""
    gen = np.random.default_rng(0)
    lo, hi = rng
    channels = 1 if gray else 3
    inputs = [np.repeat(gen.uniform(lo, hi, (1, size, size, channels)), 3 // channels, axis=3) for _ in range(4)]
    return [x.astype(np.float32) for x in inputs] + real_inputs(clips, size, lo, hi)


def verify(tflite: Path, onnx_path: Path, inputs: list[np.ndarray]) -> dict[str, Any]:
    """Largest absolute difference per output between TFLite (NHWC RGB) and onnxruntime on the same inputs.

    A gray-input ONNX graph (one channel) gets the first channel; it is only meaningful when the inputs are gray
    (three identical channels), which is checked.
    """
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    channels = sess.get_inputs()[0].shape[1]
    errors: dict[str, float] = {}
    for x in inputs:
        if channels == 1 and not (np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2])):
            raise ValueError(f"{onnx_path.name} takes one gray channel; verify it on gray inputs, not RGB")
        ref = tflite_run(tflite, x)
        got = sess.run(None, {in_name: np.ascontiguousarray(x.transpose(0, 3, 1, 2)[:, :channels])})
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
    model.producer_name = PRODUCER
    prelu = rewrite_prelu(model)
    gray = fold_gray_input(model)
    final = out_dir / f"{name}.onnx"
    onnx.save(model, str(final))
    checked = verification_inputs(spec["size"], spec["range"], clips, gray=gray)
    channels = 1 if gray else 3
    return {
        "file": final.name,
        "sha256": sha256(final),
        "bytes": final.stat().st_size,
        "source_wheel": wheel.name,
        "source_wheel_sha256": sha256(wheel),
        "source_member": spec["member"],
        "source_tflite_sha256": sha256(tflite),
        "prelu_rewritten": prelu["conv"] + prelu["min"],
        "prelu_form": "conv" if not prelu["min"] else f"conv x{prelu['conv']}, min x{prelu['min']}",
        "input_channels": channels,
        "input": {
            "name": model.graph.input[0].name,
            "layout": "NCHW",
            "shape": [1, channels, spec["size"], spec["size"]],
            "size": spec["size"],
            "range": spec["range"],
        },
        "outputs": [o.name for o in model.graph.output],
        "verification_input": "gray" if gray else "rgb",
        "verification_raw": verify(tflite, raw, checked),
        "verification": verify(tflite, final, checked),
        "verification_raw_rgb": verify(tflite, raw, verification_inputs(spec["size"], spec["range"], clips, False)),
    }


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
