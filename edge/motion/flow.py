"""Optical flow and optical strain of aligned face crops (OpenCV DIS).

Flow is u right-positive and v down-positive in crop pixels (OpenCV's
convention, and the datasets'). Optical strain is the magnitude of the
infinitesimal strain tensor: sqrt(ux^2 + vy^2 + 0.5 (uy + vx)^2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
GrayImage = npt.NDArray[np.uint8]

PRESETS = ("ultrafast", "fast", "medium")


def create_dis(preset: str) -> Any:
    """An OpenCV DIS optical-flow object for ``preset`` (ultrafast, fast or medium)."""
    import cv2

    codes = {
        "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
        "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
        "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
    }
    if preset not in codes:
        raise ValueError(f"unknown DIS preset {preset!r}; expected one of {sorted(codes)}")
    return cv2.DISOpticalFlow_create(codes[preset])  # type: ignore[attr-defined]


def dense_flow(dis: Any, prev: GrayImage, curr: GrayImage) -> tuple[FloatArray, FloatArray]:
    """Flow from ``prev`` to ``curr``: (u, v) float32 arrays the size of the crops."""
    flow = dis.calc(prev, curr, None)
    return flow[..., 0], flow[..., 1]


def flow_medians(flow: FloatArray) -> tuple[float, float]:
    """``float(np.median(u))``, ``float(np.median(v))`` of an h x w x 2 flow patch, in one partition.

    The same values as ``np.median`` on each channel (float32 arithmetic, the two middle values averaged for
    an even count), without its overhead.
    """
    pairs = flow.reshape(-1, 2)
    k = pairs.shape[0] // 2
    if pairs.shape[0] % 2:
        middle = np.partition(pairs, k, axis=0)[k]
    else:
        part = np.partition(pairs, (k - 1, k), axis=0)
        middle = (part[k - 1] + part[k]) / np.float32(2.0)
    return float(middle[0]), float(middle[1])


def mean_of(a: FloatArray) -> float:
    """``float(a.mean())`` of a float32 array, without the method's overhead.

    The same sum (NumPy's pairwise ``add.reduce``) divided the same way: the float32 sum over a count in
    float64, rounded back to float32.
    """
    return float(np.float32(float(np.add.reduce(a, axis=None)) / a.size))


def optical_strain(u: FloatArray, v: FloatArray) -> FloatArray:
    """Optical-strain magnitude sqrt(ux^2 + vy^2 + 0.5 (uy + vx)^2) with central differences."""
    uy, ux = np.gradient(u)
    vy, vx = np.gradient(v)
    shear = uy + vx
    strain: FloatArray = np.sqrt(ux * ux + vy * vy + 0.5 * shear * shear).astype(np.float32, copy=False)
    return strain


def farneback_flow(prev: GrayImage, curr: GrayImage) -> tuple[FloatArray, FloatArray]:
    """A slower, smoother flow (Farneback, ~5 ms per 128x128 pair) for once-per-event classification."""
    import cv2

    flow: Any = cv2.calcOpticalFlowFarneback(prev, curr, None, 0.5, 3, 9, 5, 5, 1.1, 0)  # type: ignore[call-overload]
    return flow[..., 0].astype(np.float32), flow[..., 1].astype(np.float32)
