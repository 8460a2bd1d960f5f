from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from edge.face.blazeface import BlazeFaceDetector, Detection, letterbox, make_anchors, primary_face, weighted_nms
from edge.face.tracker import resolve_model
from edge.inference.registry import load_backend


@pytest.fixture
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector(load_backend("onnxruntime", resolve_model("models/face_detector.onnx")))


def test_anchors_match_the_short_range_layout() -> None:
    anchors = make_anchors()
    assert anchors.shape == (896, 2)
    # stride 8: 16x16 cells x 2 anchors, then stride 16: 8x8 cells x 6 anchors
    assert np.allclose(anchors[0], [0.5 / 16, 0.5 / 16]) and np.allclose(anchors[1], anchors[0])
    assert np.allclose(anchors[512], [0.5 / 8, 0.5 / 8]) and np.allclose(anchors[517], anchors[512])
    assert np.allclose(anchors[-1], [7.5 / 8, 7.5 / 8])


def test_letterbox_pads_the_short_side_and_scales_to_minus_one_one() -> None:
    gray = np.full((360, 640), 255, np.uint8)
    tensor, scale, pad_x, pad_y = letterbox(gray)
    assert tensor.shape == (1, 3, 128, 128)
    assert scale == pytest.approx(0.2) and pad_x == 0 and pad_y == 28
    assert tensor[0, 0, 0, 0] == pytest.approx(-1.0) and tensor[0, 2, 64, 64] == pytest.approx(1.0)


def test_weighted_nms_merges_overlaps_by_score() -> None:
    geo = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    kept = weighted_nms(np.array([0.9, 0.3, 0.8], np.float32), geo)
    assert [round(s, 2) for s, _ in kept] == [0.9, 0.8]
    assert kept[0][1][0] == pytest.approx(0.25)  # (0 * 0.9 + 1 * 0.3) / 1.2


def test_primary_face_prefers_large_and_central() -> None:
    kp = np.zeros((6, 2), np.float32)
    small_centre = Detection(0.9, (300, 220, 40, 40), kp)
    big_edge = Detection(0.9, (0, 0, 120, 120), kp)
    big_centre = Detection(0.8, (260, 180, 120, 120), kp)
    assert primary_face([small_centre, big_edge, big_centre], 640, 480) is big_centre
    assert primary_face([small_centre, big_edge], 640, 480) is big_edge
    assert primary_face([], 640, 480) is None


def test_no_face_in_blank_or_noise(detector: BlazeFaceDetector) -> None:
    rng = np.random.default_rng(1)
    assert detector.detect(np.zeros((480, 640), np.uint8)) == []
    assert detector.detect(rng.integers(0, 256, (480, 640), dtype=np.uint8)) == []


def test_detects_the_real_face_with_eyes_above_mouth(
    detector: BlazeFaceDetector, frames_of: Callable[..., list[np.ndarray]]
) -> None:
    gray = frames_of("single_face.mp4", 1)[0]
    faces = detector.detect(gray)
    assert len(faces) == 1 and faces[0].score > 0.8
    x, y, w, h = faces[0].box
    assert 150 < w < 250 and abs(w - h) < 0.1 * w
    right_eye, left_eye, nose, mouth = faces[0].keypoints[:4]
    assert right_eye[0] < nose[0] < left_eye[0] and right_eye[1] < nose[1] < mouth[1]
    assert x < nose[0] < x + w and y < nose[1] < y + h


def test_model_files_exist_where_the_config_points() -> None:
    assert Path(resolve_model("models/face_detector.onnx")).is_file()
    assert Path(resolve_model("models/face_landmarks.onnx")).is_file()
