from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from edge.capture.base import Frame
from edge.config import GlimpseConfig, validate
from edge.errors import ConfigError
from edge.face.base import Quality
from edge.face.registry import TRACKERS, build_tracker
from edge.face.tracker import MediaPipeTracker


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
    # 100 ms at 30 fps: a keyframe every 3 frames, flow in between
    assert tracker.detections == 1 and 3 <= tracker.keyframes <= 6
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
