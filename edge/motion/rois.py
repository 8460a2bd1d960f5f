"""Facial regions of interest on the aligned crop.

Regions come from landmarks when the face stage provides
``aligned_landmarks`` and a region -> landmark-index table, else from fixed
boxes in canonical crop coordinates (fractions of the crop side). The boxes
assume the datasets' framing (DESIGN section 9: brow top at y ~ 0.1, chin at
y ~ 1.0, cheeks just outside the crop), which the aligners reproduce.
Names say image left/right (the subject's right is image left).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

#: Region used to estimate head motion; not a feature.
REFERENCE_ROI = "nose_bridge"
#: Regions that blinks disturb.
EYE_ROIS = ("eye_left", "eye_right")
BROW_ROIS = ("brow_left", "brow_right")

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in crop pixels

#: Fallback boxes (x0, y0, x1, y1) as fractions of the crop side.
CANONICAL_BOXES: dict[str, tuple[float, float, float, float]] = {
    "brow_left": (0.10, 0.06, 0.45, 0.24),
    "brow_right": (0.55, 0.06, 0.90, 0.24),
    "eye_left": (0.12, 0.24, 0.44, 0.40),
    "eye_right": (0.56, 0.24, 0.88, 0.40),
    REFERENCE_ROI: (0.45, 0.38, 0.55, 0.52),
    "nose": (0.34, 0.50, 0.66, 0.68),
    "mouth_left": (0.16, 0.66, 0.46, 0.88),
    "mouth_right": (0.54, 0.66, 0.84, 0.88),
    "chin": (0.34, 0.88, 0.66, 1.00),
}


def canonical_boxes(size: int) -> dict[str, Box]:
    """The fallback boxes in pixels of a ``size`` x ``size`` crop."""
    return {name: _to_px(frac, size) for name, frac in CANONICAL_BOXES.items()}


def _to_px(frac: tuple[float, float, float, float], size: int) -> Box:
    x0, y0, x1, y1 = (round(f * size) for f in frac)
    return _clip((x0, y0, x1, y1), size)


def _clip(box: Box, size: int) -> Box:
    """Inside the crop and at least one pixel (a region wholly outside keeps the edge row or column)."""
    x0, y0, x1, y1 = (min(max(c, 0), size) for c in box)
    x0, y0 = min(x0, size - 1), min(y0, size - 1)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


class LandmarkBoxes:
    """Boxes around each region's landmarks (aligned-crop px), padded by ``pad_frac`` of the crop side; regions
    the table does not give keep the fallback box. For one table and crop size, in a handful of array
    operations per frame.

    Usage::

        regions = LandmarkBoxes(table, 128)
        names, boxes = regions.names, regions.array(face.aligned_landmarks)   # boxes: n x 4 int (x0, y0, x1, y1)
    """

    def __init__(self, table: Mapping[str, Sequence[int]], size: int, pad_frac: float = 0.03) -> None:
        fallback = canonical_boxes(size)
        used = [name for name, indices in table.items() if name in fallback and indices]
        self.names: tuple[str, ...] = tuple(fallback)
        self.size = size
        self._pad = pad_frac * size
        self._fallback = np.array([fallback[n] for n in self.names], np.int64)
        self._rows = np.array([self.names.index(n) for n in used], np.intp)
        self._index = np.concatenate([np.asarray(table[n], np.intp) for n in used]) if used else np.zeros(0, np.intp)
        self._starts = np.cumsum([0] + [len(table[n]) for n in used[:-1]]).astype(np.intp)

    def array(self, landmarks: npt.NDArray[np.float32] | None) -> npt.NDArray[np.int64]:
        """Every region's (x0, y0, x1, y1) in :attr:`names` order, clipped like :func:`canonical_boxes`.

        Without landmarks, the fallback boxes.
        """
        out = self._fallback.copy()
        if landmarks is not None and self._rows.size:
            pts = landmarks[self._index, :2]
            low = np.floor(np.minimum.reduceat(pts, self._starts, axis=0) - self._pad)
            high = np.ceil(np.maximum.reduceat(pts, self._starts, axis=0) + self._pad)
            # _clip on whole columns, in place on the integer-valued floats (the same numbers as clipping ints).
            np.maximum(low, 0, out=low)
            np.minimum(low, self.size - 1, out=low)
            np.minimum(high, self.size, out=high)
            np.maximum(high, low + 1, out=high)
            out[self._rows, :2] = low
            out[self._rows, 2:] = high
        return out

    def boxes(self, landmarks: npt.NDArray[np.float32]) -> dict[str, Box]:
        """The same boxes as a name -> box dict."""
        rows = self.array(landmarks).tolist()
        return {name: (row[0], row[1], row[2], row[3]) for name, row in zip(self.names, rows, strict=True)}


def box_means(image: npt.NDArray[np.float32], boxes: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Mean of ``image`` over each (x0, y0, x1, y1) box: one integral image, one lookup for all boxes."""
    import cv2

    integral = np.asarray(cv2.integral(image, sdepth=cv2.CV_64F), dtype=np.float64)
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    total = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
    means: npt.NDArray[np.float64] = total / ((x1 - x0) * (y1 - y0))
    return means


def load_landmark_table() -> dict[str, tuple[int, ...]] | None:
    """The face stage's region -> landmark-index table (``edge.face.rois``), or None while it is absent.

    Only regions that this module knows are kept, so a table with more or
    differently named regions still works.
    """
    try:
        from edge.face import rois
    except ImportError:
        return None
    for attr in ("ROI_LANDMARKS", "FACS_ROIS", "ROIS", "REGIONS"):
        table = getattr(rois, attr, None)
        if isinstance(table, Mapping):
            known = {str(k): tuple(int(i) for i in v) for k, v in table.items() if str(k) in CANONICAL_BOXES}
            return known or None
    return None
