"""Commands over MQTT (validated; malformed ones rejected and logged) and Home Assistant discovery."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion

from edge.control import Controller
from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.sink import MqttSink

pytestmark = pytest.mark.integration


def publisher(broker: Any) -> Client:
    client = Client(CallbackAPIVersion.VERSION2, client_id="test-commander")
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def send(client: Client, topic: str, payload: bytes | str, *, retain: bool = False) -> None:
    client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)


def wait_until(predicate: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def open_sink(broker: Any, tmp_path: Path, controller: Controller, **settings: Any) -> MqttSink:
    config = MqttConfig(enabled=True, host=broker.host, port=broker.port, reconnect_max_s=1, **settings)
    mqtt = MqttSink(config, "test-dev", controller, outbox_path=tmp_path / "outbox.db")
    assert wait_until(lambda: mqtt.connected)
    time.sleep(0.2)  # let the SUBACK of the command subscription arrive (and any retained command with it)
    return mqtt


@pytest.fixture
def sink(mosquitto: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    controller = Controller()
    settings = getattr(request, "param", {})
    with open_sink(mosquitto, tmp_path, controller, **settings) as mqtt:
        yield mqtt, controller


@pytest.mark.parametrize("sink", [{"allow_resume": True}], indirect=True)
def test_pause_and_resume_commands_reach_the_controller(sink: Any, mosquitto: Any) -> None:
    _mqtt, controller = sink
    seen: list[tuple[bool, str]] = []
    controller.subscribe(lambda paused, reason: seen.append((paused, reason)))
    client = publisher(mosquitto)
    send(client, "glimpse/test-dev/set/pause", "ON")
    assert wait_until(lambda: controller.paused)
    send(client, "glimpse/test-dev/set/resume", "")
    assert wait_until(lambda: not controller.paused)
    send(client, "glimpse/test-dev/set/pause", json.dumps({"paused": True}))
    assert wait_until(lambda: controller.paused)
    send(client, "glimpse/test-dev/set/pause", "OFF")
    assert wait_until(lambda: not controller.paused)
    assert seen == [(True, "mqtt"), (False, "mqtt"), (True, "mqtt"), (False, "mqtt")]
    client.disconnect()


def test_malformed_commands_are_rejected_with_a_reason_and_the_sink_survives(
    sink: Any, mosquitto: Any, event_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    mqtt, controller = sink
    client = publisher(mosquitto)
    bad = [
        ("glimpse/test-dev/set/reboot", b"ON"),
        ("glimpse/test-dev/set/pause", b"maybe"),
        ("glimpse/test-dev/set/pause", b'{"paused": "yes"}'),
        ("glimpse/test-dev/set/pause", b'{"paused": true, "x": 1}'),
        ("glimpse/test-dev/set/pause", b"\xff\xfe\x00"),
        ("glimpse/test-dev/set/pause", b"O" * 10_000),
        ("glimpse/test-dev/set/resume", b"OFF"),
    ]
    with caplog.at_level(logging.WARNING, logger="edge.sinks.mqtt.sink"):
        for topic, payload in bad:
            send(client, topic, payload)
        assert wait_until(lambda: mqtt.rejected_commands == len(bad))

        def reasons() -> list[str]:
            return [r.getMessage() for r in caplog.records if "rejected MQTT command" in r.getMessage()]

        # the counter and the log line come from paho's thread one after the other: wait for both
        assert wait_until(lambda: len(reasons()) == len(bad))
    assert not controller.paused
    assert "unknown command 'reboot'" in reasons()[0]
    # still alive: a valid command and an event go through
    send(client, "glimpse/test-dev/set/pause", "true")
    assert wait_until(lambda: controller.paused)
    mqtt.on_event(event_factory(1))
    assert mqtt.flush(5.0)
    client.disconnect()


def test_home_assistant_birth_republishes_discovery(sink: Any, mosquitto: Any, subscribe: Any) -> None:
    _mqtt, _ = sink
    sub = subscribe("homeassistant/+/glimpse_test-dev/+/config", client_id="ha")
    # retained discovery from the connect
    assert wait_until(lambda: len(sub.messages) >= 6)
    first = {t: json.loads(p) for t, p, _ in sub.messages}
    components = {t.split("/")[1] for t in first}
    assert components == {"sensor", "binary_sensor", "switch", "event"}
    for cfg in first.values():
        assert cfg["availability_topic"] == "glimpse/test-dev/availability"
        assert cfg["device"]["identifiers"] == ["glimpse_test-dev"]
    switch = first["homeassistant/switch/glimpse_test-dev/privacy_pause/config"]
    assert switch["command_topic"] == "glimpse/test-dev/set/pause"
    before = len(sub.messages)
    client = publisher(mosquitto)
    send(client, "homeassistant/status", "online")
    assert wait_until(lambda: len(sub.messages) >= before + 6), "discovery not re-published on HA birth"
    send(client, "homeassistant/status", "offline")
    time.sleep(0.3)
    assert len(sub.messages) == before + 6, "only 'online' triggers discovery"
    client.disconnect()


def test_resume_over_mqtt_is_refused_unless_allowed(sink: Any, mosquitto: Any) -> None:
    mqtt, controller = sink
    client = publisher(mosquitto)
    send(client, "glimpse/test-dev/set/pause", "ON")
    assert wait_until(lambda: controller.paused)
    for topic, payload in [("glimpse/test-dev/set/pause", "OFF"), ("glimpse/test-dev/set/resume", "")]:
        send(client, topic, payload)
    assert wait_until(lambda: mqtt.rejected_commands == 2)
    assert controller.paused
    client.disconnect()


def retained_on(broker: Any, topic: str, wait_s: float = 0.5) -> list[bytes]:
    """What a fresh subscriber gets retained on ``topic`` (empty: nothing is retained there)."""
    got: list[bytes] = []
    client = Client(CallbackAPIVersion.VERSION2, client_id="retained-probe")
    client.on_message = lambda c, u, m: got.append(bytes(m.payload)) if m.retain else None
    client.connect(broker.host, broker.port)
    client.subscribe(topic, qos=1)
    client.loop_start()
    time.sleep(wait_s)
    client.disconnect()
    client.loop_stop()
    return got


@pytest.mark.parametrize("allow_resume", [False, True])
def test_a_retained_command_never_lifts_a_pause(
    mosquitto: Any, tmp_path: Path, allow_resume: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The attack: a retained `set/pause OFF` replayed by the broker on every reconnect, even a broker restart."""
    attacker = publisher(mosquitto)
    send(attacker, "glimpse/test-dev/set/pause", "OFF", retain=True)
    send(attacker, "glimpse/test-dev/set/resume", "PRESS", retain=True)
    attacker.disconnect()
    assert retained_on(mosquitto, "glimpse/test-dev/set/pause") == [b"OFF"]
    controller = Controller()
    controller.pause("dashboard")
    with caplog.at_level(logging.WARNING, logger="edge.sinks.mqtt.sink"):
        mqtt = open_sink(mosquitto, tmp_path, controller, allow_resume=allow_resume)
        with mqtt:
            assert wait_until(lambda: mqtt.rejected_commands == 2)
            assert controller.paused
            # the sink removed both retained commands from the broker ...
            assert wait_until(lambda: retained_on(mosquitto, "glimpse/test-dev/set/+") == [], 5.0)
            mosquitto.stop()
            assert wait_until(lambda: not mqtt.connected, 5.0)
            mosquitto.start()
            assert wait_until(lambda: mqtt.connected, 10.0)
            time.sleep(0.3)
            assert controller.paused, "a broker restart lifted the pause"
            assert mqtt.rejected_commands == 2
    assert sum("ignored retained MQTT command" in r.getMessage() for r in caplog.records) == 2


def test_clearing_a_retained_pause_is_not_taken_for_a_pause(mosquitto: Any, tmp_path: Path) -> None:
    """Clearing publishes an empty retained message, which the broker echoes; empty on set/pause means "pause"."""
    attacker = publisher(mosquitto)
    send(attacker, "glimpse/test-dev/set/pause", "ON", retain=True)
    attacker.disconnect()
    controller = Controller()
    seen: list[tuple[bool, str]] = []
    controller.subscribe(lambda paused, reason: seen.append((paused, reason)))
    with open_sink(mosquitto, tmp_path, controller) as mqtt:
        assert wait_until(lambda: retained_on(mosquitto, "glimpse/test-dev/set/pause") == [], 5.0)
        assert mqtt.rejected_commands == 1
        client = publisher(mosquitto)
        send(client, "glimpse/test-dev/set/pause", "")  # a real empty command afterwards still pauses
        assert wait_until(lambda: controller.paused)
        client.disconnect()
    assert seen == [(True, "mqtt")]


def test_home_assistant_births_are_debounced(sink: Any, mosquitto: Any, subscribe: Any) -> None:
    mqtt, _ = sink
    sub = subscribe("homeassistant/+/glimpse_test-dev/+/config", client_id="ha")
    assert wait_until(lambda: len(sub.messages) >= 6)
    before = len(sub.messages)
    client = publisher(mosquitto)
    for _ in range(200):
        client.publish("homeassistant/status", "online", qos=1)
    send(client, "homeassistant/status", "online")
    assert wait_until(lambda: len(sub.messages) >= before + 6)
    time.sleep(1.5)  # a second debounce window would have published by now
    assert len(sub.messages) == before + 6, f"{len(sub.messages) - before} discovery messages for 201 births"
    assert mqtt.discovery_published == 2  # the connect and one for the burst of births
    client.disconnect()
