"""Per-stage latency and frame rates kept by the daemon.

Latencies are kept in a bounded ring per stage (the last ``window`` samples)
so percentiles describe recent behaviour and memory stays constant.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from collections import deque
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import numpy as np


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


class RateMeter:
    """Events per second over a sliding window of timestamps.

    Thread-safe: the capture and analysis threads tick it while the output,
    HTTP and sd_notify threads read the rate.
    """

    def __init__(self, window_s: float = 2.0) -> None:
        self._window_ns = int(window_s * 1e9)
        self._times: deque[int] = deque()
        self._lock = threading.Lock()
        self._total = 0

    @property
    def total(self) -> int:
        """Ticks since creation."""
        with self._lock:
            return self._total

    def tick(self, now_ns: int | None = None) -> None:
        now = time.monotonic_ns() if now_ns is None else now_ns
        with self._lock:
            self._times.append(now)
            self._total += 1
            self._trim(now)

    def _trim(self, now: int) -> None:
        while self._times and now - self._times[0] > self._window_ns:
            self._times.popleft()

    def rate(self, now_ns: int | None = None) -> float:
        now = time.monotonic_ns() if now_ns is None else now_ns
        with self._lock:
            self._trim(now)
            if len(self._times) < 2:
                return 0.0
            span = self._times[-1] - self._times[0]
            count = len(self._times)
        return (count - 1) * 1e9 / span if span > 0 else 0.0


class Metrics:
    """Thread-safe rates and stage latencies.

    Usage::

        metrics = Metrics()
        with metrics.stage("face"):
            ...
        metrics.snapshot()["stage_ms"]["face"]["p95"]
    """

    def __init__(self, window: int = 4096) -> None:
        self._lock = threading.Lock()
        self._window = window
        self._stages: dict[str, deque[float]] = {}
        self._stage_totals: dict[str, tuple[int, float]] = {}
        self.fps_in = RateMeter()
        self.fps_out = RateMeter()
        self.started = time.monotonic()

    def stage(self, name: str) -> AbstractContextManager[None]:
        """Time the ``with`` block as one latency sample of ``name`` (recorded even when it raises)."""
        return _StageTimer(self, name)

    def record(self, name: str, ms: float) -> None:
        with self._lock:
            ring = self._stages.get(name)
            if ring is None:
                ring = self._stages[name] = deque(maxlen=self._window)
            ring.append(ms)
            n, total = self._stage_totals.get(name, (0, 0.0))
            self._stage_totals[name] = (n + 1, total + ms)

    def stage_summary(self) -> dict[str, dict[str, float]]:
        with self._lock:
            items = {k: np.fromiter(v, dtype=np.float64) for k, v in self._stages.items()}
            totals = dict(self._stage_totals)
        summary = {}
        for name, arr in items.items():
            if arr.size == 0:
                continue
            p50, p95, p99 = np.percentile(arr, [50, 95, 99])
            n, total = totals[name]
            summary[name] = {
                "p50": round(float(p50), 4),
                "p95": round(float(p95), 4),
                "p99": round(float(p99), 4),
                "mean": round(total / n, 4),
                "count": n,
            }
        return summary

    def snapshot(self) -> dict[str, Any]:
        """Numbers and short strings only: safe for every sink."""
        return {
            "uptime_s": round(time.monotonic() - self.started, 3),
            "fps_in": round(self.fps_in.rate(), 2),
            "fps_out": round(self.fps_out.rate(), 2),
            "frames_in": self.fps_in.total,
            "frames_analyzed": self.fps_out.total,
            "stage_ms": self.stage_summary(),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }


class _StageTimer(AbstractContextManager[None]):
    """What :meth:`Metrics.stage` returns: a plain context manager (a generator-based one cost a few
    microseconds per stage and frame, issue 14)."""

    __slots__ = ("_metrics", "_name", "_t0")

    def __init__(self, metrics: Metrics, name: str) -> None:
        self._metrics = metrics
        self._name = name
        self._t0 = 0

    def __enter__(self) -> None:
        self._t0 = time.perf_counter_ns()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._metrics.record(self._name, (time.perf_counter_ns() - self._t0) / 1e6)
