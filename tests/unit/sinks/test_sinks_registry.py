"""build_sinks: disabled outputs are left out, enabled ones are built, the outbox sits next to the store."""

from __future__ import annotations

from pathlib import Path

from gpiozero.pins.mock import MockFactory, MockPWMPin

from edge.config import validate
from edge.control import Controller
from edge.sinks.registry import build_sinks, outbox_path


def test_defaults_build_store_jsonl_and_journal(tmp_path: Path) -> None:
    config = validate({"store": {"path": str(tmp_path / "events.db")}, "logs": {"dir": str(tmp_path / "logs")}})
    sinks = build_sinks(config, Controller())
    try:
        assert [s.name for s in sinks] == ["store", "jsonl", "journal"]
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
    sinks = build_sinks(config, Controller(), pin_factory=MockFactory(pin_class=MockPWMPin))
    try:
        assert [s.name for s in sinks] == ["store", "jsonl", "mqtt", "gpio"]
        assert (tmp_path / "outbox.db").exists()
    finally:
        for sink in sinks:
            sink.close()


def test_outbox_path_defaults_next_to_the_store_unless_set(tmp_path: Path) -> None:
    config = validate({"store": {"path": str(tmp_path / "x" / "events.db")}})
    assert outbox_path(config) == tmp_path / "x" / "outbox.db"
    config = validate({"mqtt": {"outbox_path": str(tmp_path / "o.db")}})
    assert outbox_path(config) == tmp_path / "o.db"
