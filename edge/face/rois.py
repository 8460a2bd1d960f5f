"""Facial regions for FACS-style motion pooling, on MediaPipe's 468-point topology.

``left`` and ``right`` are the subject's (the subject's right eye is on the
image's left). Each region is a tuple of landmark indices; its area is the
convex hull of those points in the aligned crop, grown by a margin.

Usage::

    from edge.face.rois import REGIONS, roi_masks
    masks = roi_masks(obs.aligned_landmarks)       # name -> bool mask, 128 x 128
    flow_brow = flow_mag[masks["brow_inner_left"]].mean()
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np
import numpy.typing as npt

from edge.errors import UsageError
from edge.face.base import ALIGNED_SIZE, FloatArray

BoolMask = npt.NDArray[np.bool_]

REGIONS: dict[str, tuple[int, ...]] = {
    # AU1 (inner brow raiser), AU4 (brow lowerer)
    "brow_inner_right": (107, 66, 55, 65, 52, 105),
    "brow_inner_left": (336, 296, 285, 295, 282, 334),
    # AU2 (outer brow raiser)
    "brow_outer_right": (70, 63, 46, 53, 105, 52),
    "brow_outer_left": (300, 293, 276, 283, 334, 282),
    # AU5/6/7 and blinks: eye contour plus the upper-lid crease
    "eye_right": (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7, 247, 30, 29, 27, 28, 56),
    "eye_left": (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249, 467, 260, 259, 257),
    # AU9 (nose wrinkler)
    "nose": (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 48, 278, 129, 358),
    # Rigid reference for head-motion removal: the nose bridge moves with the skull, not the muscles.
    "nose_bridge": (168, 6, 197, 195, 122, 351, 196, 419),
    # AU10/11 (upper-lip raiser, nasolabial deepener)
    "nasolabial_right": (129, 203, 206, 216, 212, 186, 92, 165, 36, 205),
    "nasolabial_left": (358, 423, 426, 436, 432, 410, 322, 391, 266, 425),
    # AU12/14/15/20 (lip corner puller, dimpler, depressor, stretcher)
    "mouth_corner_right": (61, 146, 91, 185, 40, 76, 62, 78, 57, 43),
    "mouth_corner_left": (291, 375, 321, 409, 270, 306, 292, 308, 287, 273),
    # AU10/23/24 upper lip; AU16/23/24/25 lower lip
    "lip_upper": (185, 40, 39, 37, 0, 267, 269, 270, 409, 415, 310, 311, 312, 13, 82, 81, 80, 191),
    "lip_lower": (146, 91, 181, 84, 17, 314, 405, 321, 375, 324, 318, 402, 317, 14, 87, 178, 88, 95),
    # AU17 (chin raiser), AU26 follows the chin too
    "chin": (18, 200, 199, 175, 152, 148, 176, 377, 400, 428, 208, 171, 396, 32, 262),
}

#: Coarse regions in the motion stage's names (``edge.motion.rois``), whose left/right are the IMAGE's
#: (image left = the subject's right). Built from REGIONS so both tables stay one topology.
ROI_LANDMARKS: dict[str, tuple[int, ...]] = {
    "brow_left": REGIONS["brow_inner_right"] + REGIONS["brow_outer_right"],
    "brow_right": REGIONS["brow_inner_left"] + REGIONS["brow_outer_left"],
    "eye_left": REGIONS["eye_right"],
    "eye_right": REGIONS["eye_left"],
    "nose_bridge": REGIONS["nose_bridge"],
    "nose": REGIONS["nose"],
    "mouth_left": REGIONS["mouth_corner_right"] + REGIONS["nasolabial_right"],
    "mouth_right": REGIONS["mouth_corner_left"] + REGIONS["nasolabial_left"],
    "chin": REGIONS["chin"],
}

#: Regions whose motion is dominated by blinks; the motion stage masks or flags them.
BLINK_REGIONS = ("eye_right", "eye_left")


def _select(names: Iterable[str] | None) -> list[str]:
    chosen = list(REGIONS) if names is None else list(names)
    unknown = [n for n in chosen if n not in REGIONS]
    if unknown:
        raise UsageError(f"unknown face region(s) {unknown!r}; expected names from {sorted(REGIONS)}")
    return chosen


def _check(landmarks: FloatArray) -> None:
    if landmarks.ndim != 2 or landmarks.shape[0] != 468 or landmarks.shape[1] < 2:
        raise UsageError(f"aligned landmarks of shape {landmarks.shape!r}; expected (468, 2) or (468, 3)")


def roi_boxes(
    aligned_landmarks: FloatArray, names: Iterable[str] | None = None, margin_px: int = 2, size: int = ALIGNED_SIZE
) -> dict[str, tuple[int, int, int, int]]:
    """Per region, the (x0, y0, x1, y1) box (x1, y1 exclusive) in aligned-crop pixels, clipped to the crop."""
    _check(aligned_landmarks)
    boxes = {}
    for name in _select(names):
        pts = aligned_landmarks[list(REGIONS[name]), :2]
        x0, y0 = np.floor(pts.min(axis=0)).astype(int) - margin_px
        x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + margin_px + 1
        boxes[name] = (max(0, int(x0)), max(0, int(y0)), min(size, int(x1)), min(size, int(y1)))
    return boxes


def roi_masks(
    aligned_landmarks: FloatArray, names: Iterable[str] | None = None, margin_px: int = 2, size: int = ALIGNED_SIZE
) -> dict[str, BoolMask]:
    """Per region, a size x size boolean mask: the convex hull of its landmarks grown by ``margin_px``."""
    _check(aligned_landmarks)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin_px + 1, 2 * margin_px + 1))
    masks = {}
    for name in _select(names):
        pts = np.round(aligned_landmarks[list(REGIONS[name]), :2]).astype(np.int32)
        canvas = np.zeros((size, size), np.uint8)
        cv2.fillConvexPoly(canvas, cv2.convexHull(pts), 1)
        if margin_px > 0:
            canvas = np.asarray(cv2.dilate(canvas, kernel), dtype=np.uint8)
        masks[name] = canvas.astype(bool)
    return masks
