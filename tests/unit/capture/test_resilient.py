"""ResilientSource: reopen with backoff after errors and stalls, with the counts in stats."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from edge.capture.base import Frame, FrameSource, SourceBase, SourceInfo
from edge.capture.resilient import ResilientSource
from edge.errors import SourceError


class ScriptedSource(SourceBase):
    """Plays a script: an int is a frame time in ms, 'error' raises, 'block' blocks until close(), None ends."""

    def __init__(self, script: list[object], *, fail_open: bool = False) -> None:
        super().__init__()
        self._script = list(script)
        self._fail_open = fail_open
        self._closed = threading.Event()
        self.opened = self.closed = 0

    def open(self) -> SourceInfo:
        if self._fail_open:
            raise SourceError("no camera")
        self.opened += 1
        return SourceInfo("scripted:", 4, 4, 100.0)

    def read(self) -> Frame | None:
        step = self._script.pop(0) if self._script else None
        if step == "error":
            raise SourceError("camera unplugged")
        if step == "block":
            self._closed.wait(10.0)
            raise SourceError("read aborted: device closed")
        if step is None:
            return None
        assert isinstance(step, int)
        t_ns = step * 1_000_000
        self._drops.observe(t_ns)
        return Frame(0, t_ns, np.zeros((4, 4), np.uint8), "scripted:")

    def __enter__(self) -> ScriptedSource:
        self.open()
        return self

    def close(self) -> None:
        self.closed += 1
        self._closed.set()


def chain(*sources: ScriptedSource) -> tuple[list[ScriptedSource], ResilientSource]:
    made: list[ScriptedSource] = []

    def factory() -> FrameSource:
        made.append(sources[len(made)])
        return made[-1]

    return made, ResilientSource(factory, reopen_backoff_s=0.01, stall_timeout_s=0.2)


def test_error_reopens_and_frames_keep_counting() -> None:
    made, src = chain(ScriptedSource([10, 20, 30, "error"]), ScriptedSource([50, 60, None]))
    with src:
        frames = [src.read() for _ in range(6)]
    assert [f.index if f else None for f in frames] == [0, 1, 2, 3, 4, None]
    assert src.stats["reopens"] == 1 and src.stats["errors"] == 1 and src.stats["stalls"] == 0
    assert src.stats["last_error"] == "camera unplugged"
    assert all(s.closed >= 1 for s in made)


def test_drops_are_summed_across_reopens() -> None:
    _, src = chain(ScriptedSource([10, 20, 30, 50, "error"]), ScriptedSource([100, 110, 120, 140, None]))
    with src:
        while src.read() is not None:
            pass
        assert src.dropped_frames == 2


def test_watchdog_interrupts_a_blocked_read() -> None:
    _, src = chain(ScriptedSource([10, 20, "block"]), ScriptedSource([30, None]))
    with src:
        assert src.read() is not None and src.read() is not None
        t0 = time.monotonic()
        frame = src.read()  # blocks until the watchdog closes the stalled source
        waited = time.monotonic() - t0
    assert frame is not None and frame.t_ns == 30_000_000
    assert 0.2 <= waited < 2.0
    assert src.stats["stalls"] == 1 and src.stats["reopens"] == 1


def test_backoff_doubles_while_reopen_fails_and_is_capped() -> None:
    sources = [ScriptedSource([10, "error"])] + [ScriptedSource([], fail_open=True) for _ in range(3)]
    sources.append(ScriptedSource([20, None]))
    made, src = chain(*sources)
    src.max_backoff_s = 0.03
    with src:
        src.read()
        t0 = time.monotonic()
        frame = src.read()
        elapsed = time.monotonic() - t0
    assert frame is not None and len(made) == 5
    assert elapsed >= 0.01 + 0.02 + 0.03 + 0.03  # 0.01, doubled, then capped at max_backoff_s
    assert src.stats["reopens"] == 1 and src.stats["outage_s"] >= 0.09


def test_gives_up_after_max_reopens() -> None:
    sources = [ScriptedSource(["error"])] + [ScriptedSource([], fail_open=True) for _ in range(3)]
    _, src = chain(*sources)
    src.max_reopens = 2
    with src, pytest.raises(SourceError, match="did not recover after 2 reopen"):
        src.read()


def test_close_from_another_thread_ends_a_read_waiting_for_the_camera() -> None:
    sources = [ScriptedSource(["error"])] + [ScriptedSource([], fail_open=True) for _ in range(20)]
    _, src = chain(*sources)
    src.reopen_backoff_s = 5.0
    src.open()
    threading.Timer(0.1, src.close).start()
    t0 = time.monotonic()
    assert src.read() is None
    assert time.monotonic() - t0 < 2.0
    src.close()  # idempotent
