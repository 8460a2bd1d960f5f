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
    x0, y0, x1, y1 = (min(max(c, 0), size) for c in box)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def landmark_boxes(
    landmarks: npt.NDArray[np.float32],
    table: Mapping[str, Sequence[int]],
    size: int,
    pad_frac: float = 0.03,
) -> dict[str, Box]:
    """Boxes around each region's landmarks (aligned-crop px), padded; unknown regions keep the fallback."""
    boxes = canonical_boxes(size)
    pad = pad_frac * size
    for name, indices in table.items():
        if name not in boxes or not indices:
            continue
        pts = landmarks[np.asarray(indices, dtype=np.intp)]
        x0, y0 = np.floor(pts.min(axis=0) - pad).astype(int)
        x1, y1 = np.ceil(pts.max(axis=0) + pad).astype(int)
        boxes[name] = _clip((int(x0), int(y0), int(x1), int(y1)), size)
    return boxes


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
