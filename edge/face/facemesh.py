"""FaceMesh (468 landmarks): the rotated crop, the network call and the projection back.

The crop follows MediaPipe's ``face_landmark_front`` graph: from a detection,
a square of 1.5x the box side centred on the box and rotated so that the
eye line (keypoint 0 -> 1) is horizontal; from the previous landmarks, the
same square around their extent, rotated by the outer eye corners 33 -> 263.
The input is 192x192 in [0, 1] (a [-1, 1] input still gives a high presence
score but landmarks off by pixels), one gray plane for the committed model
(its RGB input is folded into the first convolution) or the gray value in all
three channels of an RGB graph. Output: 468 x (x, y, z) in crop pixels and a
face-presence logit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.capture.base import GrayImage
from edge.face.base import FloatArray
from edge.face.blazeface import Detection, input_channels
from edge.inference.base import InferenceBackend

INPUT_SIZE = 192
ROI_SCALE = 1.5
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
NUM_LANDMARKS = 468


@dataclass(frozen=True, slots=True)
class Roi:
    """A rotated square in frame pixels: centre, side and rotation (radians, image y down)."""

    cx: float
    cy: float
    side: float
    angle: float

    def crop_to_frame(self, size: int = INPUT_SIZE) -> FloatArray:
        """The 2x3 affine mapping crop pixels to frame pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        k = self.side / size
        a = np.array([[c * k, -s * k], [s * k, c * k]], np.float32)
        t = np.array([self.cx, self.cy], np.float32) - a @ np.array([size / 2, size / 2], np.float32)
        return np.hstack([a, t[:, None]]).astype(np.float32)


def _angle(start: FloatArray, end: FloatArray) -> float:
    return math.atan2(float(end[1] - start[1]), float(end[0] - start[0]))


def roi_from_detection(det: Detection) -> Roi:
    """The landmark crop for a fresh detection."""
    x, y, w, h = det.box
    return Roi(x + w / 2, y + h / 2, max(w, h) * ROI_SCALE, _angle(det.keypoints[0], det.keypoints[1]))


def roi_from_landmarks(landmarks: FloatArray) -> Roi:
    """The landmark crop that follows the previous landmarks (extent measured along the eye line)."""
    angle = _angle(landmarks[RIGHT_EYE_OUTER], landmarks[LEFT_EYE_OUTER])
    c, s = math.cos(angle), math.sin(angle)
    xy = landmarks[:, :2]
    u = xy[:, 0] * c + xy[:, 1] * s
    v = -xy[:, 0] * s + xy[:, 1] * c
    mu, mv = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    side = max(float(u.max() - u.min()), float(v.max() - v.min())) * ROI_SCALE
    return Roi(float(mu * c - mv * s), float(mu * s + mv * c), side, angle)


class FaceMesh:
    """Runs the converted FaceMesh model on a rotated crop of a gray frame.

    Usage::

        mesh = FaceMesh(load_backend("onnxruntime", Path("models/face_landmarks.onnx")))
        landmarks, presence = mesh.landmarks(frame.gray, roi_from_detection(det))
    """

    def __init__(self, backend: InferenceBackend) -> None:
        self._backend = backend
        self._input = backend.inputs[0].name
        names = [o.name for o in backend.outputs]
        sizes = {o.name: int(np.prod([d or 1 for d in o.shape])) for o in backend.outputs}
        self._points = max(names, key=lambda n: sizes[n])
        self._tensor = np.zeros((1, input_channels(backend.inputs[0]), INPUT_SIZE, INPUT_SIZE), np.float32)
        self._planes = list(self._tensor[0])
        self._flag = min(names, key=lambda n: sizes[n])

    def landmarks(self, gray: GrayImage, roi: Roi) -> tuple[FloatArray, float]:
        """468 x 3 landmarks in frame pixels (z in the same scale) and the face-presence probability."""
        to_frame = roi.crop_to_frame()
        crop = cv2.warpAffine(
            gray,
            to_frame,
            (INPUT_SIZE, INPUT_SIZE),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        # The model was trained on RGB; a gray crop is the same luminance in every channel of one reused buffer
        # (a gray-input model has just the one plane).
        np.multiply(crop, np.float32(1.0 / 255.0), out=self._planes[0])
        for plane in self._planes[1:]:
            plane[:] = self._planes[0]
        out = self._backend.run({self._input: self._tensor})
        pts = out[self._points].reshape(NUM_LANDMARKS, 3).astype(np.float32)
        presence = 1.0 / (1.0 + math.exp(-min(max(float(out[self._flag].reshape(-1)[0]), -100.0), 100.0)))
        frame_pts = np.empty_like(pts)
        frame_pts[:, :2] = pts[:, :2] @ to_frame[:, :2].T + to_frame[:, 2]
        frame_pts[:, 2] = pts[:, 2] * (roi.side / INPUT_SIZE)
        return frame_pts, presence
