"""DisMotionAnalyzer on synthetic aligned crops with known motion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.config import GlimpseConfig
from edge.face.base import FaceObservation, Quality
from edge.motion.config import MotionConfig
from edge.motion.dis import DisMotionAnalyzer
from edge.motion.registry import build_motion
from edge.motion.rois import canonical_boxes

PERIOD_NS = 5_000_000  # 200 fps


def _texture(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 255, (160, 160), dtype=np.uint8), (0, 0), 2.0)


def _crop(base: np.ndarray, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    moved = cv2.warpAffine(base, np.float32([[1, 0, dx], [0, 1, dy]]), (160, 160), borderMode=cv2.BORDER_REFLECT)
    return np.ascontiguousarray(moved[16:144, 16:144])


def _face(i: int, crop: np.ndarray, track: int = 1) -> FaceObservation:
    return FaceObservation(i, i * PERIOD_NS, True, track_id=track, aligned=crop)


def _local(base: np.ndarray, box: tuple[int, int, int, int], shift: float) -> np.ndarray:
    """A crop where only ``box`` moved ``shift`` px to the right."""
    crop = _crop(base).copy()
    x0, y0, x1, y1 = box
    moved = _crop(base, dx=shift)
    crop[y0:y1, x0:x1] = moved[y0:y1, x0:x1]
    return crop


def test_needs_k_of_history_then_still_face_is_quiet() -> None:
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50))
    base = _crop(_texture())
    samples = [motion.process(_face(i, base)) for i in range(20)]
    assert not any(s.valid for s in samples[:10])  # 0..45 ms: no frame 50 ms old yet
    assert all(s.valid for s in samples[10:])
    assert max(samples[-1].roi_px.values()) < 0.05


def test_head_translation_is_removed_and_reported() -> None:
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50))
    tex = _texture()
    for i in range(11):
        sample = motion.process(_face(i, _crop(tex, dx=0.3 * i)))  # steady pan, 3 px per 50 ms
    assert sample.valid
    assert 2.0 < sample.head_motion_px < 4.0
    assert max(sample.roi_px.values()) < 0.6


def test_local_mouth_motion_shows_in_mouth_roi_only() -> None:
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50))
    tex = _texture()
    box = canonical_boxes(128)["mouth_left"]
    for i in range(10):
        motion.process(_face(i, _crop(tex)))
    sample = motion.process(_face(10, _local(tex, box, 2.0)))
    assert max(sample.roi_px, key=sample.roi_px.__getitem__) == "mouth_left"
    assert sample.roi_px["mouth_left"] > 5 * sample.roi_px["brow_right"]
    assert "eye_left" not in sample.roi_px and "nose_bridge" not in sample.roi_px


def test_vertical_eye_motion_is_flagged_as_blink_and_masked() -> None:
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50, keep_flow=True, blink_flow_px=1.0))
    tex = _texture()
    boxes = canonical_boxes(128)
    for i in range(10):
        motion.process(_face(i, _crop(tex)))
    crop = _crop(tex).copy()
    moved = _crop(tex, dy=4.0)
    for name in ("eye_left", "eye_right"):
        x0, y0, x1, y1 = boxes[name]
        crop[y0:y1, x0:x1] = moved[y0:y1, x0:x1]
    sample = motion.process(_face(10, crop))
    assert Quality.BLINK in sample.quality
    assert sample.flow is not None
    x0, y0, x1, y1 = boxes["eye_left"]
    assert float(np.abs(sample.flow.v[y0:y1, x0:x1]).max()) == 0.0
    assert sample.flow.strain.shape == (128, 128)


def test_lost_face_and_new_track_reset_history() -> None:
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50))
    base = _crop(_texture())
    for i in range(12):
        motion.process(_face(i, base))
    lost = FaceObservation(12, 12 * PERIOD_NS, False, quality=frozenset({Quality.LOST}))
    assert not motion.process(lost).valid
    assert not motion.process(_face(13, base)).valid
    assert not motion.process(_face(14, base, track=2)).valid


def test_gap_longer_than_tolerance_invalidates() -> None:
    motion = DisMotionAnalyzer(MotionConfig(k_ms=50, k_tolerance=0.5))
    base = _crop(_texture())
    motion.process(_face(0, base))
    assert not motion.process(_face(40, base)).valid  # 200 ms later: reference too old
    assert motion.process(_face(50, base)).valid  # 50 ms after frame 40


def test_factory_turns_flow_on_for_learned_spotter() -> None:
    config = GlimpseConfig.model_validate({"spotting": {"type": "learned"}})
    with build_motion(config) as motion:  # type: ignore[attr-defined]
        assert motion._config.keep_flow


def test_region_boxes_and_means_match_the_per_region_definition() -> None:
    """The vectorised boxes and integral-image means equal the plain per-region computation on a real table."""
    from edge.motion.rois import LandmarkBoxes, box_means, load_landmark_table

    table = load_landmark_table()
    assert table is not None
    rng = np.random.default_rng(3)
    landmarks = rng.uniform(-10, 138, (468, 2)).astype(np.float32)  # some regions spill over the crop edges
    boxes = LandmarkBoxes(table, 128)
    got = boxes.boxes(landmarks)
    image = rng.normal(0, 1, (128, 128)).astype(np.float32)
    means = box_means(image, boxes.array(landmarks))
    for i, name in enumerate(boxes.names):
        pts = landmarks[list(table[name])]
        x0, y0 = np.floor(pts.min(axis=0) - 0.03 * 128).astype(int)
        x1, y1 = np.ceil(pts.max(axis=0) + 0.03 * 128).astype(int)
        x0, y0 = min(max(int(x0), 0), 127), min(max(int(y0), 0), 127)
        x1, y1 = max(min(max(int(x1), 0), 128), x0 + 1), max(min(max(int(y1), 0), 128), y0 + 1)
        assert got[name] == (x0, y0, x1, y1)
        assert means[i] == pytest.approx(float(image[y0:y1, x0:x1].mean()), abs=1e-5)


def test_a_region_wholly_outside_the_crop_keeps_one_edge_pixel() -> None:
    from edge.motion.rois import LandmarkBoxes

    landmarks = np.full((468, 2), 64.0, np.float32)
    landmarks[[18, 200, 199, 175, 152]] = 400.0  # part of the chin region far below the crop
    table = {"chin": (18, 200, 199, 175, 152)}
    x0, y0, x1, y1 = LandmarkBoxes(table, 128).boxes(landmarks)["chin"]
    assert (y0, y1) == (127, 128) and 0 <= x0 < x1 <= 128
