"""Outages against a real Mosquitto: broker restart mid-stream, publisher SIGKILL + restart, last will.

Each test prints its counts (produced, delivered, duplicated, lost); run with
``-s`` to see them. Consumers de-duplicate by event id, so duplicates are
allowed (at-least-once) but losses are not.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.sink import MqttSink

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

PUBLISHER = """
import sys, time
sys.path.insert(0, {repo!r})
import edge.config
sys.path.insert(0, {here!r})
from conftest import make_event
from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.sink import MqttSink

port, outbox = int(sys.argv[1]), sys.argv[2]
start, count, delay = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
config = MqttConfig(enabled=True, port=port, reconnect_min_s=1, reconnect_max_s=1)
sink = MqttSink(config, "test-dev", None, outbox_path=__import__("pathlib").Path(outbox))
for n in range(start, start + count):
    sink.on_event(make_event(n))
    print(f"produced ev-{{n:06d}}", flush=True)
    time.sleep(delay)
ok = sink.flush(20.0)
print(f"flushed {{ok}} pending={{sink.pending()}}", flush=True)
sink.close()
"""


def counts(produced: list[str], payloads: list[bytes]) -> dict[str, int]:
    delivered = [json.loads(p)["id"] for p in payloads]
    unique = set(delivered)
    return {
        "produced": len(produced),
        "delivered": len(unique),
        "duplicated": len(delivered) - len(unique),
        "lost": len(set(produced) - unique),
    }


def in_order(payloads: list[bytes]) -> bool:
    """First deliveries are in production order (a duplicate may repeat an older id)."""
    seen: list[str] = []
    for p in payloads:
        event_id = json.loads(p)["id"]
        if event_id not in seen:
            seen.append(event_id)
    return seen == sorted(seen)


def stream_through_broker_outage(
    mosquitto: Any, subscribe: Any, event_factory: Any, poll: Any, tmp_path: Path, sig: signal.Signals
) -> tuple[dict[str, int], list[bytes], int]:
    """300 events at ~5 ms; after 100 the broker gets ``sig`` and comes back on the same port 0.6 s later."""
    sub = subscribe("glimpse/test-dev/events", client_id=f"outage-sub-{sig.name}")
    mosquitto.save()  # the subscriber's session is on disk: a SIGKILL must not forget the subscription
    config = MqttConfig(enabled=True, host=mosquitto.host, port=mosquitto.port, reconnect_min_s=1, reconnect_max_s=1)
    produced: list[str] = []
    with MqttSink(config, "test-dev", None, outbox_path=tmp_path / "outbox.db") as sink:

        def produce() -> None:
            for n in range(300):
                event = event_factory(n)
                sink.on_event(event)
                produced.append(event.id)
                time.sleep(0.005)

        producer = threading.Thread(target=produce)
        producer.start()
        assert poll(lambda: len(produced) >= 100, 30.0)
        mosquitto.stop(sig)
        outage_at = len(produced)
        time.sleep(0.6)  # the outage itself (not a wait for a condition)
        mosquitto.start()
        producer.join()
        assert sink.flush(30.0), f"{sink.pending()} events still in the outbox"
        got = sub.wait_for_ids("glimpse/test-dev/events", produced, timeout_s=20.0)
    return counts(produced, got), got, outage_at


def test_broker_killed_and_restarted_mid_stream_loses_nothing(
    mosquitto: Any, subscribe: Any, event_factory: Any, poll: Any, tmp_path: Path
) -> None:
    result, got, outage_at = stream_through_broker_outage(
        mosquitto, subscribe, event_factory, poll, tmp_path, signal.SIGTERM
    )
    print(f"\nbroker SIGTERM after {outage_at} events: {result}")
    assert result["lost"] == 0 and result["delivered"] == 300
    assert in_order(got)


def test_broker_sigkilled_and_restarted_mid_stream_loses_nothing(
    mosquitto: Any, subscribe: Any, event_factory: Any, poll: Any, tmp_path: Path
) -> None:
    """SIGKILL: the broker saves nothing on the way down (persistence on, last save <= 1 s old).

    QoS 1 is at-least-once per hop: our outbox keeps every event the broker has not
    acknowledged and re-sends it after the restart; the broker had already written
    every event it acknowledged to the connected subscriber (max_inflight_messages 0),
    and the subscription itself was saved before the stream, so nothing is lost.
    """
    result, got, outage_at = stream_through_broker_outage(
        mosquitto, subscribe, event_factory, poll, tmp_path, signal.SIGKILL
    )
    print(f"\nbroker SIGKILL after {outage_at} events: {result}")
    assert result["lost"] == 0 and result["delivered"] == 300
    assert in_order(got)


def run_publisher(mosquitto: Any, outbox: Path, script: Path, start: int, count: int, delay: float) -> Any:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, str(script), str(mosquitto.port), str(outbox), str(start), str(count), str(delay)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def write_script(tmp_path: Path) -> Path:
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER.format(repo=str(REPO), here=str(Path(__file__).parent)))
    return script


def test_publisher_sigkilled_mid_stream_delivers_its_outbox_after_restart(
    mosquitto: Any, subscribe: Any, tmp_path: Path
) -> None:
    sub = subscribe("glimpse/test-dev/#", client_id="kill-sub")
    script, outbox = write_script(tmp_path), tmp_path / "outbox.db"
    # the broker goes away first, so the killed publisher holds undelivered events in its outbox
    first = run_publisher(mosquitto, outbox, script, 0, 1000, 0.002)
    produced: list[str] = []
    assert first.stdout is not None
    for line in first.stdout:
        if line.startswith("produced"):
            produced.append(line.split()[1])
        if len(produced) == 50:
            mosquitto.stop()
        if len(produced) == 120:
            break
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    mosquitto.start()
    second = run_publisher(mosquitto, outbox, script, 1000, 5, 0.0)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err[-2000:]
    produced += [line.split()[1] for line in out.splitlines() if line.startswith("produced")]
    got = sub.wait_for_ids("glimpse/test-dev/events", produced, timeout_s=20.0)
    result = counts(produced, got)
    print(f"\npublisher SIGKILL after {len(produced) - 5} events (+5 after restart): {result}")
    assert "flushed True pending=0" in out
    assert result["lost"] == 0
    assert in_order(got)


def test_last_will_shows_offline_when_the_publisher_dies(mosquitto: Any, subscribe: Any, tmp_path: Path) -> None:
    sub = subscribe("glimpse/test-dev/availability", client_id="will-sub")
    proc = run_publisher(mosquitto, tmp_path / "outbox.db", write_script(tmp_path), 0, 10_000, 0.01)
    try:
        assert sub.wait_for("glimpse/test-dev/availability", 1) == [b"online"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        got = sub.wait_for("glimpse/test-dev/availability", 2, timeout_s=10.0)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert got[-1] == b"offline"


# --- the real daemon (`glimpse run`) SIGKILLed mid-stream while the broker is down ---------------------------

DEVICE = "kill-daemon"


def start_daemon(tmp_path: Path, port: int, uri: str, log: Path) -> subprocess.Popen[bytes]:
    """``python -m edge.cli run`` on ``uri``; store, outbox (next to the store) and logs under ``tmp_path``."""
    config = tmp_path / "glimpse.toml"
    config.write_text("")  # not /etc/glimpse/glimpse.toml: the test sets everything it needs
    overrides = {
        "source.uri": uri,
        "store.path": tmp_path / "e.db",
        "logs.dir": tmp_path / "logs",
        "dashboard.enabled": "false",
        "mqtt.enabled": "true",
        "mqtt.host": "127.0.0.1",
        "mqtt.port": port,
        "mqtt.reconnect_max_s": 1,
        "device.id": DEVICE,
    }
    args = [sys.executable, "-m", "edge.cli", "run", "--config", str(config)]
    for key, value in overrides.items():
        args += ["--set", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "GLIMPSE_CONFIG"}
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)


def column(db: Path, sql: str) -> list[Any]:
    """First column of ``sql`` on a SQLite file another process writes ([] while it does not exist yet)."""
    if not db.exists():
        return []
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5.0)) as conn:
            return [row[0] for row in conn.execute(sql)]
    except sqlite3.Error:
        return []  # not created yet: the daemon is still starting


def stored_ids(tmp_path: Path) -> list[str]:
    return [str(i) for i in column(tmp_path / "e.db", "SELECT id FROM events ORDER BY seq")]


def outbox_count(tmp_path: Path) -> int:
    got = column(tmp_path / "outbox.db", "SELECT COUNT(*) FROM outbox")
    return int(got[0]) if got else -1


def stop(proc: subprocess.Popen[bytes], sig: signal.Signals, timeout_s: float = 30.0) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


def test_daemon_sigkilled_mid_stream_delivers_its_outbox_after_restart(
    mosquitto: Any, subscribe: Any, poll: Any, tmp_path: Path
) -> None:
    """`glimpse run` on the synthetic demo clip with the broker down, SIGKILLed after two stored events.

    The store is written before every other sink, so its ids are what the first
    daemon produced; every one must reach the subscriber after the broker and a
    second daemon (same store and outbox, a clip without expressions) start.
    """
    sub = subscribe(f"glimpse/{DEVICE}/events", client_id="daemon-kill-sub")
    mosquitto.stop()  # SIGTERM saves the subscriber's session; the daemon starts with no broker
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_daemon(tmp_path, mosquitto.port, "synthetic:demo?realtime=true", first_log)
    try:
        # two events durable in the outbox, and none stored that the outbox does not hold yet
        stored = poll(
            lambda: len(stored_ids(tmp_path)) >= 2 and outbox_count(tmp_path) == len(stored_ids(tmp_path)), 60
        )
        assert stored, f"daemon stored {stored_ids(tmp_path)!r}; log: {first_log.read_text()[-3000:]}"
        assert first.poll() is None, "the first daemon ended before the kill"
    finally:
        stop(first, signal.SIGKILL)
    produced = stored_ids(tmp_path)
    queued = [str(i) for i in column(tmp_path / "outbox.db", "SELECT event_id FROM outbox ORDER BY seq")]
    unreachable = [
        line for line in first_log.read_text().splitlines() if "MQTT broker" in line and "unreachable" in line
    ]
    mosquitto.start()
    # fps=15: a light clip with no expressions, so the second daemon mostly just delivers the outbox
    second = start_daemon(tmp_path, mosquitto.port, "synthetic:neutral?realtime=true&seconds=120&fps=15", second_log)
    try:
        got = sub.wait_for_ids(f"glimpse/{DEVICE}/events", produced, timeout_s=60.0)
        assert set(produced) <= ids(got), f"second daemon log: {second_log.read_text()[-3000:]}"
        assert poll(lambda: outbox_count(tmp_path) == 0, 30), "acknowledged rows must leave the outbox"
    finally:
        code = stop(second, signal.SIGTERM)
    assert code == 0, second_log.read_text()[-3000:]
    got = [p for p in sub.on(f"glimpse/{DEVICE}/events") if json.loads(p)["id"] in set(produced)]
    result = counts(produced, got)
    print(f"\ndaemon SIGKILL with {len(produced)} stored, {len(queued)} in the outbox (broker down): {result}")
    assert queued == produced, "every stored event was in the outbox at the kill"
    assert result["lost"] == 0 and result["delivered"] == len(produced)
    assert list(dict.fromkeys(json.loads(p)["id"] for p in got)) == produced  # first deliveries in order
    # one warning for the whole outage although the daemon retried every second; a clean stop says what is left
    assert len(unreachable) == 1 and f"127.0.0.1:{mosquitto.port}" in unreachable[0], unreachable
    assert "MQTT closed: every event delivered" in second_log.read_text()


def ids(payloads: list[bytes]) -> set[str]:
    return {str(json.loads(p)["id"]) for p in payloads}
