"""The event bus: a bounded queue and an output thread that fans out to sinks.

``publish_*`` never blocks the caller. When the queue is full, stats
snapshots are shed first; an event is dropped (and counted) only if the
queue holds nothing but events, which means every sink has been stuck for a
long time. The MQTT sink keeps its own durable outbox behind this.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from edge.events.config import TruncatedPolicy
from edge.events.model import DeviceState, Event
from edge.sinks.base import Sink

logger = logging.getLogger(__name__)

ItemKind = Literal["event", "state", "stats", "stop"]
Item = tuple[ItemKind, Any]
_STOP: Item = ("stop", None)


class EventBus:
    """Fans events, state and stats out to sinks on its own thread.

    It only carries what its owners publish (the daemon's stats timer sends
    the stats); the sinks are fixed when it is built.

    Usage::

        with EventBus([ConsoleSink()]) as bus:
            bus.publish_event(event)
    """

    def __init__(self, sinks: Sequence[Sink], *, queue_size: int = 1024, truncated: TruncatedPolicy = "log") -> None:
        self.sinks = list(sinks)
        self._truncated = truncated
        self._queue: queue.Queue[Item] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.events_published = 0
        self.events_dropped = 0
        self.sink_errors = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="glimpse-output", daemon=True)
            self._thread.start()

    def publish_event(self, event: Event) -> None:
        self._put(("event", event))

    def publish_state(self, state: DeviceState) -> None:
        self._put(("state", state))

    def publish_stats(self, stats: Mapping[str, Any]) -> None:
        self._put(("stats", dict(stats)))

    def _put(self, item: Item) -> None:
        with self._lock:
            if item[0] == "event":
                self.events_published += 1
            while True:
                try:
                    self._queue.put_nowait(item)
                    return
                except queue.Full:
                    if not self._shed(item):
                        return

    def _shed(self, item: Item) -> bool:
        """Make room by dropping the oldest stats item; else drop ``item``. True to retry."""
        with self._queue.mutex:
            for i, queued in enumerate(self._queue.queue):
                if queued[0] == "stats":
                    del self._queue.queue[i]
                    self._queue.not_full.notify()
                    return True
        if item[0] == "event":
            self.events_dropped += 1
            logger.error("output queue full: event %s dropped (sinks stuck?)", item[1].id)
        return False

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            self._deliver(item)

    def _takes(self, sink: Sink, event: Event) -> bool:
        """A truncated event goes where ``bus.truncated`` says; every other event goes everywhere."""
        if not event.truncated or self._truncated == "all":
            return True
        return self._truncated == "log" and sink.takes_truncated

    def _deliver(self, item: Item) -> None:
        kind, payload = item
        for sink in self.sinks:
            try:
                if kind == "event":
                    if self._takes(sink, payload):
                        sink.on_event(payload)
                elif kind == "state":
                    sink.on_state(payload)
                else:
                    sink.on_stats(payload)
            except Exception:  # a broken sink must not take the others down
                self.sink_errors += 1
                logger.exception("sink %s failed on %s", sink.name, kind)

    def close(self, timeout_s: float = 10.0) -> None:
        """Deliver everything queued, stop the thread and close every sink."""
        if self._thread is not None:
            try:
                self._queue.put(_STOP, timeout=timeout_s)
            except queue.Full:  # a sink is stuck and the queue never drained: do not hang the shutdown
                logger.error(
                    "output queue still full after %.1f s: %d items not delivered", timeout_s, self._queue.qsize()
                )
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                logger.error("output thread did not finish within %.1f s", timeout_s)
            self._thread = None
        else:
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not _STOP:
                    self._deliver(item)
        for sink in self.sinks:
            try:
                sink.close()
            except Exception:
                logger.exception("sink %s failed to close", sink.name)
        self.sinks = []

    def __enter__(self) -> EventBus:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
