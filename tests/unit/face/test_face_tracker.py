from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import get_args

import numpy as np
import pytest

from edge.capture.base import Frame
from edge.config import GlimpseConfig, validate
from edge.errors import ConfigError
from edge.face.base import Quality
from edge.face.blazeface import smallest_face_fraction, tile_origins
from edge.face.config import FaceConfig
from edge.face.registry import TRACKERS, build_tracker
from edge.face.tracker import FOLLOW_MODES, HINT_AFTER_FRAMES, MediaPipeTracker


def _frames(images: list[np.ndarray], fps: float = 30.0) -> list[Frame]:
    return [Frame(i, int(i * 1e9 / fps), g, "test") for i, g in enumerate(images)]


def test_mediapipe_is_the_default_and_builds_from_the_whole_config() -> None:
    config = GlimpseConfig()
    assert config.face.tracker == "mediapipe" and "mediapipe" in TRACKERS
    tracker = build_tracker(config)
    try:
        assert isinstance(tracker, MediaPipeTracker)
    finally:
        tracker.close()
        tracker.close()


def test_config_rejects_unknown_tracker() -> None:
    with pytest.raises(ConfigError, match=r"face\.tracker"):
        validate({"face": {"tracker": "haar"}})


def test_no_face_footage_is_lost_on_every_frame_and_detected_on_a_schedule(tracker: MediaPipeTracker) -> None:
    rng = np.random.default_rng(0)
    images = [np.zeros((480, 640), np.uint8)] * 3 + [rng.integers(0, 256, (480, 640), dtype=np.uint8) for _ in range(3)]
    for frame in _frames(images):
        obs = tracker.process(frame)
        assert not obs.found and not obs.usable and obs.quality == frozenset({Quality.LOST})
    # 30 fps and redetect_interval_ms 40: frames 0, 2 and 4 (0, 67, 133 ms) run the detector
    assert tracker.settings.redetect_interval_ms == 40.0
    assert tracker.detections == 3


def test_keyframes_follow_and_keep_one_track(
    tracker: MediaPipeTracker, frames_of: Callable[..., list[np.ndarray]]
) -> None:
    observations = [tracker.process(f) for f in _frames(frames_of("single_face.mp4", 12))]
    assert all(o.found and o.usable for o in observations)
    assert {o.track_id for o in observations} == {1}
    # 200 ms at 30 fps: a keyframe every 6 frames, flow in between
    assert tracker.detections == 1 and 2 <= tracker.keyframes <= 4
    obs = observations[-1]
    assert obs.aligned is not None and obs.aligned.shape == (128, 128) and obs.aligned.dtype == np.uint8
    assert obs.landmarks is not None and obs.landmarks.shape == (468, 3)
    assert obs.aligned_landmarks is not None and obs.aligned_landmarks.shape == (468, 2)
    assert obs.pose_deg is not None and all(abs(a) < 20 for a in obs.pose_deg)
    assert obs.score > 0.9


def test_face_leaving_gives_lost_then_a_new_track(
    tracker: MediaPipeTracker, frames_of: Callable[..., list[np.ndarray]]
) -> None:
    faces = frames_of("single_face.mp4", 3)
    images = [faces[0], np.zeros_like(faces[0]), faces[1], faces[2]]
    obs = [tracker.process(f) for f in _frames(images)]
    # lost at 33 ms (the detector ran on that frame), skipped at 67 ms (< 40 ms later), found again at 100 ms
    assert [o.found for o in obs] == [True, False, False, True]
    assert obs[0].track_id == 1 and obs[3].track_id == 2
    tracker.reset()
    assert tracker.process(_frames(faces[:1])[0]).track_id == 3


@pytest.mark.parametrize("fps", [24.0, 60.0, 200.0])
def test_a_face_back_in_view_is_found_within_100_ms(
    fps: float, tracker: MediaPipeTracker, frames_of: Callable[..., list[np.ndarray]]
) -> None:
    """Real frames, then 300 ms without a face, then the face again: found within 100 ms, detector on a schedule."""
    faces = frames_of("single_face.mp4", 10)
    gap = round(0.3 * fps)
    images = faces[:5] + [np.zeros_like(faces[0])] * gap + faces[5:] * 10
    obs = [tracker.process(f) for f in _frames(images, fps)]
    assert all(o.found for o in obs[:5]) and not any(o.found for o in obs[5 : 5 + gap])
    back = 5 + gap
    first = next(i for i in range(back, len(obs)) if obs[i].found)
    assert (obs[first].t_ns - obs[back].t_ns) / 1e6 <= 100.0
    detections_in_gap = tracker.detections - 2  # less the first detection and the one that found it again
    assert detections_in_gap <= 300.0 / tracker.settings.redetect_interval_ms + 1


def _shrunk_into(gray: np.ndarray, width: int, scale: float) -> np.ndarray:
    """``gray`` shrunk by ``scale`` into the corner of a flat frame ``width`` px wide (a wide shot)."""
    import cv2

    h, w = gray.shape
    small = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.full((width * h // w, width), 110, np.uint8)
    canvas[: small.shape[0], : small.shape[1]] = small
    return canvas


def test_faces_narrower_than_an_eighth_of_the_frame_are_not_found_and_that_is_logged_once(
    tracker: MediaPipeTracker, frames_of: Callable[..., list[np.ndarray]], caplog: pytest.LogCaptureFixture
) -> None:
    """The detector sees the frame at 128 px (docs/face.md): the single_face face (171 px of 640) is found at
    half size in a 640 px frame (1/7.5 of the width) but not at 45 % in a 1280 px frame (1/16.6)."""
    gray = frames_of("single_face.mp4", 1)[0]
    wide = _shrunk_into(gray, 1280, 0.45)
    observations = [tracker.process(f) for f in _frames([wide] * (HINT_AFTER_FRAMES + 5))]
    assert not any(o.found for o in observations)
    hints = [r for r in caplog.records if "narrower than about 1/8 of" in r.getMessage()]
    assert len(hints) == 1 and "160 px here" in hints[0].getMessage()
    assert tracker.process(_frames([_shrunk_into(gray, 640, 0.5)])[0]).found


def test_no_hint_once_a_face_was_seen(
    tracker: MediaPipeTracker, frames_of: Callable[..., list[np.ndarray]], caplog: pytest.LogCaptureFixture
) -> None:
    gray = frames_of("single_face.mp4", 1)[0]
    assert tracker.process(_frames([gray])[0]).found
    for frame in _frames([np.zeros_like(gray)] * (HINT_AFTER_FRAMES + 2)):
        tracker.process(frame)
    assert not [r for r in caplog.records if "narrower than about 1/8" in r.getMessage()]


def test_tiled_pass_finds_a_face_the_whole_frame_pass_misses(frames_of: Callable[..., list[np.ndarray]]) -> None:
    """face.detect_tiles=3 on a 1280 px wide shot: the single_face face at 85 px (1/15 of the width) is found
    and its box lands on the face in frame pixels; a flat frame still gives nothing."""
    gray = frames_of("single_face.mp4", 1)[0]
    wide = _shrunk_into(gray, 1280, 0.5)
    with MediaPipeTracker.from_config(GlimpseConfig()) as whole:
        assert not whole.process(_frames([wide])[0]).found
    with MediaPipeTracker.from_config(validate({"face": {"detect_tiles": 3}})) as tiled:
        obs = tiled.process(_frames([wide])[0])
        assert obs.found and obs.landmarks is not None
        # the face sits at (200, 119) + 171 px in the original 640 px frame: half that here
        cx, cy = obs.landmarks[:, 0].mean(), obs.landmarks[:, 1].mean()
        assert 100 < cx < 186 and 59 < cy < 145
        assert not tiled.process(_frames([np.full_like(wide, 110)])[0]).found


def test_tiles_cover_the_frame_with_overlap() -> None:
    for length, side in ((1280, 534), (720, 534), (1920, 400), (720, 720), (100, 400)):
        starts = tile_origins(length, side)
        assert starts[0] == 0 and min(starts[-1] + side, length) == length
        steps = [b - a for a, b in itertools.pairwise(starts)]
        assert all(step <= side * 0.75 for step in steps)
    assert smallest_face_fraction(1) == 8 and smallest_face_fraction(3) == 19


def _keyframes_over(images: list[np.ndarray], fps: float, follow: str) -> tuple[int, list[bool]]:
    config = GlimpseConfig()
    face = config.face.model_copy(update={"follow": follow, "keyframe_interval_ms": 100.0})  # the schedule below
    config = config.model_copy(update={"face": face})
    with MediaPipeTracker.from_config(config) as tracker:
        found = [tracker.process(f).found for f in _frames(images, fps)]
        return tracker.keyframes, found


def test_follow_modes_match_the_config_choices() -> None:
    assert set(FOLLOW_MODES) == set(get_args(FaceConfig.model_fields["follow"].annotation))
    assert GlimpseConfig().face.follow == "fast"  # what the spotter defaults were selected with
    fast = FOLLOW_MODES["fast"]
    assert not {61, 291, 152, 199, 172, 397, 50, 280} & set(fast.points)  # no mouth, chin, jaw or cheek point
    with pytest.raises(ConfigError, match=r"face\.follow"):
        validate({"face": {"follow": "sparse"}})


def test_fast_following_keeps_the_schedule_where_mouth_and_jaw_points_break_it(
    frames_of: Callable[..., list[np.ndarray]],
) -> None:
    # WolfgangLanger frames 384-455 (3 s at 24 fps, the speaker talking): the 100 ms schedule alone gives a
    # keyframe every third frame, 24 in all. Following rigid points ('fast'), flow holds between them (at most
    # two forced keyframes); with mouth, chin and jaw points in the fit ('full') the residual breaks it often.
    images = frames_of("WolfgangLanger_Pexels.mp4", 456)[384:]
    assert len(images) == 72
    fast, found = _keyframes_over(images, 24.0, "fast")
    assert all(found)
    assert 24 <= fast <= 26
    full, found = _keyframes_over(images, 24.0, "full")
    assert all(found)
    assert full >= fast + 6


@pytest.mark.parametrize("follow", ["full", "fast"])
@pytest.mark.parametrize("shift", [(2.5, -1.5), (-4.0, 3.0)])
def test_following_moves_landmarks_by_the_true_shift(
    shift: tuple[float, float], follow: str, frames_of: Callable[..., list[np.ndarray]]
) -> None:
    # A real frame, then the same frame translated by a known sub-pixel shift: the followed landmarks must
    # move by that shift in frame pixels ('fast' runs LK at half resolution; its displacements are scaled back).
    import cv2

    gray = frames_of("single_face.mp4", 1)[0]
    dx, dy = shift
    moved = cv2.warpAffine(gray, np.array([[1, 0, dx], [0, 1, dy]], np.float32), gray.shape[::-1])
    config = GlimpseConfig()
    config = config.model_copy(update={"face": config.face.model_copy(update={"follow": follow})})
    with MediaPipeTracker.from_config(config) as tracker:
        first = tracker.process(Frame(0, 0, gray, "test"))
        second = tracker.process(Frame(1, 33_000_000, moved, "test"))
        assert tracker.keyframes == 1  # the second frame was followed, not landmarked
    assert first.landmarks is not None and second.landmarks is not None
    delta = second.landmarks[:, :2] - first.landmarks[:, :2]
    assert np.allclose(delta.mean(axis=0), shift, atol=0.15)
    assert float(np.abs(delta - np.array(shift)).max()) < 0.3
