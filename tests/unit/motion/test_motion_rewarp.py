"""One alignment for both ends of a flow pair (``motion.reference = "current"``, :mod:`edge.motion.rewarp`)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.face.base import FaceObservation
from edge.motion.config import MotionConfig
from edge.motion.dis import DisMotionAnalyzer
from edge.motion.rewarp import cut, warp

PERIOD_NS = 5_000_000  # 200 fps
SIZE = 128


def _frame(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 255, (480, 640), dtype=np.uint8), (0, 0), 2.0)


def _transform(scale: float, angle_deg: float, cx: float, cy: float) -> np.ndarray:
    """Frame -> crop similarity that maps a square of side SIZE / scale centred on (cx, cy) onto the crop."""
    a, b = scale * math.cos(math.radians(angle_deg)), scale * math.sin(math.radians(angle_deg))
    m = np.array([[a, b, 0.0], [-b, a, 0.0]], np.float32)
    m[:, 2] = SIZE / 2 - m[:, :2] @ np.array([cx, cy], np.float32)
    return m


def _observe(i: int, gray: np.ndarray, transform: np.ndarray) -> FaceObservation:
    aligned = np.asarray(
        cv2.warpAffine(gray, transform, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
        dtype=np.uint8,
    )
    return FaceObservation(i, i * PERIOD_NS, True, track_id=1, aligned=aligned, transform=transform, frame=gray)


def test_a_patch_warped_again_equals_the_whole_frame_warped() -> None:
    gray = _frame()
    then = _transform(0.5, 3.0, 320.0, 240.0)
    patch = cut(gray, then, SIZE)
    assert patch.pixels.size < gray.size / 2  # only the crop's surroundings are kept
    for now in (then, _transform(0.505, 3.5, 322.0, 239.0)):  # the same alignment, and a moved one
        whole = cv2.warpAffine(gray, now, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        diff = np.abs(warp(patch, now, SIZE).astype(int) - whole.astype(int))
        assert diff.max() <= 1  # interpolation rounding only


@pytest.mark.parametrize(("reference", "still"), [("current", True), ("own", False)])
def test_an_alignment_jump_on_a_still_face_is_motion_only_with_each_crop_aligned_alone(
    reference: str, still: bool
) -> None:
    """A keyframe moves the alignment by 1.5 % in scale and 2 px while the face holds still."""
    gray = _frame(1)
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50, reference=reference))  # type: ignore[arg-type]
    before, after = _transform(0.5, 0.0, 320.0, 240.0), _transform(0.5075, 0.4, 324.0, 240.0)
    samples = [motion.process(_observe(i, gray, before if i < 15 else after)) for i in range(25)]
    jump = max(max(s.roi_px.values()) for s in samples[15:] if s.valid)
    quiet = max(max(s.roi_px.values()) for s in samples[10:15] if s.valid)
    assert quiet < 0.05
    assert (jump < 0.1) if still else (jump > 0.3)


def test_trackers_without_a_frame_fall_back_to_their_own_crops() -> None:
    gray = _frame(2)
    t = _transform(0.5, 0.0, 320.0, 240.0)
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50, reference="current"))
    for i in range(12):
        obs = _observe(i, gray, t)
        sample = motion.process(FaceObservation(i, obs.t_ns, True, track_id=1, aligned=obs.aligned))
    assert sample.valid and max(sample.roi_px.values()) < 0.05
