"""build_sinks: disabled outputs are left out, enabled ones are built, the outbox sits next to the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from edge.config import validate
from edge.control import Controller
from edge.errors import GlimpseError, StoreError
from edge.sinks.registry import SINKS, build_sinks, open_store, outbox_path
from edge.sinks.status import SinkStatus


def test_defaults_build_store_jsonl_and_journal(tmp_path: Path) -> None:
    config = validate({"store": {"path": str(tmp_path / "events.db")}, "logs": {"dir": str(tmp_path / "logs")}})
    store = open_store(config)
    status = SinkStatus()
    sinks = build_sinks(config, Controller(), store, status=status)
    try:
        assert [s.name for s in sinks] == ["store", "jsonl", "journal"]
        assert status.snapshot() == {}  # MQTT is off: no connection state to report
        assert sinks[0].store is store  # type: ignore[attr-defined]  # the one store, not a second connection
    finally:
        for sink in sinks:
            sink.close()


def test_everything_enabled(tmp_path: Path) -> None:
    config = validate(
        {
            "store": {"path": str(tmp_path / "events.db")},
            "logs": {"dir": str(tmp_path / "logs"), "journal": False},
            "mqtt": {"enabled": True, "port": 1},  # nothing listens: the sink must still build and not block
            "gpio": {"enabled": True, "camera_led_pin": 17},
        }
    )
    status = SinkStatus()
    sinks = build_sinks(
        config, Controller(), open_store(config), status=status, pin_factory=MockFactory(pin_class=MockPWMPin)
    )
    try:
        assert [s.name for s in sinks] == ["store", "jsonl", "mqtt", "gpio"]
        assert status.snapshot() == {"mqtt_connected": False}  # the MQTT sink reports its state from the start
        assert (tmp_path / "outbox.db").exists()
    finally:
        for sink in sinks:
            sink.close()


def test_outbox_path_defaults_next_to_the_store_unless_set(tmp_path: Path) -> None:
    config = validate({"store": {"path": str(tmp_path / "x" / "events.db")}})
    assert outbox_path(config) == tmp_path / "x" / "outbox.db"
    config = validate({"mqtt": {"outbox_path": str(tmp_path / "o.db")}})
    assert outbox_path(config) == tmp_path / "o.db"


def test_registry_names_are_the_sinks_names(tmp_path: Path) -> None:
    """Each builder makes the sink its key names (so a config key, a log line and the registry agree)."""
    config = validate(
        {
            "store": {"path": str(tmp_path / "events.db")},
            "logs": {"dir": str(tmp_path / "logs"), "journal": True},
            "mqtt": {"enabled": True, "port": 1},
            "gpio": {"enabled": True, "camera_led_pin": 17},
        }
    )
    sinks = build_sinks(config, Controller(), open_store(config), pin_factory=MockFactory(pin_class=MockPWMPin))
    try:
        assert [s.name for s in sinks] == list(SINKS)
    finally:
        for sink in sinks:
            sink.close()


def test_a_failing_builder_closes_what_was_built_and_the_store(tmp_path: Path) -> None:
    config = validate(
        {
            "store": {"path": str(tmp_path / "events.db")},
            "logs": {"dir": str(tmp_path / "logs")},
            "gpio": {"enabled": True, "backend": "jetson", "camera_led_pin": 17},
        }
    )
    store = open_store(config)
    with pytest.raises(GlimpseError):
        build_sinks(config, Controller(), store, gpio_module=None)
    with pytest.raises(StoreError):
        store.count()
