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

import numpy as np
import numpy.typing as npt

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
    """Least-squares similarity (a, b, tx, ty) with dst ~ [[a, -b], [b, a]] @ src + t (Umeyama, no reflection).

    In complex numbers z = x + iy this is w ~ c z + t with c = a + ib: c = <z - z_mean, w - w_mean> / |z - z_mean|^2.
    """
    z, w = _complex(src), _complex(dst)
    z_mean, w_mean = z.mean(), w.mean()
    zc = z - z_mean
    c = complex(np.vdot(zc, w - w_mean)) / float(np.vdot(zc, zc).real)
    t = complex(w_mean) - c * complex(z_mean)
    return c.real, c.imag, t.real, t.imag


def _complex(points: FloatArray) -> npt.NDArray[np.complex128]:
    """N x 2 points as N complex numbers x + iy."""
    pairs = np.ascontiguousarray(points[:, :2], dtype=np.float64)
    return pairs.view(np.complex128).reshape(-1)


_ANCHOR_INDEX = np.array(ANCHORS, np.intp)
_ANCHOR_Z = _complex(ANCHOR_REF)
_ANCHOR_MEAN = complex(_ANCHOR_Z.mean())
_ANCHOR_CENTRED = _ANCHOR_Z - _ANCHOR_MEAN
_ANCHOR_NORM = float(np.vdot(_ANCHOR_CENTRED, _ANCHOR_CENTRED).real)


def eye_similarity(landmarks: FloatArray) -> tuple[float, float, float, float]:
    """Similarity (a, b, tx, ty) from eye units to frame pixels fitted on the anchors; all in frame pixels.

    :func:`fit_similarity` with the reference side (fixed) precomputed.
    """
    w = _complex(landmarks[_ANCHOR_INDEX])
    w_mean = complex(w.mean())
    c = complex(np.vdot(_ANCHOR_CENTRED, w - w_mean)) / _ANCHOR_NORM
    t = w_mean - c * _ANCHOR_MEAN
    return c.real, c.imag, t.real, t.imag


def crop_transform(params: tuple[float, float, float, float], size: int = ALIGNED_SIZE) -> FloatArray:
    """Frame -> aligned-crop 2x3 affine from the (smoothed) eye-units -> frame similarity."""
    a, b, tx, ty = params
    scale2 = a * a + b * b
    # inverse similarity (frame -> eye units), then the fixed eye units -> crop scale and offset
    ia, ib = a / scale2, b / scale2
    itx, ity = -(ia * tx + ib * ty), -(-ib * tx + ia * ty)
    sx, sy = STRETCH_X * size, STRETCH_Y * size
    return np.array(
        [[sx * ia, sx * ib, sx * itx + OFFSET_X * size], [-sy * ib, sy * ia, sy * ity + OFFSET_Y * size]],
        dtype=np.float32,
    )


def apply_affine(matrix: FloatArray, points: FloatArray) -> FloatArray:
    """Map N x 2 points (further columns ignored) through a 2x3 affine."""
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
    (x0, y0, z0), (x1, y1, z1), (x2, y2, z2), (x3, y3, z3) = landmarks[_POSE_INDEX].tolist()
    x = (x1 - x0, y1 - y0, z1 - z0)
    nx = max(math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]), 1e-9)
    x = (x[0] / nx, x[1] / nx, x[2] / nx)
    y = (x3 - x2, y3 - y2, z3 - z2)
    along = x[0] * y[0] + x[1] * y[1] + x[2] * y[2]
    y = (y[0] - x[0] * along, y[1] - x[1] * along, y[2] - x[2] * along)
    ny = max(math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]), 1e-9)
    yaw = math.degrees(math.atan2(x[2], x[0]))
    pitch = math.degrees(math.atan2(y[2] / ny, y[1] / ny))
    roll = math.degrees(math.atan2(x[1], x[0]))
    return yaw, pitch, roll


_POSE_INDEX = np.array([234, 454, 10, 152], np.intp)


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
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t_ns = 0

    @staticmethod
    def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray:
        tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, np.float64))
        out: np.ndarray = 1.0 / (1.0 + tau / dt_s)
        return out

    def reset(self) -> None:
        """Forget the history (the next value passes through unchanged)."""
        self._x = None
        self._dx = None

    def __call__(self, value: np.ndarray, t_ns: int) -> np.ndarray:
        value = np.asarray(value, np.float64)
        if self._x is None or self._dx is None or t_ns <= self._t_ns:
            if self._x is None or self._dx is None:
                self._x, self._dx = value.copy(), np.zeros_like(value)
            self._t_ns = max(self._t_ns, t_ns)
            return self._x.copy()
        dt_s = (t_ns - self._t_ns) / 1e9
        self._t_ns = t_ns
        dx = (value - self._x) / dt_s
        self._dx = self._dx + self._alpha(self.d_cutoff_hz, dt_s) * (dx - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(self._dx)
        self._x = self._x + self._alpha(cutoff, dt_s) * (value - self._x)
        return self._x.copy()
