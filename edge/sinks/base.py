"""The sink interface: where events, state and stats go."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from edge.closing import Closeable
from edge.events.model import DeviceState, Event


class Sink(Protocol):
    """One output (LEDs, MQTT, JSONL log, store, dashboard feed).

    Called only from the output thread, so a slow sink delays other sinks but
    never capture or analysis. A sink must not raise for transient failures
    (a broker that is down): it logs, keeps what it must deliver, and goes on.
    """

    name: str
    #: Whether this sink receives truncated events under the default ``bus.truncated = "log"`` (the logs do;
    #: counts, LEDs and MQTT do not).
    takes_truncated: bool

    def on_event(self, event: Event) -> None:
        """Deliver one event."""

    def on_state(self, state: DeviceState) -> None:
        """The device state changed (pause, resume, face present, ...)."""

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        """A periodic metrics snapshot (numbers and short strings only)."""

    def close(self) -> None:
        """Flush and release; idempotent."""


class SinkBase(Closeable):
    """Null behaviour for every hook, so a sink implements only what it uses (and ``with sink:`` closes it)."""

    name = "sink"
    takes_truncated = False

    def on_event(self, event: Event) -> None:
        return None

    def on_state(self, state: DeviceState) -> None:
        return None

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        return None

    def close(self) -> None:
        return None
