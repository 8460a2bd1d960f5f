"""Deterministic stand-ins for the analysis stages, for tests of the daemon's spine."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from edge.capture.base import Frame, SourceBase, SourceInfo
from edge.config import GlimpseConfig, validate
from edge.daemon import Daemon
from edge.engine.base import Classification
from edge.eventfactory import EventFactory
from edge.events.model import DeviceState, EngineInfo, Event
from edge.face.base import FaceObservation
from edge.face.fullframe import FullFrameTracker
from edge.metrics import Metrics
from edge.motion.base import MotionSample
from edge.pipeline import Analyzer, Stages
from edge.sinks.base import Sink, SinkBase
from edge.sinks.status import SinkStatus
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
        self.score = 0.0
        self.closed = 0

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

    def close(self) -> None:
        self.closed += 1


class UnknownClassifier:
    """Says 'unknown' for every interval (the daemon tests need events, not a model)."""

    def classify(self, interval: Interval, onset: FaceObservation, apex: FaceObservation) -> Classification:
        return Classification(emotion="unknown", emotion_scores={"unknown": 1.0})

    def close(self) -> None: ...


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


#: The engine a test daemon says it runs on (the stand-in classifier runs no model).
TEST_ENGINE = EngineInfo(backend="onnxruntime", model="glimpse_me", sha256="0" * 64)


def make_daemon(
    source: ListSource,
    every: int,
    motion_delay_s: float = 0.0,
    ring: int = 64,
    lossless: bool = False,
    *,
    extra_sinks: Sequence[Sink] = (),
    sink_status: SinkStatus | None = None,
) -> tuple[Daemon, Recorder]:
    config: GlimpseConfig = validate({"capture": {"ring_frames": ring}, "bus": {"stats_interval_s": 0.05}})
    stages = Stages(
        FullFrameTracker(), StepMotion(motion_delay_s), EveryNSpotter(every), UnknownClassifier(), TEST_ENGINE
    )
    analyzer = Analyzer(stages, EventFactory("dev", "list"), Metrics())
    recorder = Recorder()
    daemon = Daemon(config, source, analyzer, [recorder, *extra_sinks], lossless=lossless, sink_status=sink_status)
    return daemon, recorder
