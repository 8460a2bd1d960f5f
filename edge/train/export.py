"""ONNX export (FP32 and INT8 QDQ) of a trained engine network.

FP32: ``torch.onnx.export`` at opset 17 with a dynamic batch axis "N" and
only TensorRT-supported ops. INT8: ``onnxruntime.quantization`` static QDQ
with symmetric int8 activations and weights (zero points 0, which is what
TensorRT's explicit quantization accepts; DESIGN section 8), calibrated on
representative inputs, after ``quant_pre_process(skip_symbolic_shape=True)``
(onnxruntime 1.32 has no sympy dependency). Refs: onnxruntime docs,
"Quantize ONNX models" (quantize_static, QuantFormat.QDQ, extra_options
ActivationSymmetric / WeightSymmetric); TensorRT developer guide, "Explicit
quantization" (symmetric Q/DQ only).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import torch

from edge.engine.labels import AU_OUTPUT, EMOTION_OUTPUT, INPUT_NAME, SPOT_OUTPUT
from edge.errors import ModelError
from edge.train.net import GlimpseNet

logger = logging.getLogger(__name__)

OPSET = 17
#: Ops TensorRT's ONNX parser supports that an engine graph may contain.
TENSORRT_OPS = frozenset(
    {
        "Conv",
        "Relu",
        "MaxPool",
        "AveragePool",
        "Flatten",
        "Gemm",
        "MatMul",
        "Add",
        "Sigmoid",
        "Softmax",
        "Reshape",
        "Squeeze",
        "Unsqueeze",
        "QuantizeLinear",
        "DequantizeLinear",
        "Identity",
        "Constant",
        "Concat",
    }
)


def export_fp32(net: GlimpseNet, path: Path) -> Path:
    """Write the FP32 ONNX graph: input ``x`` [N, 3, 28, 28]; outputs spot [N], emotion [N, 3], au [N, A]."""
    import onnx

    net.eval()
    dummy = torch.zeros(1, 3, 28, 28)
    axes = {INPUT_NAME: {0: "N"}, SPOT_OUTPUT: {0: "N"}, EMOTION_OUTPUT: {0: "N"}, AU_OUTPUT: {0: "N"}}
    torch.onnx.export(
        net,
        (dummy,),
        str(path),
        input_names=[INPUT_NAME],
        output_names=[SPOT_OUTPUT, EMOTION_OUTPUT, AU_OUTPUT],
        dynamic_axes=axes,
        opset_version=OPSET,
        dynamo=False,
    )
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    check_ops(model)
    return path


def check_ops(model: object) -> None:
    """Raise ValueError when the graph uses an op outside :data:`TENSORRT_OPS`."""
    ops = {node.op_type for node in model.graph.node}  # type: ignore[attr-defined]
    extra = sorted(ops - TENSORRT_OPS)
    if extra:
        raise ModelError(f"graph uses ops {extra!r}; expected only TensorRT-supported ops {sorted(TENSORRT_OPS)}")


class _Reader:
    """onnxruntime CalibrationDataReader over an array of inputs, one sample per call."""

    def __init__(self, samples: np.ndarray) -> None:
        self._it = iter(samples)

    def get_next(self) -> dict[str, np.ndarray] | None:
        sample = next(self._it, None)
        return None if sample is None else {INPUT_NAME: sample[None].astype(np.float32)}

    def rewind(self) -> None:  # pragma: no cover - not used by MinMax calibration
        return None


def export_int8(fp32_path: Path, path: Path, calibration: np.ndarray) -> Path:
    """Write the INT8 QDQ graph calibrated on ``calibration`` [M, 3, 28, 28] (symmetric, TensorRT-compatible)."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(fp32_path), str(pre), skip_symbolic_shape=True)
        quantize_static(
            str(pre),
            str(path),
            _Reader(calibration),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"ActivationSymmetric": True, "WeightSymmetric": True},
        )
    model = onnx.load(str(path))
    check_ops(model)
    check_symmetric(model)
    return path


def check_symmetric(model: object) -> None:
    """Raise ValueError when a QuantizeLinear zero point is not 0 (TensorRT rejects asymmetric QDQ)."""
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}  # type: ignore[attr-defined]
    for node in model.graph.node:  # type: ignore[attr-defined]
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and len(node.input) > 2:
            zp = inits.get(node.input[2])
            if zp is not None and np.any(zp != 0):
                raise ModelError(f"{node.name!r} has zero point {zp!r}; expected 0 (symmetric quantization)")
