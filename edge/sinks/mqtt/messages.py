"""MQTT topics, command parsing and Home Assistant discovery payloads (pure functions, no I/O)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["pause", "resume"]
MAX_COMMAND_BYTES = 256
ON = frozenset({"on", "true", "1", "pause", "paused", "yes"})
OFF = frozenset({"off", "false", "0", "resume", "resumed", "no"})
ONLINE = "online"
OFFLINE = "offline"


@dataclass(frozen=True)
class Topics:
    """Every topic of one device: ``<prefix>/<device>/...``."""

    prefix: str
    device: str
    discovery_prefix: str = "homeassistant"

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.device}"

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def events(self) -> str:
        return f"{self.base}/events"

    @property
    def state(self) -> str:
        return f"{self.base}/state"

    @property
    def stats(self) -> str:
        return f"{self.base}/stats"

    @property
    def commands(self) -> str:
        """Subscription filter for every command."""
        return f"{self.base}/set/+"

    def command(self, feature: str) -> str:
        return f"{self.base}/set/{feature}"

    @property
    def ha_status(self) -> str:
        return f"{self.discovery_prefix}/status"


def _switch_value(text: str) -> bool | None:
    """ON/OFF-like text -> True/False; None when it is neither."""
    low = text.strip().lower()
    return True if low in ON else False if low in OFF else None


def _json_paused(text: str) -> bool | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and set(data) == {"paused"} and isinstance(data["paused"], bool):
        return bool(data["paused"])
    return None


def parse_command(feature: str, payload: bytes) -> tuple[Action | None, str]:
    """Validate one command; return ``(action, "")`` or ``(None, reason)``.

    - ``set/pause``: ``ON``/``true``/``1``/empty pauses, ``OFF``/``false``/``0`` resumes,
      or JSON ``{"paused": true|false}``;
    - ``set/resume``: empty, ``ON``/``true``/``1`` or ``PRESS`` resumes.
    Anything else (unknown feature, non-UTF-8, oversize, other text) is rejected with the reason.
    """
    if feature not in ("pause", "resume"):
        return None, f"unknown command {feature!r}; expected one of ['pause', 'resume']"
    if len(payload) > MAX_COMMAND_BYTES:
        return None, f"payload of {len(payload)} bytes; expected at most {MAX_COMMAND_BYTES}"
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None, f"payload {payload[:32]!r} is not UTF-8; expected ON, OFF or {{'paused': bool}}"
    if feature == "resume":
        if text.strip() == "" or text.strip().lower() == "press" or _switch_value(text) is True:
            return "resume", ""
        return None, f"set/resume payload {text[:64]!r}; expected '', 'ON', 'true', '1' or 'PRESS'"
    paused = True if text.strip() == "" else _switch_value(text)
    if paused is None and text.lstrip().startswith("{"):
        paused = _json_paused(text)
    if paused is None:
        return None, f"set/pause payload {text[:64]!r}; expected 'ON', 'OFF', 'true', 'false' or {{'paused': bool}}"
    return ("pause" if paused else "resume"), ""


def _device(device: str, sw_version: str) -> dict[str, Any]:
    return {
        "identifiers": [f"glimpse_{device}"],
        "name": f"Glimpse {device}",
        "manufacturer": "Glimpse",
        "model": "edge micro-expression analyzer",
        "sw_version": sw_version,
    }


def _entities(t: Topics) -> list[tuple[str, str, dict[str, Any]]]:
    """(component, object id, specific config) of every entity."""
    paused_tpl = "{{ 'ON' if value_json.paused else 'OFF' }}"
    return [
        ("sensor", "state", {"name": "State", "state_topic": t.state, "value_template": "{{ value_json.state }}"}),
        (
            "sensor",
            "last_expression",
            {
                "name": "Last expression",
                "state_topic": t.events,
                "value_template": "{{ value_json.emotion.label }}",
                "json_attributes_topic": t.events,
                "json_attributes_template": "{{ {'kind': value_json.kind, 'duration_ms': value_json.duration_ms, "
                "'confidence': value_json.confidence, 'id': value_json.id} | tojson }}",
            },
        ),
        (
            "binary_sensor",
            "camera_active",
            {
                "name": "Camera active",
                "state_topic": t.state,
                "value_template": "{{ 'ON' if value_json.capturing else 'OFF' }}",
                "device_class": "running",
            },
        ),
        (
            "binary_sensor",
            "privacy_paused",
            {"name": "Privacy paused", "state_topic": t.state, "value_template": paused_tpl},
        ),
        (
            "switch",
            "privacy_pause",
            {
                "name": "Privacy pause",
                "state_topic": t.state,
                "value_template": paused_tpl,
                "command_topic": t.command("pause"),
                "payload_on": "ON",
                "payload_off": "OFF",
            },
        ),
        (
            "event",
            "expression",
            {
                "name": "Expression",
                "state_topic": t.events,
                "event_types": ["micro", "macro"],
                "value_template": '{ "event_type": "{{ value_json.kind }}", '
                '"emotion": "{{ value_json.emotion.label }}", '
                '"confidence": {{ value_json.confidence }}, "id": "{{ value_json.id }}" }',
            },
        ),
    ]


def discovery_messages(t: Topics, sw_version: str = "0.1.0") -> list[tuple[str, str]]:
    """Retained Home Assistant discovery configs: ``(topic, JSON payload)`` per entity.

    Topic layout: ``<discovery_prefix>/<component>/glimpse_<device>/<object_id>/config``.
    See https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
    """
    node = f"glimpse_{t.device}"
    out = []
    for component, object_id, specific in _entities(t):
        payload = {
            "unique_id": f"{node}_{object_id}",
            "object_id": f"{node}_{object_id}",
            "availability_topic": t.availability,
            "payload_available": ONLINE,
            "payload_not_available": OFFLINE,
            "device": _device(t.device, sw_version),
            "origin": {"name": "glimpse"},
            **specific,
        }
        out.append((f"{t.discovery_prefix}/{component}/{node}/{object_id}/config", json.dumps(payload)))
    return out
