"""Reopen a camera that disconnects or stalls, with exponential backoff, and count it.

A camera can vanish (ribbon cable, USB reset, nvargus-daemon restart) or stop
delivering frames without an error. :class:`ResilientSource` wraps a factory
of sources and hides neither: every reopen and stall is counted in
:attr:`ResilientSource.stats`, which the daemon publishes.

Two ways a stall is seen:

- the inner ``read()`` raises :class:`SourceError` (a disconnect, or a source
  with its own read timeout such as picamera2's ``captured_request(wait=...)``);
- the inner ``read()`` blocks for longer than ``stall_timeout_s``: a watchdog
  thread then closes the inner source, which makes the blocked read return or
  raise, and the wrapper reopens it.

Usage::

    src = ResilientSource(lambda: open_source(cfg.source.uri),
                          reopen_backoff_s=cfg.capture.reopen_backoff_s,
                          stall_timeout_s=cfg.capture.stall_timeout_s)
    with src:
        while (frame := src.read()) is not None:
            ...
    src.stats  # {"reopens": 1, "stalls": 1, "errors": 1, ...}
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from edge.capture.base import Frame, FrameSource, SourceBase, SourceInfo
from edge.errors import SourceError

logger = logging.getLogger(__name__)

SourceFactory = Callable[[], FrameSource]
MAX_BACKOFF_S = 30.0


class ResilientSource(SourceBase):
    """A :class:`FrameSource` that reopens its inner source after errors and stalls.

    Frames are renumbered so ``index`` keeps increasing across reopens;
    ``dropped_frames`` sums the drops every inner source counted. ``open()``
    itself does not retry: a camera missing at start is a runtime failure the
    service manager restarts (``Restart=on-failure``).
    """

    def __init__(
        self,
        factory: SourceFactory,
        *,
        reopen_backoff_s: float = 1.0,
        stall_timeout_s: float = 2.0,
        max_backoff_s: float = MAX_BACKOFF_S,
        max_reopens: int | None = None,
        watchdog: bool = True,
        clock: Callable[[], float] = time.monotonic,
        scheme: str = "",
    ) -> None:
        super().__init__(scheme)
        self._factory = factory
        self.reopen_backoff_s = reopen_backoff_s
        self.stall_timeout_s = stall_timeout_s
        self.max_backoff_s = max_backoff_s
        self.max_reopens = max_reopens
        self._watchdog_enabled = watchdog
        self._clock = clock
        self._inner: FrameSource | None = None
        self._info: SourceInfo | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._read_started: float | None = None
        self._stalled = False
        self._watchdog: threading.Thread | None = None
        self._index = 0
        self._drops_before = 0
        self._last_frame_at: float | None = None
        self._stats: dict[str, Any] = {
            "connected": False,
            "reopens": 0,
            "stalls": 0,
            "errors": 0,
            "last_error": "",
            "outage_s": 0.0,
        }

    @property
    def stats(self) -> dict[str, Any]:
        """Reopens, stalls, errors, the last error, outage seconds and whether the camera is connected now."""
        return dict(self._stats)

    @property
    def dropped_frames(self) -> int:
        inner = self._inner
        return self._drops_before + (inner.dropped_frames if inner is not None else 0)

    def open(self) -> SourceInfo:
        if self._info is not None:
            return self._info
        self._closed.clear()
        self._info = self._open_inner()
        if self._watchdog_enabled and self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="capture-watchdog", daemon=True)
            self._watchdog.start()
        return self._info

    def _open_inner(self) -> SourceInfo:
        inner = self._factory()
        info = inner.open()
        with self._lock:
            self._inner = inner
            self._stalled = False
        self._stats["connected"] = True
        self._last_frame_at = self._clock()
        return info

    def read(self) -> Frame | None:
        if self._info is None:
            raise SourceError("resilient source is not open; call open() first")
        backoff = self.reopen_backoff_s
        reopens = 0
        while not self._closed.is_set():
            frame, failure = self._read_once()
            if frame is not None:
                self._last_frame_at = self._clock()
                renumbered = dataclasses.replace(frame, index=self._index)
                self._index += 1
                return renumbered
            if failure is None:
                return None  # a finite source ended on its own
            if self.max_reopens is not None and reopens >= self.max_reopens:
                raise SourceError(f"camera did not recover after {reopens} reopen(s); last error: {failure}")
            reopens += 1
            if self._reopen_after(backoff):
                backoff = self.reopen_backoff_s
                continue
            backoff = min(backoff * 2, self.max_backoff_s)
        return None

    def _read_once(self) -> tuple[Frame | None, str | None]:
        """One inner read: (frame, None), (None, None) at a clean end, or (None, why it failed)."""
        inner = self._inner
        if inner is None:
            return None, "no open source"
        self._read_started = self._clock()
        try:
            frame = inner.read()
        except SourceError as exc:
            return None, self._failed(str(exc))
        finally:
            self._read_started = None
        with self._lock:
            stalled = self._stalled
        if stalled:
            return None, self._failed("stalled: the watchdog interrupted a blocked read")
        return frame, None

    def _failed(self, why: str) -> str:
        silent_s = self._clock() - (self._last_frame_at or self._clock())
        with self._lock:
            stalled = self._stalled
        if stalled or silent_s >= self.stall_timeout_s:
            self._stats["stalls"] += int(not stalled)  # the watchdog counted its own stall
        self._stats["errors"] += 1
        self._stats["last_error"] = why
        self._stats["connected"] = False
        logger.warning("camera failed after %.1f s without frames: %s", silent_s, why)
        return why

    def _reopen_after(self, delay_s: float) -> bool:
        """Close the inner source, wait ``delay_s`` and reopen it; True on success."""
        self._retire_inner()
        started = self._clock()
        if self._closed.wait(delay_s):
            return False
        try:
            self._open_inner()
        except Exception as exc:  # any failure to reopen is retried with a longer wait
            self._stats["last_error"] = f"reopen failed: {exc}"
            logger.warning("camera reopen failed (next try in up to %.1f s): %s", min(delay_s * 2, 30.0), exc)
            return False
        finally:
            self._stats["outage_s"] += self._clock() - started
        self._stats["reopens"] += 1
        logger.info("camera reopened (%d reopen(s) so far)", self._stats["reopens"])
        return True

    def _retire_inner(self) -> None:
        with self._lock:
            inner, self._inner = self._inner, None
        if inner is not None:
            self._drops_before += inner.dropped_frames
            _close_quietly(inner)

    def _watch(self) -> None:
        period = max(0.01, self.stall_timeout_s / 4)
        while not self._closed.wait(period):
            started = self._read_started
            if started is None or self._clock() - started < self.stall_timeout_s:
                continue
            with self._lock:
                inner = self._inner if not self._stalled else None
                self._stalled = inner is not None or self._stalled
            if inner is not None:
                self._stats["stalls"] += 1
                logger.warning("no frame for %.1f s: interrupting the camera", self.stall_timeout_s)
                _close_quietly(inner)  # unblocks the pending read in the capture thread

    def __enter__(self) -> ResilientSource:
        self.open()
        return self

    def close(self) -> None:
        self._closed.set()
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not threading.current_thread():
            watchdog.join(timeout=5.0)
        self._retire_inner()
        self._info = None
        self._stats["connected"] = False


def _close_quietly(source: FrameSource) -> None:
    try:
        source.close()
    except Exception as exc:  # a vanished device may fail to close; the reopen still proceeds
        logger.warning("closing the failed source raised: %s", exc)
