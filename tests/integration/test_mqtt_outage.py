"""Outages against a real Mosquitto: broker restart mid-stream, publisher SIGKILL + restart, last will.

Each test prints its counts (produced, delivered, duplicated, lost); run with
``-s`` to see them. Consumers de-duplicate by event id, so duplicates are
allowed (at-least-once) but losses are not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
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


def test_broker_killed_and_restarted_mid_stream_loses_nothing(
    mosquitto: Any, subscribe: Any, event_factory: Any, tmp_path: Path
) -> None:
    sub = subscribe("glimpse/test-dev/events", client_id="outage-sub")
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
        while len(produced) < 100:
            time.sleep(0.005)
        mosquitto.stop(signal.SIGTERM)
        outage_at = len(produced)
        time.sleep(0.6)
        mosquitto.start()
        producer.join()
        assert sink.flush(20.0), f"{sink.pending()} events still in the outbox"
        got = sub.wait_for("glimpse/test-dev/events", 300, timeout_s=10.0)
    result = counts(produced, got)
    print(f"\nbroker outage after {outage_at} events: {result}")
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
    got = sub.wait_for("glimpse/test-dev/events", len(produced), timeout_s=10.0)
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
