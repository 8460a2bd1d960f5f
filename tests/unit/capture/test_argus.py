"""ArgusSource against a fake cv2.VideoCapture that replays a GStreamer appsink's timing."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from edge.capture.argus import ArgusSource, argus_pipeline
from edge.capture.base import FrameSource
from edge.capture.registry import SourceURI
from edge.capture.resilient import ResilientSource
from edge.errors import SourceError

CAP_PROP_POS_MSEC = 0  # cv2.CAP_PROP_POS_MSEC


def pts_ms(fps: float, count: int, skip: Sequence[int] = ()) -> list[float]:
    """Buffer PTS (ms) of nvarguscamerasrc at ``fps``; ``skip`` are buffers appsink dropped."""
    return [k * 1000.0 / fps for k in range(count) if k not in skip]


class FakeClock:
    """A monotonic clock in ns that only the fake pipeline and the test move."""

    def __init__(self, start_ns: int = 1_000_000_000) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns


class FakeVideoCapture:
    """cv2.VideoCapture on a GRAY8 appsink with sync=false: read() -> (ok, HxW or HxWx1 uint8).

    A buffer reaches the appsink ``latency_ms`` after its PTS and read() returns it then
    (or at once if it is already queued). With ``clock`` the time is simulated (no
    sleeping); without, it replays in real time. ``get(CAP_PROP_POS_MSEC)`` answers as
    OpenCV's GStreamer backend does, with a position query: the pipeline clock *now*,
    not the PTS of the buffer just read.
    """

    def __init__(
        self,
        pipeline: str,
        pts: Sequence[float],
        *,
        opened: bool = True,
        shape: tuple[int, ...] = (720, 1280),
        clock: FakeClock | None = None,
        latency_ms: float = 30.0,
    ) -> None:
        self.pipeline = pipeline
        self._pts = list(pts)
        self._opened = opened
        self._shape = shape
        self._clock = clock
        self._latency_ms = latency_ms
        self._n = -1
        self._t0_ns = clock() if clock else time.monotonic_ns()
        self.released = 0

    def isOpened(self) -> bool:  # OpenCV spells it so
        return self._opened and not self.released

    def read(self) -> tuple[bool, npt.NDArray[np.uint8] | None]:
        if self.released or self._n + 1 >= len(self._pts):
            return False, None  # EOS or error on the pipeline: OpenCV returns (False, None)
        self._n += 1
        arrival_ns = self._t0_ns + round((self._pts[self._n] + self._latency_ms) * 1e6)
        if self._clock is not None:
            self._clock.now_ns = max(self._clock.now_ns, arrival_ns)
        else:
            time.sleep(max(0.0, (arrival_ns - time.monotonic_ns()) / 1e9))
        return True, np.full(self._shape, self._n % 250, dtype=np.uint8)

    def get(self, prop: int) -> float:
        assert prop == CAP_PROP_POS_MSEC
        now = self._clock() if self._clock else time.monotonic_ns()
        return (now - self._t0_ns) / 1e6  # a position query: the clock, not the buffer

    def release(self) -> None:
        self.released += 1


def test_pipeline_is_the_documented_gray8_appsink_without_sync() -> None:
    assert argus_pipeline(1, 1280, 720, 60.0) == (
        "nvarguscamerasrc sensor-id=1 ! video/x-raw(memory:NVMM),width=1280,height=720,framerate=60/1,format=NV12 "
        "! nvvidconv ! video/x-raw,format=GRAY8 ! appsink drop=true max-buffers=2 sync=false"
    )


def test_frames_carry_read_time_and_appsink_drops_are_counted() -> None:
    pts = pts_ms(120, 50, skip=(7, 8, 20))
    clock = FakeClock()
    caps: list[FakeVideoCapture] = []

    def factory(pipeline: str) -> Any:
        caps.append(FakeVideoCapture(pipeline, pts, shape=(720, 1280, 1), clock=clock))
        return caps[-1]

    with ArgusSource(SourceURI.parse("argus:0?fps=120"), capture_factory=factory, clock_ns=clock) as src:
        assert isinstance(src, FrameSource)
        frames = [src.read() for _ in range(len(pts))]
        with pytest.raises(SourceError, match="no frame"):
            src.read()
    assert caps[0].pipeline.startswith("nvarguscamerasrc sensor-id=0 ")
    got = [f for f in frames if f is not None]
    start = caps[0]._t0_ns + 30_000_000
    assert [f.t_ns for f in got] == [start + round(p * 1e6) for p in pts]  # when each buffer was handed over
    assert got[0].gray.shape == (720, 1280) and got[0].gray.flags.c_contiguous
    assert src.dropped_frames == 3
    assert caps[0].released == 1


def test_a_late_read_is_stamped_when_it_happens() -> None:
    """Analysis fell behind by 20 ms: the queued buffer is read at once and stamped with the read time."""
    clock = FakeClock()
    cap = FakeVideoCapture("p", pts_ms(100, 3), clock=clock)
    with ArgusSource(SourceURI.parse("argus:0?fps=100"), capture_factory=lambda p: cap, clock_ns=clock) as src:
        first = src.read()
        clock.now_ns += 20_000_000
        second = src.read()
    assert first is not None and second is not None
    assert second.t_ns - first.t_ns == 20_000_000  # not the 10 ms sensor interval: a read time, as documented


def test_unopened_pipeline_is_a_source_error_that_says_what_to_check() -> None:
    cap = FakeVideoCapture("p", [], opened=False)
    with pytest.raises(SourceError, match="nvargus-daemon"):
        ArgusSource(SourceURI.parse("argus:0"), capture_factory=lambda p: cap).open()
    assert cap.released == 1


def test_resilient_reopens_after_the_pipeline_dies() -> None:
    pts = pts_ms(60, 30)
    pipes = [pts[:10], [], pts[15:]]  # dies after 10 frames; the first reopen finds no camera yet
    opened: list[FakeVideoCapture] = []

    def factory() -> FrameSource:
        def capture(pipeline: str) -> Any:
            fake = FakeVideoCapture(pipeline, pipes[len(opened)], opened=bool(pipes[len(opened)]))
            opened.append(fake)
            return fake

        return ArgusSource(SourceURI.parse("argus:0?fps=60"), capture_factory=capture)

    with ResilientSource(factory, reopen_backoff_s=0.02, stall_timeout_s=1.0) as src:
        t0 = time.monotonic()
        got = [src.read() for _ in range(20)]
        elapsed = time.monotonic() - t0
        stats = dict(src.stats)
    assert [f.index for f in got if f] == list(range(20))
    assert stats["reopens"] == 1 and stats["errors"] == 1
    assert "reopen failed" in stats["last_error"]
    assert elapsed >= 0.02 + 0.04  # backoff doubled after the failed reopen
    assert all(c.released for c in opened)
