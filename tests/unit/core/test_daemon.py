"""The daemon's threads: ring drops, event delivery, flush on stop, state changes.

Stages here are small deterministic stand-ins: these tests are about the
spine (threads, queues, counting), not about faces.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from edge.capture.base import Frame, SourceBase, SourceInfo
from edge.config import GlimpseConfig, validate
from edge.daemon import Daemon
from edge.engine.null import NullClassifier
from edge.events.factory import EventFactory, SensorClock
from edge.events.model import DeviceState, Event
from edge.face.base import FaceObservation
from edge.face.fullframe import FullFrameTracker
from edge.metrics import Metrics
from edge.motion.base import MotionSample
from edge.pipeline import Analyzer, Stages
from edge.sinks.base import SinkBase
from edge.spotting.base import Interval


class ListSource(SourceBase):
    def __init__(self, n: int, fps: float = 100.0, delay_s: float = 0.0) -> None:
        super().__init__()
        self.n, self.period_ns, self.delay_s = n, round(1e9 / fps), delay_s
        self.i = 0
        self.closed = 0

    def open(self) -> SourceInfo:
        return SourceInfo("list:", 64, 48, 1e9 / self.period_ns)

    def read(self) -> Frame | None:
        if self.i >= self.n:
            return None
        if self.delay_s:
            time.sleep(self.delay_s)
        frame = Frame(self.i, self.i * self.period_ns, np.full((48, 64), self.i % 255, np.uint8), "list")
        self.i += 1
        self._drops.observe(frame.t_ns)
        return frame

    def close(self) -> None:
        self.closed += 1


class StepMotion:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def process(self, face: FaceObservation) -> MotionSample:
        if self.delay_s:
            time.sleep(self.delay_s)
        return MotionSample(face.frame_index, face.t_ns, True, {"mouth": 0.0})

    def reset(self) -> None: ...

    def close(self) -> None: ...


class EveryNSpotter:
    """Reports a 5-frame interval ending at every n-th frame; one pending at flush."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.last: MotionSample | None = None

    def update(self, sample: MotionSample) -> list[Interval]:
        self.last = sample
        if sample.frame_index and sample.frame_index % self.n == 0:
            return [self._interval(sample)]
        return []

    def _interval(self, s: MotionSample) -> Interval:
        i = s.frame_index
        return Interval(i - 4, i - 2, i, s.t_ns - 40_000_000, s.t_ns - 20_000_000, s.t_ns, "micro", 0.5, ("mouth",), 1)

    def flush(self) -> list[Interval]:
        return [self._interval(self.last)] if self.last and self.last.frame_index >= 4 else []

    def reset(self) -> None:
        self.last = None


class Recorder(SinkBase):
    name = "recorder"

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.states: list[DeviceState] = []
        self.stats: list[Mapping[str, Any]] = []
        self.closed = False

    def on_event(self, event: Event) -> None:
        self.events.append(event)

    def on_state(self, state: DeviceState) -> None:
        self.states.append(state)

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        self.stats.append(stats)

    def close(self) -> None:
        self.closed = True


def make_daemon(source: ListSource, every: int, motion_delay_s: float = 0.0, ring: int = 64) -> tuple[Daemon, Recorder]:
    config: GlimpseConfig = validate({"capture": {"ring_frames": ring}, "bus": {"stats_interval_s": 0.05}})
    stages = Stages(FullFrameTracker(), StepMotion(motion_delay_s), EveryNSpotter(every), NullClassifier())
    analyzer = Analyzer(stages, EventFactory("dev", "list", SensorClock()), Metrics())
    recorder = Recorder()
    return Daemon(config, source, analyzer, [recorder]), recorder


def test_every_frame_analysed_and_every_event_delivered() -> None:
    source = ListSource(100)
    daemon, rec = make_daemon(source, every=10, ring=1000)
    summary = daemon.run()
    assert summary.frames_in == summary.frames_analyzed == 100
    assert summary.dropped_frames == 0 and summary.error is None
    assert len(rec.events) == 10  # 9 during the run (10..90) + 1 at flush
    assert [e.offset_frame for e in rec.events] == [11, 21, 31, 41, 51, 61, 71, 81, 91, 100]
    assert rec.closed and source.closed >= 1
    assert rec.states[0].state == "running" and rec.states[-1].state == "stopped"
    assert rec.states[0].capturing and not rec.states[-1].capturing
    assert "face" in summary.stats["stage_ms"] and summary.stats["face_found_rate"] == 1.0


def test_slow_analysis_drops_oldest_frames_and_counts_them() -> None:
    source = ListSource(200)
    daemon, _ = make_daemon(source, every=1000, motion_delay_s=0.003, ring=4)
    summary = daemon.run()
    assert summary.frames_in == 200
    assert summary.ring_dropped > 0
    assert summary.frames_analyzed + summary.ring_dropped == 200
    assert summary.stats["dropped_frames"] == summary.ring_dropped


def test_stop_flushes_pending_interval() -> None:
    source = ListSource(10_000, delay_s=0.001)
    daemon, rec = make_daemon(source, every=10_000)
    timer = threading.Timer(0.3, daemon.stop)
    timer.start()
    summary = daemon.run()
    assert 0 < summary.frames_analyzed < 10_000
    assert len(rec.events) == 1  # the spotter's pending interval, delivered before run() returned


def test_pause_stops_capture_and_is_published() -> None:
    source = ListSource(10_000, delay_s=0.001)
    daemon, rec = make_daemon(source, every=10_000)
    threading.Timer(0.2, daemon.controller.pause, args=("test",)).start()
    threading.Timer(0.6, daemon.stop).start()
    summary = daemon.run()
    paused = [s for s in rec.states if s.state == "paused"]
    assert paused and paused[0].paused and not paused[0].capturing and paused[0].reason == "test"
    # capture stopped: frames stopped arriving long before the stop (about 0.2 s of 1 ms frames)
    assert summary.frames_in < 450


def test_source_gaps_are_counted() -> None:
    class GappySource(ListSource):
        def read(self) -> Frame | None:
            frame = super().read()
            if frame is not None and frame.index == 50:
                self.i += 3  # the sensor skipped three frames
            return frame

    daemon, _ = make_daemon(GappySource(100), every=1000, ring=1000)
    summary = daemon.run()
    assert summary.dropped_frames == 3
