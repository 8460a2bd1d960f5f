"""Live updates for the dashboard: the sink that receives events, state and stats, and the store tailer.

:class:`DashboardFeed` is a :class:`~edge.sinks.base.Sink`. It keeps the
latest state, event and stats and fans each message out to the connected
Server-Sent-Events clients through small bounded queues. A client that falls
behind is disconnected (its browser reconnects and reloads the table), so a
slow browser never blocks the output thread.

:class:`StoreTailer` feeds the same sink from the SQLite store when the
dashboard runs without the daemon (``glimpse dashboard``).
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Mapping
from typing import Any

from edge.errors import StoreError
from edge.events.model import DeviceState, Event
from edge.events.store import EventQuery, EventStore
from edge.sinks.base import SinkBase

logger = logging.getLogger(__name__)

Message = tuple[str, str]  # (SSE event name, JSON data)
_CLOSED: Message = ("close", "")


class TooManyClients(Exception):
    """Every live-update slot is taken."""


class Subscription:
    """One live client's queue; iterate with :meth:`next` until it returns None."""

    def __init__(self, size: int) -> None:
        self._queue: queue.Queue[Message] = queue.Queue(maxsize=size)
        self.overflowed = False

    def put(self, message: Message) -> None:
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            self.overflowed = True

    def next(self, timeout_s: float) -> Message | None:
        """The next message, ``("ping", "")`` after ``timeout_s`` of silence, None when the feed ended."""
        if self.overflowed:
            return None
        try:
            message = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return ("ping", "")
        return None if message == _CLOSED else message


class DashboardFeed(SinkBase):
    """The dashboard's sink: remembers the latest state and pushes everything to live clients.

    Usage::

        feed = DashboardFeed()
        bus = EventBus([store_sink, feed])  # the output thread calls on_event/on_state/on_stats
        sub = feed.subscribe()            # one per browser (the server does this)
    """

    name = "dashboard"

    def __init__(self, max_clients: int = 16, queue_size: int = 256) -> None:
        self.max_clients = max_clients
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._closed = False
        self.state: DeviceState | None = None
        self.last_event: Event | None = None
        self.stats: dict[str, Any] = {}
        self.events_seen = 0

    def on_event(self, event: Event) -> None:
        with self._lock:
            self.last_event = event
            self.events_seen += 1
        self._publish(("event", event.model_dump_json()))

    def on_state(self, state: DeviceState) -> None:
        with self._lock:
            self.state = state
        self._publish(("state", state.model_dump_json()))

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        snapshot = dict(stats)
        with self._lock:
            self.stats = snapshot
        self._publish(("stats", json.dumps(snapshot, default=str)))

    def subscribe(self) -> Subscription:
        """A new live client; raises :class:`TooManyClients` when all slots are taken."""
        sub = Subscription(self.queue_size)
        with self._lock:
            self._subs = [s for s in self._subs if not s.overflowed]
            if self._closed:
                sub.put(_CLOSED)
            elif len(self._subs) >= self.max_clients:
                raise TooManyClients(f"{len(self._subs)} live clients connected; the limit is {self.max_clients}")
            else:
                self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._subs)

    def _publish(self, message: Message) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.put(message)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subs, self._subs = self._subs, []
        for sub in subs:
            sub.put(_CLOSED)


class StoreTailer:
    """Polls the store for rows newer than the last seen sequence number and feeds them to a sink."""

    def __init__(self, store: EventStore, feed: DashboardFeed, interval_s: float = 1.0) -> None:
        self.store = store
        self.feed = feed
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_seq = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self.last_seq = self.store.last_seq()
        latest = self.store.query(limit=1)
        if latest:
            with self.feed._lock:  # the kiosk shows the last event even before a new one arrives
                self.feed.last_event = latest[0]
        self._thread = threading.Thread(target=self._run, name="dashboard-tailer", daemon=True)
        self._thread.start()

    def poll(self) -> int:
        """Feed every new row once; returns how many were fed."""
        rows = self.store.query_with_seq(EventQuery(after_seq=self.last_seq), limit=1000)
        for seq, event in rows:
            self.last_seq = seq
            self.feed.on_event(event)
        return len(rows)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.poll()
            except (StoreError, sqlite3.Error) as exc:
                logger.warning("cannot read new events: %s", exc)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
