"""The face pipeline on the real shared clips: found rate, one stable track, framing and steadiness."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from edge.capture.base import Frame
from edge.config import GlimpseConfig
from edge.face.base import FaceObservation
from edge.face.tracker import MediaPipeTracker

pytestmark = pytest.mark.integration

CLIPS = Path(os.environ.get("GLIMPSE_CLIPS", Path(__file__).resolve().parents[2].parent / "shared" / "clips"))


def _run(name: str) -> tuple[list[FaceObservation], MediaPipeTracker]:
    import cv2

    path = CLIPS / name
    if not path.is_file():
        pytest.skip(f"real clip {str(path)!r} absent (set GLIMPSE_CLIPS to the folder holding it)")
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    obs = []
    with MediaPipeTracker.from_config(GlimpseConfig()) as tracker:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            obs.append(tracker.process(Frame(len(obs), int(len(obs) * 1e9 / fps), gray, name)))
    cap.release()
    return obs, tracker


@pytest.mark.parametrize("name", ["single_face.mp4", "WolfgangLanger_Pexels.mp4"])
def test_every_frame_has_the_face_in_one_track(name: str) -> None:
    obs, tracker = _run(name)
    assert len(obs) > 50
    assert sum(o.found for o in obs) / len(obs) >= 0.98
    assert len({o.track_id for o in obs if o.found}) == 1
    assert tracker.keyframes < 0.6 * len(obs)  # keyframing saves landmark runs


def test_frontal_face_lands_at_the_datasets_framing() -> None:
    obs, _ = _run("single_face.mp4")
    lm = np.array([o.aligned_landmarks for o in obs if o.aligned_landmarks is not None]) / 128
    cheeks = np.median(lm[:, [234, 454], 0], axis=0)
    chin = float(np.median(lm[:, 152, 1]))
    brow_top = float(np.median(lm[:, [70, 63, 105, 66, 107, 336, 296, 334, 293, 300], 1].min(axis=1)))
    assert cheeks == pytest.approx([-0.10, 1.07], abs=0.04)
    assert (brow_top, chin) == pytest.approx((0.095, 1.03), abs=0.04)


def test_aligned_crop_is_steady_between_frames() -> None:
    obs, _ = _run("single_face.mp4")
    grid = np.stack(np.meshgrid(np.linspace(16, 112, 7), np.linspace(16, 112, 7)), -1).reshape(-1, 2)
    moves = []
    for a, b in itertools.pairwise(obs):
        assert a.transform is not None and b.transform is not None
        inv = np.linalg.inv(np.vstack([a.transform, [0, 0, 1]]))[:2]
        frame_pts = grid @ inv[:, :2].T + inv[:, 2]
        moved = frame_pts @ b.transform[:, :2].T + b.transform[:, 2]
        moves.append(float(np.sqrt(np.mean(np.sum((moved - grid) ** 2, axis=1)))))
    # a talking head, frame to frame: the crop moves well under a pixel for most frames
    assert float(np.median(moves)) < 0.5
