"""MqttSink against a real Mosquitto: events, state, stats, availability and the clean offline."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from edge.control import Controller
from edge.events.model import DeviceState, Event
from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.sink import MqttSink

pytestmark = pytest.mark.integration


def sink_for(broker: Any, tmp_path: Path, controller: Controller | None = None, **extra: Any) -> MqttSink:
    config = MqttConfig(enabled=True, host=broker.host, port=broker.port, reconnect_max_s=1, **extra)
    return MqttSink(config, "test-dev", controller, outbox_path=tmp_path / "outbox.db")


def state(paused: bool) -> DeviceState:
    return DeviceState(
        state="paused" if paused else "running",
        capturing=not paused,
        paused=paused,
        reason="test",
        t=datetime.now(timezone.utc),
    )


def test_events_arrive_in_order_as_event_json(
    mosquitto: Any, subscribe: Any, event_factory: Any, tmp_path: Path
) -> None:
    sub = subscribe("glimpse/test-dev/#")
    with sink_for(mosquitto, tmp_path) as sink:
        events: list[Event] = [event_factory(n) for n in range(50)]
        for event in events:
            sink.on_event(event)
        assert sink.flush(10.0), f"{sink.pending()} events still unacknowledged"
        got = sub.wait_for("glimpse/test-dev/events", 50)
    ids = [json.loads(p)["id"] for p in got]
    assert ids == [e.id for e in events]
    assert Event.model_validate_json(got[0]) == events[0]
    assert sink.delivered == 50


def test_availability_state_and_stats(mosquitto: Any, subscribe: Any, tmp_path: Path) -> None:
    sink = sink_for(mosquitto, tmp_path, stats_interval_s=0.01)
    sink.on_state(state(paused=False))
    sub = subscribe("glimpse/test-dev/#")
    assert sub.wait_for("glimpse/test-dev/availability", 1) == [b"online"]
    got = sub.wait_for("glimpse/test-dev/state", 1)
    assert json.loads(got[0])["capturing"] is True
    late = subscribe("glimpse/test-dev/state", client_id="late-subscriber")  # after the state reached the broker
    assert json.loads(late.wait_for("glimpse/test-dev/state", 1)[0])["capturing"] is True
    retained = [r for t, _, r in late.messages if t == "glimpse/test-dev/state"]
    assert retained[0] is True, "state must be retained for late subscribers"
    sink.on_stats({"fps_in": 90.0, "dropped_frames": 0})
    stats = json.loads(sub.wait_for("glimpse/test-dev/stats", 1)[0])
    assert stats["fps_in"] == 90.0 and stats["mqtt_outbox"] == 0
    sink.on_state(state(paused=True))
    # Wait for the paused state itself: the broker may deliver the earlier state more than once
    # (retained copy and live publish), so a message count is not enough.
    deadline = time.monotonic() + 5
    while not any(json.loads(p)["paused"] for p in sub.on("glimpse/test-dev/state")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert json.loads(sub.on("glimpse/test-dev/state")[-1])["paused"] is True
    sink.close()
    sink.close()  # idempotent
    assert sub.wait_for("glimpse/test-dev/availability", 2)[-1] == b"offline"


def test_events_produced_before_the_broker_exists_are_delivered(
    mosquitto: Any, subscribe: Any, event_factory: Any, tmp_path: Path
) -> None:
    sub = subscribe("glimpse/test-dev/events")
    mosquitto.stop()
    with sink_for(mosquitto, tmp_path) as sink:
        for n in range(10):
            sink.on_event(event_factory(n))  # must neither raise nor block while the broker is down
        assert sink.pending() == 10 and not sink.connected
        mosquitto.start()
        assert sink.flush(15.0)
        got = sub.wait_for("glimpse/test-dev/events", 10)
    assert [json.loads(p)["id"] for p in got] == [f"ev-{n:06d}" for n in range(10)]
