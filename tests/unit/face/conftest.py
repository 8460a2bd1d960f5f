"""Fixtures of the face tests: the default tracker with the committed ONNX models."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from edge.config import GlimpseConfig
from edge.face.tracker import MediaPipeTracker

ROOT = Path(__file__).resolve().parents[3]
CLIPS = Path(os.environ.get("GLIMPSE_CLIPS", ROOT.parent / "shared" / "clips"))


def clip_frames(name: str, count: int, step: int = 1) -> list[np.ndarray]:
    """The first ``count`` frames (every ``step``-th) of a shared clip as gray images; skips when absent."""
    import cv2

    path = CLIPS / name
    if not path.is_file():
        pytest.skip(f"real clip {str(path)!r} absent (set GLIMPSE_CLIPS to the folder holding it)")
    cap = cv2.VideoCapture(str(path))
    frames = []
    index = 0
    while len(frames) < count:
        ok, bgr = cap.read()
        if not ok:
            break
        if index % step == 0:
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        index += 1
    cap.release()
    return frames


@pytest.fixture
def frames_of() -> Callable[..., list[np.ndarray]]:
    """``frames_of(clip_name, count, step=1)``: real gray frames; skips when the clips are absent."""
    return clip_frames


@pytest.fixture
def tracker() -> Iterator[MediaPipeTracker]:
    """The default tracker with the committed models."""
    with MediaPipeTracker.from_config(GlimpseConfig()) as t:
        yield t
