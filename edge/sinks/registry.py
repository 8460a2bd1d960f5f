"""Builds the sinks a configuration enables (disabled outputs are left out).

Hardware and network sinks (GPIO, MQTT) are imported only when enabled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edge.config import GlimpseConfig
from edge.control import Controller
from edge.events.model import Event
from edge.events.store import MAX_LIMIT, EventQuery, EventStore
from edge.sinks.base import Sink
from edge.sinks.store import StoreSink


def outbox_path(config: GlimpseConfig) -> Path:
    """``mqtt.outbox_path`` when set, else ``outbox.db`` next to the event store."""
    if "outbox_path" in config.mqtt.model_fields_set:
        return config.mqtt.outbox_path
    return config.store.path.parent / "outbox.db"


def build_mqtt(config: GlimpseConfig, controller: Controller) -> Sink:
    from edge.sinks.mqtt.sink import MqttSink

    return MqttSink(
        config.mqtt, config.device.id, controller, outbox_path=outbox_path(config), backfill=stored_since(config)
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


def _optional_sinks(
    config: GlimpseConfig, controller: Controller, pin_factory: Any | None, gpio_module: Any | None
) -> list[Sink]:
    sinks: list[Sink] = []
    try:
        if config.logs.enabled:
            from edge.sinks.jsonl import JsonlSink

            sinks.append(JsonlSink(config.logs))
        if config.logs.journal:
            from edge.sinks.journal import JournalSink

            sinks.append(JournalSink())
        if config.mqtt.enabled:
            sinks.append(build_mqtt(config, controller))
        if config.gpio.enabled:
            sinks.append(build_gpio(config, controller, pin_factory, gpio_module))
    except BaseException:
        for sink in sinks:
            sink.close()
        raise
    return sinks


def build_sinks(
    config: GlimpseConfig,
    controller: Controller,
    *,
    pin_factory: Any | None = None,
    gpio_module: Any | None = None,
) -> list[Sink]:
    """The enabled sinks, store first (it is what the dashboard and `glimpse events` read).

    ``pin_factory`` (gpiozero) and ``gpio_module`` (Jetson.GPIO) are for tests and custom wiring.
    """
    store = StoreSink(EventStore(config.store.path, config.store.retention_days))
    try:
        return [store, *_optional_sinks(config, controller, pin_factory, gpio_module)]
    except BaseException:
        store.close()
        raise
