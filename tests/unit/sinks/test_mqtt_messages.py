"""Command validation and Home Assistant discovery payloads."""

from __future__ import annotations

import json

import pytest

from edge.sinks.mqtt.messages import Topics, discovery_messages, parse_command


@pytest.mark.parametrize(
    ("feature", "payload", "action"),
    [
        ("pause", b"ON", "pause"),
        ("pause", b"on", "pause"),
        ("pause", b"true", "pause"),
        ("pause", b"1", "pause"),
        ("pause", b"", "pause"),
        ("pause", b"OFF", "resume"),
        ("pause", b"false", "resume"),
        ("pause", b'{"paused": true}', "pause"),
        ("pause", b'{"paused": false}', "resume"),
        ("resume", b"", "resume"),
        ("resume", b"PRESS", "resume"),
        ("resume", b"ON", "resume"),
    ],
)
def test_valid_commands(feature: str, payload: bytes, action: str) -> None:
    assert parse_command(feature, payload) == (action, "")


@pytest.mark.parametrize(
    ("feature", "payload", "reason"),
    [
        ("reboot", b"ON", "unknown command 'reboot'"),
        ("pause", b"maybe", "expected 'ON'"),
        ("pause", b'{"paused": 1}', "expected 'ON'"),
        ("pause", b'{"paused": true, "by": "x"}', "expected 'ON'"),
        ("pause", b"[true]", "expected 'ON'"),
        ("pause", b"\xff\xfe", "not UTF-8"),
        ("pause", b"x" * 257, "at most 256"),
        ("resume", b"OFF", "set/resume payload 'OFF'"),
    ],
)
def test_invalid_commands_give_a_reason(feature: str, payload: bytes, reason: str) -> None:
    action, why = parse_command(feature, payload)
    assert action is None
    assert reason in why


def test_topics() -> None:
    t = Topics("glimpse", "kiosk-1")
    assert t.events == "glimpse/kiosk-1/events"
    assert t.availability == "glimpse/kiosk-1/availability"
    assert t.command("pause") == "glimpse/kiosk-1/set/pause"
    assert t.commands == "glimpse/kiosk-1/set/+"
    assert t.ha_status == "homeassistant/status"


def test_discovery_covers_sensor_binary_sensor_switch_and_event() -> None:
    messages = dict(discovery_messages(Topics("glimpse", "kiosk-1", "ha")))
    assert all(topic.startswith("ha/") and topic.endswith("/config") for topic in messages)
    configs = {topic.split("/")[1] + ":" + topic.split("/")[3]: json.loads(p) for topic, p in messages.items()}
    assert set(configs) == {
        "sensor:state",
        "sensor:last_expression",
        "binary_sensor:camera_active",
        "binary_sensor:privacy_paused",
        "switch:privacy_pause",
        "event:expression",
    }
    unique = {c["unique_id"] for c in configs.values()}
    assert len(unique) == 6
    assert configs["event:expression"]["event_types"] == ["micro", "macro"]
    assert configs["switch:privacy_pause"]["payload_on"] == "ON"
    assert all(c["device"]["identifiers"] == ["glimpse_kiosk-1"] for c in configs.values())
