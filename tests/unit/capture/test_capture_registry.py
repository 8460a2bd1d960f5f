"""Source registry: ``live`` comes from the camera schemes, never from a per-class flag."""

from __future__ import annotations

import pytest

from edge.capture.registry import CAMERA_SCHEMES, SOURCES, open_source

TARGETS = {"file": "clip.mp4", "synthetic": "demo", "v4l2": "/dev/video0", "picamera2": "0", "argus": "0"}


def test_every_scheme_has_a_target_here() -> None:
    assert set(TARGETS) == set(SOURCES)
    assert set(SOURCES) >= CAMERA_SCHEMES


@pytest.mark.parametrize("scheme", sorted(SOURCES))
def test_live_is_whether_the_scheme_is_a_camera(scheme: str) -> None:
    source = open_source(f"{scheme}:{TARGETS[scheme]}")  # built, not opened: no device is touched
    assert source.live is (scheme in CAMERA_SCHEMES)
    assert dict(source.stats) == {}
