"""Events a durable sink could not write yet (a full or read-only disk), kept in memory and retried.

A full disk used to lose every event from the store, the MQTT outbox and the
JSONL log while it lasted. A sink now hands each event to its :class:`Backlog`:
written at once when possible; otherwise kept, in order, in a bounded
in-memory queue and written as soon as a retry succeeds (on the next event and
on every stats tick, at most every ``retry_every_s``). The real cause is logged
once per outage, the recovery once with how many events waited; only past
``max_events`` are the oldest dropped, counted and logged.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from edge.events.model import Event
from edge.sinks.base import SinkBase

logger = logging.getLogger(__name__)

MAX_EVENTS = 10_000  # a few MB of events: hours of a busy kiosk
RETRY_EVERY_S = 5.0


class Backlog:
    """Write through ``write``; keep what fails and retry it, oldest first.

    Usage::

        backlog = Backlog("store", "/var/lib/glimpse/events.db", store.add, (StoreError,))
        backlog.submit(event)       # never raises for the errors in ``retry_on``
        backlog.retry()             # on a timer; True when nothing waits
    """

    def __init__(
        self,
        sink: str,
        target: str,
        write: Callable[[Event], object],
        retry_on: tuple[type[Exception], ...],
        *,
        max_events: int = MAX_EVENTS,
        retry_every_s: float = RETRY_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.target = target
        self._write = write
        self._retry_on = retry_on
        self._queue: deque[Event] = deque()
        self._max_events = max_events
        self._retry_every_s = retry_every_s
        self._clock = clock
        self._next_try = 0.0
        self._since = 0.0
        self.cause: str | None = None  # the error of the current outage; None while writes succeed
        self.dropped = 0  # events lost because the backlog was full (in total)
        self.written_late = 0  # events written after waiting (in total)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def submit(self, event: Event) -> None:
        """Write ``event`` now, or keep it behind the ones already waiting (order is kept)."""
        if self._queue:
            self._keep(event)
            self.retry()
            return
        try:
            self._write(event)
        except self._retry_on as exc:
            self._outage(exc)
            self._keep(event)

    def retry(self, *, force: bool = False) -> bool:
        """Write waiting events in order until one fails; True when none is left."""
        if not self._queue:
            return True
        if not force and self._clock() < self._next_try:
            return False
        while self._queue:
            try:
                self._write(self._queue[0])
            except self._retry_on as exc:
                self._outage(exc)
                return False
            self._queue.popleft()
            self.written_late += 1
        logger.warning(
            "%s: %s is writable again after %.0f s; %d waiting event(s) were written",
            self.sink,
            self.target,
            self._clock() - self._since,
            self.written_late,
        )
        self.cause = None
        self.written_late = 0
        return True

    def close(self) -> None:
        """A last try; what still cannot be written is lost, and said so."""
        if not self.retry(force=True):
            logger.error(
                "%s: %d event(s) never written to %s (%s); they are lost",
                self.sink,
                self.pending,
                self.target,
                self.cause,
            )
            self.dropped += self.pending
            self._queue.clear()

    def _outage(self, exc: Exception) -> None:
        self._next_try = self._clock() + self._retry_every_s
        cause = str(exc)
        if self.cause is None:
            self._since = self._clock()
            logger.error(
                "%s: cannot write to %s (%s); keeping events in memory (up to %d) and retrying every %.0f s",
                self.sink,
                self.target,
                cause,
                self._max_events,
                self._retry_every_s,
            )
        elif cause != self.cause:
            logger.error("%s: still cannot write to %s, now: %s", self.sink, self.target, cause)
        self.cause = cause

    def _keep(self, event: Event) -> None:
        if len(self._queue) >= self._max_events:
            self._queue.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.error(
                    "%s: %d waiting event(s) dropped so far: more than %d waited for %s",
                    self.sink,
                    self.dropped,
                    self._max_events,
                    self.target,
                )
        self._queue.append(event)


class DurableSink(SinkBase):
    """A sink that writes events to disk through a :class:`Backlog` (store, JSONL log, MQTT outbox).

    The daemon reports each one's ``backlog.pending`` and ``backlog.cause`` in its stats, so the
    dashboard health shows events waiting for disk space.
    """

    backlog: Backlog

    def on_event(self, event: Event) -> None:
        self.backlog.submit(event)
