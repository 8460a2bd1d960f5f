"""File sources: decoding, paced timestamps, declared fps, unreadable input."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture import open_source
from edge.capture.base import DropCounter
from edge.errors import SourceError, UnknownBackend, UsageError


def write_video(path: Path, n: int = 12, fps: float = 25.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (64, 48))
    assert writer.isOpened()
    for i in range(n):
        writer.write(np.full((48, 64, 3), 20 * i % 255, np.uint8))
    writer.release()
    return path


def test_reads_every_frame_as_gray_with_paced_timestamps(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi")
    with open_source(f"file:{video}?realtime=false") as src:
        frames = []
        while (frame := src.read()) is not None:
            frames.append(frame)
    assert len(frames) == 12
    assert frames[0].gray.shape == (48, 64) and frames[0].gray.dtype == np.uint8
    assert abs(int(frames[5].gray.mean()) - 100) <= 3
    steps = {b.t_ns - a.t_ns for a, b in itertools.pairwise(frames)}
    assert steps == {40_000_000}
    assert src.dropped_frames == 0


def test_declared_fps_sets_timestamps(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi")
    with open_source(f"file:{video}?fps=200&realtime=false") as src:
        a, b = src.read(), src.read()
    assert a is not None and b is not None and b.t_ns - a.t_ns == 5_000_000


def test_realtime_pacing_follows_the_clock(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", n=6, fps=50.0)
    with open_source(f"file:{video}") as src:
        t0 = time.monotonic()
        while src.read() is not None:
            pass
    assert time.monotonic() - t0 >= 0.09  # 5 periods of 20 ms at least


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        open_source(f"file:{tmp_path / 'missing.mp4'}").open()
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(SourceError, match=r"junk\.mp4"):
        src = open_source(f"file:{junk}")
        src.open()
        src.read()
    with pytest.raises(UnknownBackend, match="expected one of"):
        open_source("rtsp://camera")
    with pytest.raises(UsageError, match="no scheme"):
        open_source("clip.mp4")
    for fps in ("fast", "nan", "inf", "0", "-5", "1e-300", "100000"):
        with pytest.raises(UsageError, match=f"fps={fps!r}; expected a number from 1 to 1000"):
            open_source(f"file:{junk}?fps={fps}")
    for folder_like in (tmp_path, tmp_path / "still.png"):
        if folder_like.suffix:
            folder_like.write_bytes(b"\x89PNG")
        with pytest.raises(SourceError, match=r"is not a regular file|still image cannot show a micro-expression"):
            open_source(f"file:{folder_like}").open()


def test_drop_counter_learns_the_period() -> None:
    counter = DropCounter()
    t = 0
    for i in range(20):
        t += 5_000_000 if i != 10 else 20_000_000  # one gap of 4 periods
        counter.observe(t)
    assert counter.dropped == 3
    assert counter.period_ns == 5_000_000


@pytest.mark.parametrize(
    ("uri", "label"),
    [
        ("file:/home/alice/interviews/bob%20smith/clip.mp4?fps=90&realtime=false", "file:clip.mp4"),
        ("file:clip.mp4", "file:clip.mp4"),
        ("file:///srv/kiosk/door.avi", "file:door.avi"),
        ("picamera2:0?width=640&height=480&fps=90", "picamera2:0"),
        ("v4l2:/dev/video0", "v4l2:/dev/video0"),
        ("synthetic:demo?realtime=true", "synthetic:demo"),
    ],
)
def test_events_name_a_file_source_by_its_file_name_only(uri: str, label: str) -> None:
    from edge.capture.registry import source_label

    assert source_label(uri) == label


def test_a_daemon_on_a_file_puts_only_the_file_name_in_its_events(tmp_path: Path) -> None:
    from edge.config import validate
    from edge.service import build_daemon

    config = validate(
        {"source": {"uri": f"file:{tmp_path}/private/clip.mp4"}, "store": {"path": str(tmp_path / "e.db")}}
    )
    daemon = build_daemon(config)
    try:
        assert daemon.analyzer.factory.source == "file:clip.mp4"
    finally:
        daemon.bus.close()
        daemon.analyzer.stages.close()
