"""The shipped engine model: public entry point, ONNX contract, FP32/INT8 parity, classifier, paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.engine import COMPOSITE_CLASSES, classify_flow, flow_representation
from edge.engine.classifier import EngineClassifier
from edge.engine.model import model_path, open_model
from edge.errors import ModelError
from edge.face.base import FaceObservation
from edge.inference.ort import OrtBackend
from edge.paths import models_dir
from edge.spotting.base import Interval

ALLOWED = {
    "Constant",
    "Conv",
    "Relu",
    "MaxPool",
    "AveragePool",
    "Flatten",
    "Gemm",
    "Sigmoid",
    "Softmax",
    "Squeeze",
    "QuantizeLinear",
    "DequantizeLinear",
}


def _pairs(n: int, seed: int = 0) -> np.ndarray:
    from edge.train.synthfaces import RECIPES, displacement, face, make_pair

    rng = np.random.default_rng(seed)
    xs = []
    for i in range(n):
        base = face(rng)
        onset, apex = make_pair(base, RECIPES[i % len(RECIPES)][1], 2.5, rng)
        xs.append(flow_representation(onset, apex))
    del displacement
    return np.stack(xs)


def test_classify_flow_returns_probabilities_in_class_order() -> None:
    assert COMPOSITE_CLASSES == ("negative", "positive", "surprise")
    probs = classify_flow(_pairs(4))
    assert probs.shape == (4, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match=r"expected \(N, 3, 28, 28\)"):
        classify_flow(np.zeros((1, 28, 28, 3), np.float32))


def test_flow_representation_is_minmax_normalised_and_u_is_right_positive() -> None:
    rng = np.random.default_rng(1)
    import cv2

    tex = cv2.GaussianBlur(rng.integers(0, 255, (128, 128), dtype=np.uint8), (0, 0), 2.0)
    right = cv2.warpAffine(tex, np.float32([[1, 0, 1.5], [0, 1, 0]]), (128, 128), borderMode=cv2.BORDER_REFLECT)
    x = flow_representation(tex, right, method="farneback")
    assert x.shape == (3, 28, 28) and x.min() >= 0.0 and x.max() <= 1.0
    assert float(x[0].max()) == pytest.approx(1.0) and float(x[0].min()) == pytest.approx(0.0)
    from edge.motion.features import event_flow

    u, v = event_flow(tex, right)
    assert float(np.median(u)) > 1.0 and abs(float(np.median(v))) < 0.3


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_exported_graph_contract(precision: str) -> None:
    model = onnx.load(str(model_path("glimpse_me", precision)))
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 13
    assert {n.op_type for n in model.graph.node} <= ALLOWED
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [3, 28, 28]
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    zero_points = [inits[n.input[2]] for n in model.graph.node if n.op_type == "QuantizeLinear" and len(n.input) > 2]
    assert all(np.all(z == 0) for z in zero_points)
    if precision == "int8":
        assert zero_points and all(z.dtype == np.int8 for z in zero_points)


def test_fp32_and_int8_agree_on_fixed_samples() -> None:
    x = _pairs(60, seed=7)
    with OrtBackend(model_path("glimpse_me")) as fp32, OrtBackend(model_path("glimpse_me", "int8")) as int8:
        a, b = fp32.run({"x": x})["emotion"], int8.run({"x": x})["emotion"]
    agreement = float(np.mean(a.argmax(1) == b.argmax(1)))
    print(f"FP32 vs INT8: agreement {agreement:.3f}, max |dp| {np.abs(a - b).max():.4f}")
    assert agreement >= 0.9
    assert float(np.abs(a - b).max()) < 0.25
    assert float(np.abs(a - b).mean()) < 0.03


def test_missing_model_is_a_clear_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLIMPSE_MODELS", str(tmp_path))
    assert models_dir() == tmp_path
    with pytest.raises(ModelError, match=r"glimpse_me\.onnx.*does not exist"):
        model_path()


def test_classifier_returns_classification_with_aus_and_model_identity() -> None:
    from edge.train.synthfaces import face, make_pair

    rng = np.random.default_rng(3)
    onset, apex = make_pair(face(rng), "6+12", 3.0, rng)
    interval = Interval(10, 20, 30, 10, 20, 30, "micro", 0.9)
    with EngineClassifier(open_model()) as classifier:
        result = classifier.classify(
            interval,
            FaceObservation(10, 10, True, aligned=onset),
            FaceObservation(20, 20, True, aligned=apex),
        )
        unknown = classifier.classify(interval, FaceObservation(10, 10, False), FaceObservation(20, 20, False))
    assert result.emotion in COMPOSITE_CLASSES and set(result.emotion_scores) == set(COMPOSITE_CLASSES)
    assert result.backend == "onnxruntime" and result.model == "glimpse_me" and len(result.model_sha256) == 64
    assert all(0.5 <= a.p <= 1.0 and a.name for a in result.action_units)
    assert unknown.emotion == "unknown"
