from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from edge.face.blazeface import BlazeFaceDetector
from edge.face.facemesh import FaceMesh, Roi, roi_from_detection, roi_from_landmarks
from edge.face.tracker import resolve_model
from edge.inference.registry import load_backend


def test_roi_maps_crop_centre_and_corners() -> None:
    roi = Roi(100.0, 50.0, 96.0, math.pi / 2)
    m = roi.crop_to_frame(192)
    assert m @ np.array([96, 96, 1.0]) == pytest.approx([100, 50])
    # rotated a quarter turn: the crop's +x axis points down the frame
    assert m @ np.array([192, 96, 1.0]) == pytest.approx([100, 98])


def test_roi_from_landmarks_measures_along_the_eye_line() -> None:
    lm = np.zeros((468, 3), np.float32)
    lm[:, :2] = [50, 50]
    lm[33, :2], lm[263, :2] = [40, 40], [60, 60]
    roi = roi_from_landmarks(lm)
    assert roi.angle == pytest.approx(math.pi / 4)
    assert roi.side == pytest.approx(1.5 * math.hypot(20, 20))
    assert (roi.cx, roi.cy) == pytest.approx((50, 50))


def test_landmarks_on_a_real_face_and_presence_on_noise(frames_of: Callable[..., list[np.ndarray]]) -> None:
    gray = frames_of("single_face.mp4", 1)[0]
    det = BlazeFaceDetector(load_backend("onnxruntime", resolve_model("models/face_detector.onnx"))).detect(gray)[0]
    mesh = FaceMesh(load_backend("onnxruntime", resolve_model("models/face_landmarks.onnx")))
    lm, presence = mesh.landmarks(gray, roi_from_detection(det))
    assert presence > 0.9 and lm.shape == (468, 3)
    # eye corners lie close to the detector's eye keypoints, nose tip near its nose keypoint
    eye_r = (lm[33, :2] + lm[133, :2]) / 2
    eye_l = (lm[362, :2] + lm[263, :2]) / 2
    scale = float(np.linalg.norm(eye_l - eye_r))
    assert np.linalg.norm(eye_r - det.keypoints[0]) < 0.25 * scale
    assert np.linalg.norm(eye_l - det.keypoints[1]) < 0.25 * scale
    assert np.linalg.norm(lm[1, :2] - det.keypoints[2]) < 0.25 * scale
    # a second pass from the landmarks' own crop agrees within a few pixels
    again, _ = mesh.landmarks(gray, roi_from_landmarks(lm))
    assert float(np.abs(again[:, :2] - lm[:, :2]).mean()) < 2.0
    rng = np.random.default_rng(0)
    _, noise_presence = mesh.landmarks(rng.integers(0, 256, gray.shape, dtype=np.uint8), roi_from_detection(det))
    assert noise_presence < 0.5
