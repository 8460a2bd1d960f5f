"""The sink that writes events into the SQLite store and enforces retention."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from edge.errors import StoreError
from edge.events.store import EventStore
from edge.sinks.backlog import Backlog, DurableSink

logger = logging.getLogger(__name__)


class StoreSink(DurableSink):
    """Stores every event; runs retention at most once a minute (on stats ticks).

    A full or read-only disk must not stop the other sinks, nor lose events: what cannot be stored waits
    in the :class:`~edge.sinks.backlog.Backlog` and is stored when space returns.
    """

    name = "store"

    def __init__(self, store: EventStore, retention_every_s: float = 60.0) -> None:
        self.store = store
        self._retention_every_s = retention_every_s
        self._last_retention = 0.0
        self.backlog = Backlog(self.name, str(store.path), store.add, (StoreError,))

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        self.backlog.retry()
        now = time.monotonic()
        if now - self._last_retention >= self._retention_every_s:
            self._last_retention = now
            try:
                self.store.enforce_retention()
            except StoreError as exc:
                logger.error("retention failed: %s", exc)

    def close(self) -> None:
        self.backlog.close()
        self.store.close()
