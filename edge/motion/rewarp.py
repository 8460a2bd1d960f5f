"""One alignment for both ends of a flow pair: the t - k reference re-warped with the transform of t.

The face stage aligns every frame with its own similarity (smoothed landmarks). A flow between two crops
aligned with two different transforms also measures how the alignment moved between them: a keyframe's
landmark correction, FaceMesh moving its whole mesh when the eyes close (measured on a generated clip's blinks,
docs/benchmarks.md), follower drift. Those jumps reach
every region at once and look like a brief movement. :func:`cut` keeps the part of the frame around the
crop (a copy, a little larger than the crop's footprint); :func:`warp` re-warps it later with the current
frame's transform, so the reference and the current crop share one alignment and the flow between them is
the face's own motion (head translation is then removed by the motion stage's head compensation, as before).

Usage::

    patch = cut(frame_gray, transform, 128)          # at t - k, kept in the motion stage's ring
    ref = warp(patch, transform_now, 128)            # at t: the t - k face seen through t's alignment
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.face.base import FloatArray
from edge.motion.flow import GrayImage

#: Extra frame kept on each side of the crop's footprint, as a share of its size: head motion within the
#: k-ms window moves the next transform's footprint by a few percent at most.
MARGIN_FRAC = 0.15


@dataclass(frozen=True, slots=True)
class Patch:
    """Frame pixels around an aligned crop's footprint; ``x0``, ``y0`` is its top-left corner in the frame."""

    x0: int
    y0: int
    pixels: GrayImage


def cut(gray: GrayImage, transform: FloatArray, size: int, margin_frac: float = MARGIN_FRAC) -> Patch:
    """The part of ``gray`` that ``transform`` (frame -> ``size`` x ``size`` crop) samples, plus a margin."""
    # The crop's corners in the frame, through the 2 x 2 inverse written out (np.linalg.inv costs more than
    # the rest of this function on a 2 x 2).
    (a, b, tx), (c, d, ty) = transform.tolist()
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    xs, ys = [], []
    for cx, cy in ((-tx, -ty), (size - tx, -ty), (-tx, size - ty), (size - tx, size - ty)):
        xs.append(ia * cx + ib * cy)
        ys.append(ic * cx + id_ * cy)
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    pad = margin_frac * max(hi_x - lo_x, hi_y - lo_y) + 2.0
    h, w = gray.shape
    x0, y0 = max(0, int(lo_x - pad)), max(0, int(lo_y - pad))
    x1, y1 = min(w, math.ceil(hi_x + pad) + 1), min(h, math.ceil(hi_y + pad) + 1)
    if x1 <= x0 or y1 <= y0:  # the crop lies wholly outside the frame: keep one pixel (replicated)
        x0, y0 = min(max(x0, 0), w - 1), min(max(y0, 0), h - 1)
        x1, y1 = x0 + 1, y0 + 1
    return Patch(x0, y0, np.ascontiguousarray(gray[y0:y1, x0:x1]))


def warp(patch: Patch, transform: FloatArray, size: int) -> GrayImage:
    """The ``size`` x ``size`` crop that ``transform`` (frame -> crop) gives of the frame ``patch`` was cut from.

    The same as warping the whole frame, to within one grey level, wherever the crop samples inside the patch
    (interpolation and border as the face stage's own warp). OpenCV rounds the shifted transform's sample
    positions differently, so 458 of 1,001 re-warps on two real clips differ from the whole-frame warp, by one
    grey level at most (docs/benchmarks.md, issue 14, third part).
    """
    shifted = transform.astype(np.float64)
    shifted[:, 2] += shifted[:, :2] @ np.array([patch.x0, patch.y0], np.float64)
    return np.asarray(
        cv2.warpAffine(patch.pixels, shifted, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
        dtype=np.uint8,
    )
