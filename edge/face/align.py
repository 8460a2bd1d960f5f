"""Alignment to the canonical crop, its smoothing, head pose and the eye-openness cue.

The crop transform is a similarity estimated from landmarks that do not move
with facial expressions (eye corners and the nose bridge), which normalises by
the eye distance, followed by a fixed per-axis scale chosen so that a frontal
face lands where the micro-expression datasets put it (DESIGN section 9:
cheek landmarks 234 / 454 at x = -0.10 / 1.07 of the crop width, brow top at
y = 0.095, chin at y = 1.03). A face is narrower than the datasets' crops are
wide, so that fixed scale stretches x by ``STRETCH_X / STRETCH_Y`` ~ 1.35; the
brows and the mouth, which carry the expressions, never drive the transform.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from edge.face.base import ALIGNED_SIZE, FloatArray

#: Landmarks that hold still when the face moves its muscles: eye corners and nose bridge.
ANCHORS = (33, 133, 362, 263, 168, 6, 197, 195)
#: Where a frontal face has those anchors, in eye units (outer eye corners at x = -0.5 / +0.5,
#: y down). Mean over the frontal clip single_face.mp4, made left-right symmetric.
ANCHOR_REF = np.array(
    [
        [-0.5, 0.0],
        [-0.1953, 0.0138],
        [0.1953, 0.0138],
        [0.5, 0.0],
        [0.0, -0.0721],
        [0.0, 0.0234],
        [0.0, 0.1095],
        [0.0, 0.1884],
    ],
    np.float32,
)
#: Eye-unit positions of the framing landmarks on the same mean face (cheeks 234 / 454, brow top, chin 152).
_CHEEK_X = (-0.7472, 0.7472)
_BROW_TOP_Y, _CHIN_Y = -0.3066, 1.3039
#: Crop fractions from DESIGN section 9.
_FRAME_X = (-0.10, 1.07)
_FRAME_Y = (0.095, 1.03)
STRETCH_X = (_FRAME_X[1] - _FRAME_X[0]) / (_CHEEK_X[1] - _CHEEK_X[0])
STRETCH_Y = (_FRAME_Y[1] - _FRAME_Y[0]) / (_CHIN_Y - _BROW_TOP_Y)
OFFSET_X = _FRAME_X[0] - STRETCH_X * _CHEEK_X[0]
OFFSET_Y = _FRAME_Y[0] - STRETCH_Y * _BROW_TOP_Y


def eye_to_crop(size: int = ALIGNED_SIZE) -> FloatArray:
    """The fixed 2x3 affine from eye units to aligned-crop pixels."""
    return np.array(
        [[STRETCH_X * size, 0.0, OFFSET_X * size], [0.0, STRETCH_Y * size, OFFSET_Y * size]], dtype=np.float32
    )


def fit_similarity(src: FloatArray, dst: FloatArray) -> tuple[float, float, float, float]:
    """Least-squares similarity (a, b, tx, ty) with dst ~ [[a, -b], [b, a]] @ src + t (Umeyama, no reflection)."""
    ms, md = _column_mean(src), _column_mean(dst)
    s, d = src - ms, dst - md
    norm = float((s**2).sum())
    a = float((s * d).sum()) / norm
    b = float((s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum()) / norm
    tx = float(md[0] - (a * ms[0] - b * ms[1]))
    ty = float(md[1] - (b * ms[0] + a * ms[1]))
    return a, b, tx, ty


def _column_mean(points: FloatArray) -> FloatArray:
    """``points.mean(axis=0)``, computed the same way (float32 sums over an integer count, rounded back into
    float32) without the method's overhead; called twice per fit, twice per frame."""
    total: FloatArray = np.add.reduce(points, axis=0)
    np.true_divide(total, np.intp(points.shape[0]), out=total, casting="unsafe")
    return total


def eye_similarity(landmarks: FloatArray) -> tuple[float, float, float, float]:
    """Similarity (a, b, tx, ty) from eye units to frame pixels fitted on the anchors; all in frame pixels."""
    return fit_similarity(ANCHOR_REF, landmarks[_ANCHOR_INDEX, :2].astype(np.float32))


def crop_transform(params: tuple[float, float, float, float], size: int = ALIGNED_SIZE) -> FloatArray:
    """Frame -> aligned-crop 2x3 affine from the (smoothed) eye-units -> frame similarity."""
    a, b, tx, ty = params
    scale2 = a * a + b * b
    inv = np.array([[a, b], [-b, a]], np.float64) / scale2
    to_eye = np.hstack([inv, (-inv @ np.array([tx, ty]))[:, None]])
    fixed = eye_to_crop(size).astype(np.float64)
    out: FloatArray = (fixed[:, :2] @ to_eye).astype(np.float32)
    out[:, 2] += fixed[:, 2].astype(np.float32)
    return out


def apply_affine(matrix: FloatArray, points: FloatArray) -> FloatArray:
    """Map N x 2 points through a 2x3 affine."""
    out: FloatArray = (points[:, :2] @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)
    return out


def head_pose_deg(landmarks: FloatArray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from the mesh's own 3D axes; 0, 0, 0 is a frontal, upright face.

    The x axis runs cheek 234 -> 454, the y axis forehead 10 -> chin 152
    (orthogonalised); FaceMesh z is depth in the same pixel scale. Yaw is
    positive when the face turns towards the image's right side... of its z
    axis; signs: yaw = atan2(x.z, x.x), pitch = atan2(y.z, y.y), roll =
    atan2(x.y, x.x) (roll positive = clockwise on screen).
    """
    # differences in float32 as the landmarks are, then scalar float64 math
    (xx, xy, xz), (yx, yy, yz) = (landmarks[_POSE_TO] - landmarks[_POSE_FROM]).tolist()
    x = (xx, xy, xz)
    nx = max(math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]), 1e-9)
    x = (x[0] / nx, x[1] / nx, x[2] / nx)
    y = (yx, yy, yz)
    along = x[0] * y[0] + x[1] * y[1] + x[2] * y[2]
    y = (y[0] - x[0] * along, y[1] - x[1] * along, y[2] - x[2] * along)
    ny = max(math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]), 1e-9)
    yaw = math.degrees(math.atan2(x[2], x[0]))
    pitch = math.degrees(math.atan2(y[2] / ny, y[1] / ny))
    roll = math.degrees(math.atan2(x[1], x[0]))
    return yaw, pitch, roll


_ANCHOR_INDEX = np.array(ANCHORS, np.intp)
_POSE_FROM = np.array([234, 10], np.intp)
_POSE_TO = np.array([454, 152], np.intp)


def eye_openness(landmarks: FloatArray) -> float:
    """Mean eye aspect ratio (lid gap / eye width) of both eyes; ~0.29 open, < ~0.12 closed."""
    pts = landmarks[:, :2]

    def ratio(top: int, bottom: int, c0: int, c1: int) -> float:
        width = float(np.linalg.norm(pts[c0] - pts[c1]))
        return float(np.linalg.norm(pts[top] - pts[bottom])) / max(width, 1e-6)

    return 0.5 * (ratio(159, 145, 33, 133) + ratio(386, 374, 362, 263))


class OneEuroFilter:
    """Casiez et al.'s 1-euro filter (CHI 2012) on a vector: strong smoothing when still, little lag when moving.

    Usage::

        f = OneEuroFilter(min_cutoff_hz=0.5, beta=0.05)
        smooth = f(np.array([x, y]), t_ns)
    """

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float = 1.0) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self._x: list[float] | None = None
        self._dx: list[float] | None = None
        self._t_ns = 0

    @staticmethod
    def _alpha(cutoff_hz: float, dt_s: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff_hz)
        return 1.0 / (1.0 + tau / dt_s)

    def reset(self) -> None:
        """Forget the history (the next value passes through unchanged)."""
        self._x = None
        self._dx = None

    def __call__(self, value: np.ndarray | Sequence[float], t_ns: int) -> np.ndarray:
        # Plain floats: a handful of components, and NumPy's per-call overhead was most of the cost; the same
        # IEEE double operations in the same order give the same numbers.
        v = [float(c) for c in np.asarray(value, np.float64).ravel()]
        if self._x is None or self._dx is None or t_ns <= self._t_ns:
            if self._x is None or self._dx is None:
                self._x, self._dx = v, [0.0] * len(v)
            self._t_ns = max(self._t_ns, t_ns)
            return np.array(self._x, np.float64)
        dt_s = (t_ns - self._t_ns) / 1e9
        self._t_ns = t_ns
        d_alpha = self._alpha(self.d_cutoff_hz, dt_s)
        self._dx = [d + d_alpha * ((c - x) / dt_s - d) for c, x, d in zip(v, self._x, self._dx, strict=True)]
        self._x = [
            x + self._alpha(self.min_cutoff_hz + self.beta * abs(d), dt_s) * (c - x)
            for c, x, d in zip(v, self._x, self._dx, strict=True)
        ]
        return np.array(self._x, np.float64)
