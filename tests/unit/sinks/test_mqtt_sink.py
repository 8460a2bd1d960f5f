"""MqttSink without a broker: one warning per outage, the outbox kept, and what is left reported at close."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.sink import MqttSink


def closed_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def warnings_from_sink(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "edge.sinks.mqtt.sink" and r.levelno >= logging.WARNING]


def test_unreachable_broker_logs_one_warning_per_outage_and_pending_at_close(
    tmp_path: Path, event: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.sinks.mqtt.sink")
    port = closed_port()
    config = MqttConfig(enabled=True, host="127.0.0.1", port=port, reconnect_min_s=1, reconnect_max_s=1)
    outbox = tmp_path / "outbox.db"
    sink = MqttSink(config, "unit", None, outbox_path=outbox)
    try:
        for n in range(3):
            sink.on_event(event(n))
        # several reconnect attempts fail (refused), yet only the first one is logged
        assert wait_until(lambda: sink.connect_failures >= 2), f"only {sink.connect_failures} attempts"
        assert not sink.connected
        assert sink.pending() == 3
    finally:
        sink.close()
    messages = warnings_from_sink(caplog)
    unreachable = [m for m in messages if m.startswith("MQTT broker")]
    assert len(unreachable) == 1, "\n".join(messages)
    assert f"127.0.0.1:{port}" in unreachable[0]
    assert "refused" in unreachable[0].lower()  # the reason: ECONNREFUSED from the socket
    assert str(outbox) in unreachable[0]
    closing = [m for m in messages if m.startswith("MQTT closing")]
    assert len(closing) == 1 and "3 event(s)" in closing[0] and str(outbox) in closing[0], messages
    sink.close()  # idempotent: nothing more logged
    assert len(warnings_from_sink(caplog)) == len(messages)


class OfflineClient:
    """Just enough of paho's Client for a sink that never connects (the test drives its callbacks)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None

    def publish(self, *args: Any, **kwargs: Any) -> Any:
        return SimpleNamespace(rc=0, mid=1, wait_for_publish=lambda timeout: True)


class Reason:
    def __init__(self, text: str, failure: bool) -> None:
        self.text, self.is_failure = text, failure

    def __str__(self) -> str:
        return self.text


def test_same_reason_logged_once_new_reason_again_and_reconnect_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.sinks.mqtt.sink")
    config = MqttConfig(enabled=True)
    client = OfflineClient()
    with MqttSink(config, "unit", None, outbox_path=tmp_path / "o.db", client_factory=lambda c, d: client) as sink:
        for _ in range(5):  # a retry storm of one kind of failure
            try:
                raise ConnectionRefusedError(111, "Connection refused")
            except OSError:
                sink._on_connect_fail(client, None)  # paho calls it inside its except clause
        sink._on_connect(client, None, None, Reason("Not authorized", failure=True), None)
        sink._on_connect(client, None, None, Reason("Not authorized", failure=True), None)
        sink._on_connect(client, None, None, Reason("Success", failure=False), None)
        sink._on_disconnect(client, None, None, Reason("Unspecified error", failure=True), None)
        sink._on_connect(client, None, None, Reason("Success", failure=False), None)
    outages = [m for m in warnings_from_sink(caplog) if m.startswith("MQTT broker")]
    assert [m.split("(", 1)[1].split(")", 1)[0] for m in outages] == [
        "cannot connect: [Errno 111] Connection refused",
        "the broker refused the connection: Not authorized",
        "disconnected: Unspecified error",
    ]
    reconnects = [
        r.getMessage() for r in caplog.records if "connected to" in r.getMessage() and "again" in r.getMessage()
    ]
    assert len(reconnects) == 2 and "0 event(s) waiting" in reconnects[0]


def test_the_connection_state_is_pushed_on_every_change(tmp_path: Path) -> None:
    client = OfflineClient()
    reported: list[bool] = []
    sink = MqttSink(
        MqttConfig(enabled=True),
        "unit",
        None,
        outbox_path=tmp_path / "o.db",
        client_factory=lambda c, d: client,
        on_connection=reported.append,
    )
    with sink:
        assert reported == [False]  # not connected until the broker accepts
        sink._on_connect(client, None, None, Reason("Not authorized", failure=True), None)
        sink._on_connect(client, None, None, Reason("Success", failure=False), None)
        sink._on_disconnect(client, None, None, Reason("Unspecified error", failure=True), None)
        sink._on_connect(client, None, None, Reason("Success", failure=False), None)
    assert reported == [False, True, False, True]


def test_stored_events_missing_from_the_outbox_are_requeued_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A SIGKILL between the store commit and the outbox commit must not lose the event for MQTT."""
    from datetime import datetime, timezone

    from edge.config import validate
    from edge.events.store import EventStore
    from edge.sinks.mqtt.outbox import Outbox
    from edge.sinks.registry import stored_since

    from tests_support import make_event

    config = validate({"store": {"path": str(tmp_path / "e.db")}, "mqtt": {"enabled": True}})
    now = datetime.now(timezone.utc)
    queued, lost = make_event(now), make_event(now)
    with EventStore(config.store.path) as store:
        store.add(queued)
        store.add(lost)  # stored, then the daemon died before the MQTT sink saw it
    with Outbox(tmp_path / "o.db") as box:
        box.add(queued.id, "glimpse/unit/events", queued.model_dump_json())
        box.delete(1)  # queued and already acknowledged by the broker
    caplog.set_level(logging.WARNING, logger="edge.sinks.mqtt.sink")
    client = OfflineClient()
    with MqttSink(
        config.mqtt,
        "unit",
        None,
        outbox_path=tmp_path / "o.db",
        client_factory=lambda c, d: client,
        backfill=stored_since(config),
    ) as sink:
        assert sink.pending() == 1
    with Outbox(tmp_path / "o.db") as box:
        assert [row[2] for row in box.pending(0, 10)] == [lost.model_dump_json()]  # only the lost one
    assert any("re-queued 1 stored event" in r.getMessage() for r in caplog.records)


def age_outbox(path: Path, created: float, queued_at: dict[str, float]) -> None:
    """Rewrite an outbox's clock as if it had lived that long: its creation time and when each id was queued."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'created'", (str(created),))
        for event_id, t in queued_at.items():
            db.execute("UPDATE queued SET t = ? WHERE event_id = ?", (t, event_id))


@pytest.mark.parametrize("downtime_days", [0.0, 9.0])
def test_a_restart_after_weeks_resends_only_what_is_really_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, downtime_days: float
) -> None:
    """Issue 15: after 7 days of uptime the outbox forgot the ids it had queued and re-sent 12 of 12 aged events."""
    from datetime import datetime, timedelta, timezone

    from edge.config import validate
    from edge.events.store import EventStore
    from edge.sinks.mqtt.outbox import Outbox
    from edge.sinks.registry import stored_since

    from tests_support import make_event

    config = validate({"store": {"path": str(tmp_path / "e.db")}, "mqtt": {"enabled": True}})
    now = datetime.now(timezone.utc)
    last_run_end = now - timedelta(days=downtime_days)
    # 12 events over the 20 days the last run lasted, all queued and acknowledged; then one stored event that
    # never reached the outbox (the daemon died between the two writes, a minute before the end of that run)
    aged = [make_event(last_run_end - timedelta(days=20 - 1.5 * n)) for n in range(12)]
    lost = make_event(last_run_end - timedelta(minutes=1))
    with EventStore(config.store.path) as store, Outbox(tmp_path / "o.db") as box:
        for event in [*aged, lost]:
            store.add(event)
        for seq, event in enumerate(aged, start=1):
            box.add(event.id, "glimpse/unit/events", event.model_dump_json())
            box.delete(seq)
    age_outbox(
        tmp_path / "o.db",
        created=(last_run_end - timedelta(days=21)).timestamp(),
        queued_at={e.id: e.onset.timestamp() + 0.5 for e in aged},
    )
    caplog.set_level(logging.WARNING, logger="edge.sinks.mqtt.sink")
    with MqttSink(
        config.mqtt,
        "unit",
        None,
        outbox_path=tmp_path / "o.db",
        client_factory=lambda c, d: OfflineClient(),
        backfill=stored_since(config),
    ) as sink:
        assert sink.pending() == 1
    with Outbox(tmp_path / "o.db") as box:
        assert [row[2] for row in box.pending(0, 100)] == [lost.model_dump_json()]
    assert any("re-queued 1 stored event" in r.getMessage() for r in caplog.records)
