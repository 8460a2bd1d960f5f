from __future__ import annotations

import numpy as np
import pytest

from edge.errors import UsageError
from edge.face.rois import BLINK_REGIONS, REGIONS, ROI_LANDMARKS, roi_boxes, roi_masks


def _grid_landmarks() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(10, 118, (468, 2)).astype(np.float32)


def test_regions_cover_the_facs_areas_with_valid_indices() -> None:
    for name in ("brow_inner_left", "brow_outer_right", "eye_left", "nose", "nasolabial_left", "mouth_corner_right"):
        assert name in REGIONS
    for name in ("lip_upper", "lip_lower", "chin", "nose_bridge"):
        assert name in REGIONS
    assert set(BLINK_REGIONS) <= set(REGIONS)
    for indices in REGIONS.values():
        assert len(indices) >= 3 and all(0 <= i < 468 for i in indices)


def test_masks_are_hulls_of_their_landmarks() -> None:
    lm = _grid_landmarks()
    masks = roi_masks(lm, ["chin"], margin_px=0)
    assert masks["chin"].shape == (128, 128) and masks["chin"].dtype == bool
    for i in REGIONS["chin"]:
        x, y = np.round(lm[i]).astype(int)
        assert masks["chin"][y, x]
    assert 0 < masks["chin"].sum() < 128 * 128


def test_boxes_are_clipped_to_the_crop() -> None:
    lm = _grid_landmarks()
    lm[REGIONS["nose"][0]] = [-20, 200]
    x0, y0, x1, y1 = roi_boxes(lm, ["nose"])["nose"]
    assert (x0, y1) == (0, 128) and x1 > x0 and y1 > y0


def test_unknown_region_and_bad_shape_are_errors() -> None:
    with pytest.raises(UsageError, match="'brows'"):
        roi_masks(_grid_landmarks(), ["brows"])
    with pytest.raises(UsageError, match=r"\(10, 2\)"):
        roi_boxes(np.zeros((10, 2), np.float32))


def test_image_side_table_swaps_the_subjects_sides_on_a_real_face(tracker: object, frames_of: object) -> None:
    from edge.capture.base import Frame

    gray = frames_of("single_face.mp4", 1)[0]  # type: ignore[operator]
    obs = tracker.process(Frame(0, 0, gray, "t"))  # type: ignore[attr-defined]
    lm = obs.aligned_landmarks
    x = {name: float(lm[list(idx), 0].mean()) for name, idx in ROI_LANDMARKS.items()}
    assert x["eye_left"] < 64 < x["eye_right"] and x["brow_left"] < 64 < x["brow_right"]
    assert x["mouth_left"] < 64 < x["mouth_right"]
    assert float(lm[list(REGIONS["eye_right"]), 0].mean()) < 64  # the subject's right eye is on the image left
