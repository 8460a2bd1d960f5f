"""Sink statuses pushed by their owners (the MQTT sink's connection) for the daemon's stats to carry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

#: What a sink calls with its new status value (from whichever thread learns it).
StatusReporter = Callable[[Any], None]


def ignore_status(value: Any) -> None:
    """The null reporter: a sink built without a :class:`SinkStatus` reports to nobody."""
    return None


class SinkStatus:
    """The latest status each sink pushed; the daemon's stats timer includes them in every snapshot.

    A sink is handed a reporter when it is built and pushes to it from its own
    thread; nobody reads the sink's state. A key is present only once a sink
    reported it (a disabled output reports nothing).

    Usage::

        status = SinkStatus()
        sink = MqttSink(config.mqtt, "kiosk-1", on_connection=status.reporter("mqtt_connected"))
        status.snapshot()  # {"mqtt_connected": False} until the broker accepts the connection
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}

    def report(self, key: str, value: Any) -> None:
        """Remember ``value`` as the current ``key`` (thread-safe, never blocks for long)."""
        with self._lock:
            self._values[key] = value

    def reporter(self, key: str) -> StatusReporter:
        """A callable that reports its argument as ``key``."""
        return partial(self.report, key)

    def snapshot(self) -> dict[str, Any]:
        """A copy of every reported status."""
        with self._lock:
            return dict(self._values)
