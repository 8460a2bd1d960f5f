"""The displacement from rest (``MotionSample.rest_px``): a flow against a slowly updated reference crop."""

from __future__ import annotations

import cv2
import numpy as np

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.face.base import FaceObservation
from edge.motion.baseline import RestDisplacement
from edge.motion.config import MotionConfig
from edge.motion.dis import DisMotionAnalyzer
from edge.motion.rois import canonical_boxes

PERIOD_NS = 33_333_333  # 30 fps
MOUTH = canonical_boxes(128)["mouth_left"]


def _texture(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 255, (160, 160), dtype=np.uint8), (0, 0), 2.0)


def _crop(base: np.ndarray, mouth_dx: float = 0.0) -> np.ndarray:
    """The 128-px crop of ``base`` with the mouth_left region moved ``mouth_dx`` px to the right."""
    crop = np.ascontiguousarray(base[16:144, 16:144]).copy()
    if mouth_dx:
        moved = cv2.warpAffine(base, np.float32([[1, 0, mouth_dx], [0, 1, 0]]), (160, 160))[16:144, 16:144]
        x0, y0, x1, y1 = MOUTH
        crop[y0:y1, x0:x1] = moved[y0:y1, x0:x1]
    return crop


def _face(i: int, crop: np.ndarray | None, track: int = 1) -> FaceObservation:
    return FaceObservation(i, i * PERIOD_NS, crop is not None, track_id=track if crop is not None else -1, aligned=crop)


def _motion() -> DisMotionAnalyzer:
    return DisMotionAnalyzer(MotionConfig(rest_every_ms=100.0, rest_refresh_px=1.0, rest_refresh_ms=500.0))


def test_still_face_has_no_displacement() -> None:
    motion, crop = _motion(), _crop(_texture())
    samples = [motion.process(_face(i, crop)) for i in range(60)]
    valid = [s for s in samples if s.valid]
    assert len(valid) >= 50
    assert all(set(s.rest_px) == set(s.roi_px) for s in valid)  # the same regions as the per-frame flow
    assert max(max(s.rest_px.values()) for s in valid) < 0.05


def test_displacement_grows_with_distance_from_rest_and_holds_while_the_expression_is_held() -> None:
    motion, tex = _motion(), _texture()
    shifts = [0.0] * 30 + [0.5 * k for k in range(1, 9)] + [4.0] * 45 + [0.0] * 30  # rise 4 px, hold 1.5 s, back
    samples = [motion.process(_face(i, _crop(tex, dx))) for i, dx in enumerate(shifts)]
    mouth = [s.rest_px.get("mouth_left", 0.0) for s in samples]  # the first 100 ms have no t - k flow: invalid
    assert max(mouth[:30]) < 0.1  # neutral
    rising = mouth[30:40]
    assert rising[-1] > rising[3] > 0.3  # grows with the displacement (held between the 100 ms updates)
    assert min(mouth[42:83]) > 1.5  # the whole 1.5 s hold reads as far from rest
    assert max(s.roi_px["mouth_left"] for s in samples[50:83]) < 0.1  # where the t - k flow sees a still face
    assert max(mouth[-15:]) < 0.2  # back at rest
    assert max(s.rest_px.get("chin", 0.0) for s in samples) < 0.5 * max(mouth)  # mostly the region that moved


def test_lost_track_starts_over_from_the_new_face() -> None:
    motion, tex = _motion(), _texture()
    for i in range(20):
        motion.process(_face(i, _crop(tex)))
    moved = [motion.process(_face(i, _crop(tex, 3.0))) for i in range(20, 30)]
    assert moved[-1].rest_px["mouth_left"] > 1.0
    lost = motion.process(_face(30, None))
    assert not lost.valid and lost.rest_px == {}
    after = [motion.process(_face(i, _crop(tex, 3.0), track=2)) for i in range(31, 50)]
    assert all(s.rest_px and max(s.rest_px.values()) < 0.1 for s in after if s.valid)  # the new rest: no jump
    assert {s.rest_epoch_ns for s in after if s.valid} == {31 * PERIOD_NS}  # a new epoch from the new face on
    assert moved[-1].rest_epoch_ns == 0


def test_value_is_held_between_updates_and_reference_moves_after_long_near_rest() -> None:
    rest, tex = RestDisplacement(100.0, 1.0, 500.0, 3000.0), _texture()
    boxes = canonical_boxes(128)
    assert max(rest.update(0, _crop(tex), lambda: boxes).values()) == 0.0
    first = rest.update(100_000_000, _crop(tex, 0.6), lambda: boxes)["mouth_left"]
    held = rest.update(150_000_000, _crop(tex, 3.0), lambda: boxes)["mouth_left"]
    assert held == first  # 50 ms after the last flow: the value is held
    # 0.6 px stays under rest_refresh_px: after 500 ms near the reference, the reference moves to it
    values = [rest.update(t * 100_000_000, _crop(tex, 0.6), lambda: boxes)["mouth_left"] for t in range(2, 10)]
    assert values[0] > 0.3 and values[-1] < 0.1
    assert rest.epoch_ns == 0  # a move at rest keeps the epoch: values stay comparable
    rest.update(11_000_000_000, _crop(tex, 3.0), lambda: boxes)  # the reference is 10 s old: it jumps
    assert rest.epoch_ns == 11_000_000_000
