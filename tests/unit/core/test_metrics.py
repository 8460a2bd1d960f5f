"""Metrics: the rate meter shared by the capture, analysis, output, HTTP and sd_notify threads."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from edge.metrics import Metrics, RateMeter


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads every microsecond so that unlocked check-then-act sequences interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_rate_meter_survives_many_threads_ticking_and_reading(fast_switching: None) -> None:
    meter = RateMeter(window_s=1e-6)  # every tick trims the one before: popleft races are as likely as they get
    ticks_per_thread, writers, readers = 20_000, 4, 3
    errors: list[BaseException] = []
    start = threading.Barrier(writers + readers)
    done = threading.Event()

    def write() -> None:
        start.wait()
        try:
            for _ in range(ticks_per_thread):
                meter.tick()
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    def read() -> None:
        start.wait()
        try:
            while not done.is_set():
                assert meter.rate() >= 0.0
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    threads += [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads[:writers]:
        t.join()
    done.set()
    for t in threads[writers:]:
        t.join()
    assert errors == []
    assert meter.total == writers * ticks_per_thread


@pytest.mark.parametrize("call", ["tick", "rate", "total"])
def test_rate_meter_updates_and_reads_under_its_lock(call: str) -> None:
    """Deterministic companion of the hammer test above (which an unlocked meter can pass by luck on CPython):
    while the meter's lock is held, no tick or read may complete."""
    meter = RateMeter(window_s=1.0)
    meter.tick(0)
    finished = threading.Event()

    def use() -> None:
        if call == "tick":
            meter.tick(1)
        elif call == "rate":
            meter.rate(2)
        else:
            _ = meter.total
        finished.set()

    with meter._lock:  # the contract under test is "every access takes this lock"
        worker = threading.Thread(target=use)
        worker.start()
        assert not finished.wait(0.1), f"{call} completed while the meter's lock was held"
    assert finished.wait(5.0)
    worker.join()


def test_rate_meter_counts_ticks_in_its_window() -> None:
    meter = RateMeter(window_s=1.0)
    for i in range(11):
        meter.tick(now_ns=i * 100_000_000)  # 10 per second
    assert meter.rate(now_ns=1_000_000_000) == pytest.approx(10.0)
    assert meter.rate(now_ns=5_000_000_000) == 0.0  # all ticks left the window
    assert meter.total == 11


def test_snapshot_holds_rates_and_stage_latencies_only() -> None:
    metrics = Metrics()
    metrics.record("face", 2.0)
    metrics.record("face", 4.0)
    snap = metrics.snapshot()
    assert snap["stage_ms"]["face"]["mean"] == 3.0 and snap["stage_ms"]["face"]["count"] == 2
    assert set(snap) == {"uptime_s", "fps_in", "fps_out", "frames_in", "frames_analyzed", "stage_ms", "peak_rss_mb"}


def test_a_stage_is_timed_when_its_block_raises_and_the_error_goes_on() -> None:
    import time

    metrics = Metrics()
    with metrics.stage("face"):
        time.sleep(0.002)
    with pytest.raises(KeyError), metrics.stage("face"):
        raise KeyError("lost")
    with metrics.stage("face"), metrics.stage("motion"):  # nested and reused names keep their own clocks
        pass
    summary = metrics.stage_summary()
    assert summary["face"]["count"] == 3 and summary["motion"]["count"] == 1
    assert summary["face"]["p99"] >= 2.0 > summary["motion"]["p99"]
