"""The exact graph rewrites of scripts/convert_face_models.py, and the gray-input models against RGB twins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from edge.errors import ModelError
from edge.face.blazeface import BlazeFaceDetector, input_channels, letterbox
from edge.face.facemesh import FaceMesh, roi_from_detection
from edge.face.tracker import resolve_model
from edge.inference.base import TensorSpec
from edge.inference.registry import load_backend

from tests_support import load_script

onnx = pytest.importorskip("onnx", reason="onnx (a dev extra) builds the synthetic graphs")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "convert_face_models.py"
GEN = np.random.default_rng(7)


@pytest.fixture(scope="module")
def convert() -> ModuleType:
    return load_script(SCRIPT, "convert_face_models")


def _weights(name: str, shape: tuple[int, ...], low: float = -0.5, high: float = 0.5) -> Any:
    return numpy_helper.from_array(GEN.uniform(low, high, shape).astype(np.float32), name)


def conv_prelu(slope_shape: tuple[int, ...], input_readers: int = 1) -> Any:
    """input (1, 3, 16, 16) -> padded 3x3 Conv (8 ch) -> PRelu(slope) -> 1x1 Conv (4 ch) [+ input read again]."""
    nodes = [
        helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("PRelu", ["c0", "slope"], ["p0"], name="p_re_lu_1"),
        helper.make_node("Conv", ["p0", "w1"], ["y"], kernel_shape=[1, 1]),
    ]
    out = "y"
    if input_readers > 1:  # a skip that reads the input itself: the gray fold must not apply
        nodes += [
            helper.make_node("ReduceMean", ["x"], ["xm"], axes=[1, 2, 3]),
            helper.make_node("Add", ["y", "xm"], ["z"]),
        ]
        out = "z"
    slope = _weights("slope", slope_shape, -1.6, 1.4)
    inits = [_weights("w0", (8, 3, 3, 3)), _weights("b0", (8,)), slope, _weights("w1", (4, 8, 1, 1))]
    graph = helper.make_graph(
        nodes,
        "conv_prelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 4, 16, 16])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def run(model: Any, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, {"x": x})[0])


def test_prelu_as_depthwise_convs_is_the_same_function(convert: ModuleType) -> None:
    model = conv_prelu((1, 8, 1, 1))  # slopes in -1.6..1.4: max(x, s * x) would not be PRelu
    x = GEN.uniform(-1, 1, (1, 3, 16, 16)).astype(np.float32)
    before = run(model, x)
    assert convert.rewrite_prelu(model) == {"conv": 1, "min": 0}
    ops = [n.op_type for n in model.graph.node]
    assert "PRelu" not in ops and ops.count("Conv") == 4
    assert "slope" not in {i.name for i in model.graph.initializer}  # replaced by the depthwise weights
    np.testing.assert_allclose(run(model, x), before, rtol=0, atol=1e-5)


def test_other_slopes_fall_back_to_relu_plus_min(convert: ModuleType) -> None:
    model = conv_prelu((8, 16, 16))  # one slope per element (Keras' default PReLU): not a depthwise weight
    x = GEN.uniform(-1, 1, (1, 3, 16, 16)).astype(np.float32)
    before = run(model, x)
    assert convert.rewrite_prelu(model) == {"conv": 0, "min": 1}
    assert "PRelu" not in [n.op_type for n in model.graph.node]
    np.testing.assert_allclose(run(model, x), before, rtol=0, atol=1e-5)


def test_gray_fold_equals_the_rgb_graph_fed_the_broadcast_gray(convert: ModuleType) -> None:
    model = conv_prelu((1, 8, 1, 1))
    gray = GEN.uniform(-1, 1, (1, 1, 16, 16)).astype(np.float32)  # [-1, 1] like BlazeFace: 2g - 1 per channel
    rgb = np.repeat(gray, 3, axis=1)
    before = run(model, rgb)
    convert.rewrite_prelu(model)
    assert convert.fold_gray_input(model)
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 1, 16, 16]
    assert "w0" not in {i.name for i in model.graph.initializer}
    np.testing.assert_allclose(run(model, gray), before, rtol=0, atol=1e-5)


def test_gray_fold_leaves_a_graph_whose_input_has_other_readers(convert: ModuleType) -> None:
    model = conv_prelu((1, 8, 1, 1), input_readers=2)
    assert not convert.fold_gray_input(model)
    assert model.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 3
    assert "w0" in {i.name for i in model.graph.initializer}


def test_input_channels_of_gray_rgb_and_dynamic_inputs() -> None:
    assert input_channels(TensorSpec("x", (1, 1, 128, 128), "float32")) == 1
    assert input_channels(TensorSpec("x", (None, 3, 128, 128), "float32")) == 3
    assert input_channels(TensorSpec("x", (1, None, 128, 128), "float32")) == 3
    with pytest.raises(ModelError, match="1 or 3 channels"):
        input_channels(TensorSpec("x", (1, 4, 128, 128), "float32"))


def test_letterbox_fills_one_plane_for_a_gray_model() -> None:
    gray = GEN.integers(0, 256, (360, 640), dtype=np.uint8)
    one, *geometry = letterbox(gray, channels=1)
    three, *geometry3 = letterbox(gray)
    assert one.shape == (1, 1, 128, 128) and geometry == geometry3
    np.testing.assert_array_equal(one[0, 0], three[0, 2])


def rgb_twin(name: str, folder: Path) -> Path:
    """The committed gray-input model with its first Conv spread back over 3 identical input channels."""
    model = onnx.load(str(resolve_model(f"models/{name}")))
    graph = model.graph
    conv = next(n for n in graph.node if graph.input[0].name in n.input)
    init = next(i for i in graph.initializer if i.name == conv.input[1])
    weight = numpy_helper.to_array(init)
    assert weight.shape[1] == 1, "the committed face models take one gray plane"
    init.CopyFrom(numpy_helper.from_array(np.repeat(weight / 3, 3, axis=1).astype(np.float32), init.name))
    graph.input[0].type.tensor_type.shape.dim[1].dim_value = 3
    path = folder / name
    onnx.save(model, str(path))
    return path


def test_gray_models_match_their_rgb_twins_on_a_real_face(
    tmp_path: Path, frames_of: Callable[..., list[np.ndarray]]
) -> None:
    gray = frames_of("single_face.mp4", 1)[0]
    detect = BlazeFaceDetector(load_backend("onnxruntime", resolve_model("models/face_detector.onnx"))).detect
    detect3 = BlazeFaceDetector(load_backend("onnxruntime", rgb_twin("face_detector.onnx", tmp_path))).detect
    (face,), (face3,) = detect(gray), detect3(gray)
    assert face.box == pytest.approx(face3.box, abs=1e-3)
    np.testing.assert_allclose(face.keypoints, face3.keypoints, rtol=0, atol=1e-3)
    mesh = FaceMesh(load_backend("onnxruntime", resolve_model("models/face_landmarks.onnx")))
    mesh3 = FaceMesh(load_backend("onnxruntime", rgb_twin("face_landmarks.onnx", tmp_path)))
    (points, presence), (points3, presence3) = (
        mesh.landmarks(gray, roi_from_detection(face)),
        mesh3.landmarks(gray, roi_from_detection(face)),
    )
    # measured on the 544 frames of both clips: at most 1.2e-4 px (keypoints 1.8e-4 px) from the RGB twins
    np.testing.assert_allclose(points, points3, rtol=0, atol=1e-3)
    assert presence == pytest.approx(presence3, abs=1e-5)
