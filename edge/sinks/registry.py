"""The sinks by name, and building those a configuration enables (disabled outputs are left out).

Hardware and network sinks (GPIO, MQTT) are imported only when enabled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edge.config import GlimpseConfig
from edge.control import Controller
from edge.events.model import Event
from edge.events.store import MAX_LIMIT, EventQuery, EventStore
from edge.sinks.base import Sink
from edge.sinks.status import SinkStatus, StatusReporter, ignore_status
from edge.sinks.store import StoreSink


def outbox_path(config: GlimpseConfig) -> Path:
    """``mqtt.outbox_path`` when set, else ``outbox.db`` next to the event store."""
    if "outbox_path" in config.mqtt.model_fields_set:
        return config.mqtt.outbox_path
    return config.store.path.parent / "outbox.db"


def build_mqtt(config: GlimpseConfig, controller: Controller, on_connection: StatusReporter = ignore_status) -> Sink:
    """The MQTT sink; it pushes its connection state (True/False) to ``on_connection``."""
    from edge.sinks.mqtt.sink import MqttSink

    return MqttSink(
        config.mqtt,
        config.device.id,
        controller,
        outbox_path=outbox_path(config),
        backfill=stored_since(config),
        on_connection=on_connection,
    )


def stored_since(config: GlimpseConfig) -> Callable[[float], list[Event]]:
    """Reads the event store's events since a Unix time (for the outbox's reconciliation at start)."""

    def read(since: float) -> list[Event]:
        if not config.store.path.is_file():
            return []
        query = EventQuery(since=datetime.fromtimestamp(since, timezone.utc))
        with EventStore(config.store.path, readonly=True) as store:
            return store.query(query, limit=MAX_LIMIT, newest_first=False)

    return read


def build_gpio(
    config: GlimpseConfig, controller: Controller, pin_factory: Any | None = None, gpio_module: Any | None = None
) -> Sink:
    from edge.sinks.gpio.sink import GpioSink, open_backend

    return GpioSink(config.gpio, controller, open_backend(config.gpio, pin_factory, gpio_module))


@dataclass(frozen=True)
class SinkContext:
    """What a sink builder may use: configuration, pause controller, the one event store, sink status, test hooks."""

    config: GlimpseConfig
    controller: Controller
    store: EventStore
    status: SinkStatus
    pin_factory: Any | None = None
    gpio_module: Any | None = None


def _jsonl(ctx: SinkContext) -> Sink:
    from edge.sinks.jsonl import JsonlSink

    return JsonlSink(ctx.config.logs)


def _mqtt(ctx: SinkContext) -> Sink:
    return build_mqtt(ctx.config, ctx.controller, ctx.status.reporter("mqtt_connected"))


def _journal(ctx: SinkContext) -> Sink:
    from edge.sinks.journal import JournalSink

    return JournalSink()


#: Every output by name, in delivery order: whether the configuration enables it, and its builder (which imports
#: the sink's module, so hardware and network libraries load only for enabled outputs). The store comes first:
#: it is what the dashboard and `glimpse events` read.
SINKS: dict[str, tuple[Callable[[GlimpseConfig], bool], Callable[[SinkContext], Sink]]] = {
    "store": (lambda config: True, lambda ctx: StoreSink(ctx.store)),
    "jsonl": (lambda config: config.logs.enabled, _jsonl),
    "journal": (lambda config: config.logs.journal, _journal),
    "mqtt": (lambda config: config.mqtt.enabled, _mqtt),
    "gpio": (
        lambda config: config.gpio.enabled,
        lambda ctx: build_gpio(ctx.config, ctx.controller, ctx.pin_factory, ctx.gpio_module),
    ),
}


def open_store(config: GlimpseConfig) -> EventStore:
    """The event store of ``store.path`` with its retention (created once; its sink closes it)."""
    return EventStore(config.store.path, config.store.retention_days)


def build_sinks(
    config: GlimpseConfig,
    controller: Controller,
    store: EventStore,
    *,
    status: SinkStatus | None = None,
    pin_factory: Any | None = None,
    gpio_module: Any | None = None,
) -> list[Sink]:
    """The enabled sinks of :data:`SINKS`, in its order; the store sink writes to (and closes) ``store``.

    Sinks push their status (MQTT: ``mqtt_connected``) to ``status``, which the daemon's stats include.
    ``pin_factory`` (gpiozero) and ``gpio_module`` (Jetson.GPIO) are for tests and custom wiring.
    """
    ctx = SinkContext(config, controller, store, status or SinkStatus(), pin_factory, gpio_module)
    sinks: list[Sink] = []
    try:
        for enabled, build in SINKS.values():
            if enabled(config):
                sinks.append(build(ctx))
    except BaseException:
        for sink in sinks:
            sink.close()
        store.close()
        raise
    return sinks
