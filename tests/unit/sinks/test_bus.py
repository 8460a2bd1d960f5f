"""The event bus never blocks its caller and isolates broken sinks."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from edge.events.model import DeviceState, Event
from edge.sinks.base import SinkBase
from edge.sinks.bus import EventBus

from tests_support import make_event


class Slow(SinkBase):
    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.entered = threading.Event()
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.entered.set()
        self.gate.wait(5)
        self.events.append(event)


class Broken(SinkBase):
    def on_event(self, event: Event) -> None:
        raise OSError("disk full")

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        raise OSError("disk full")


def test_publish_never_blocks_and_sheds_stats_first() -> None:
    gate = threading.Event()
    slow = Slow(gate)
    bus = EventBus([slow], queue_size=4)
    bus.start()
    t0 = time.perf_counter()
    bus.publish_event(make_event())  # taken by the output thread, which then blocks in the sink
    assert slow.entered.wait(5)
    for _ in range(3):
        bus.publish_stats({"fps": 1})
    bus.publish_event(make_event())
    bus.publish_event(make_event())  # the queue is full of stats: they are shed for events
    bus.publish_event(make_event())
    for _ in range(10):
        bus.publish_event(make_event())  # now only events: these are dropped and counted
    assert time.perf_counter() - t0 < 5.0  # never blocked on the stuck sink (which waits up to 5 s)
    assert bus.events_dropped == 9
    gate.set()
    bus.close()
    assert len(slow.events) == 1 + 4


def test_broken_sink_does_not_stop_others() -> None:
    class Good(SinkBase):
        def __init__(self) -> None:
            self.n = 0
            self.states = 0

        def on_event(self, event: Event) -> None:
            self.n += 1

        def on_state(self, state: DeviceState) -> None:
            self.states += 1

    good = Good()
    with EventBus([Broken(), good]) as bus:
        for _ in range(5):
            bus.publish_event(make_event())
        bus.publish_state(DeviceState(state="running", capturing=True, paused=False, t=datetime.now(timezone.utc)))
    assert good.n == 5 and good.states == 1
    assert bus.sink_errors == 5


class Recorder(SinkBase):
    def __init__(self, takes_truncated: bool) -> None:
        self.takes_truncated = takes_truncated
        self.ids: list[str] = []

    def on_event(self, event: Event) -> None:
        self.ids.append(event.id)


def test_truncated_events_reach_only_the_logs_by_default() -> None:
    whole = make_event()
    cut = whole.model_copy(update={"id": "cut", "truncated": True})
    for policy, log_gets, counted_gets in (("log", 2, 1), ("all", 2, 2), ("drop", 1, 1)):
        log, counted = Recorder(takes_truncated=True), Recorder(takes_truncated=False)
        bus = EventBus([log, counted], truncated=policy)  # type: ignore[arg-type]
        bus.publish_event(whole)
        bus.publish_event(cut)
        bus.close()  # not started: delivers what is queued on this thread
        assert (len(log.ids), len(counted.ids)) == (log_gets, counted_gets), policy
        assert whole.id in log.ids and whole.id in counted.ids
