"""The sink that writes events into the SQLite store and enforces retention."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from edge.errors import StoreError
from edge.events.model import Event
from edge.events.store import EventStore
from edge.sinks.base import SinkBase

logger = logging.getLogger(__name__)


class StoreSink(SinkBase):
    """Stores every event; runs retention at most once a minute (on stats ticks)."""

    name = "store"

    def __init__(self, store: EventStore, retention_every_s: float = 60.0) -> None:
        self.store = store
        self._retention_every_s = retention_every_s
        self._last_retention = 0.0
        self.failures = 0

    def on_event(self, event: Event) -> None:
        try:
            self.store.add(event)
        except StoreError as exc:
            # A full or read-only disk must not stop the other sinks; the JSONL log and MQTT outbox still run.
            self.failures += 1
            logger.error("event %s not stored: %s", event.id, exc)

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        now = time.monotonic()
        if now - self._last_retention >= self._retention_every_s:
            self._last_retention = now
            try:
                self.store.enforce_retention()
            except StoreError as exc:
                logger.error("retention failed: %s", exc)

    def close(self) -> None:
        self.store.close()
