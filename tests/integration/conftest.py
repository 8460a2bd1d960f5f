"""Shared fixtures for integration tests: a real Mosquitto on 127.0.0.1.

Mosquitto comes from apt (``mosquitto`` and ``mosquitto-clients``); tests that
need it skip, saying so, when the binary is absent.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

import edge.config  # noqa: F401  (section modules import edge.config.base, which needs edge.config first)


def wait_until(condition: Callable[[], object], timeout_s: float) -> bool:
    """Poll ``condition()`` every 20 ms until it is truthy or ``timeout_s`` passes; whether it became truthy."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return bool(condition())
        time.sleep(0.02)
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mosquitto:
    """One broker process on a free port; ``stop()``/``start()`` simulate an outage on the same port.

    Persistence is on (in ``workdir``, saved every second, on SIGTERM and on
    :meth:`save`), so a persistent subscriber session and its queued QoS 1
    messages survive a restart, as on a real broker; a SIGKILL loses what
    changed since the last save. ``max_inflight_messages 0`` lets the broker
    write every accepted message to a connected subscriber at once instead of
    queueing it in memory behind 20 unacknowledged ones.
    """

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.host = "127.0.0.1"
        self.log_path = workdir / "mosquitto.log"
        self.conf_path = workdir / "mosquitto.conf"
        self.conf_path.write_text(
            "\n".join(
                [
                    f"listener {self.port} 127.0.0.1",
                    "allow_anonymous true",
                    "persistence true",
                    f"persistence_location {workdir}/",
                    "autosave_interval 1",
                    "user root" if os.geteuid() == 0 else "",
                    "max_queued_messages 100000",
                    "max_inflight_messages 0",
                    "log_type error",
                    "log_type warning",
                ]
            )
            + "\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([self.binary, "-c", str(self.conf_path)], stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout_s} s")

    @property
    def db_path(self) -> Path:
        return self.workdir / "mosquitto.db"

    def save(self, timeout_s: float = 10.0) -> None:
        """Make the broker write its persistence file now (SIGUSR1) and wait until it has."""
        assert self.proc is not None and self.proc.poll() is None, "broker not running"
        before = self._db_stamp()
        self.proc.send_signal(signal.SIGUSR1)
        # mosquitto writes mosquitto.db.new and renames it: a new inode or mtime means a complete save
        if not wait_until(lambda: self._db_stamp() not in (before, None), timeout_s):
            raise RuntimeError(f"mosquitto did not save {self.db_path} within {timeout_s} s")

    def _db_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.db_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the broker (SIGTERM saves its persistence file; SIGKILL does not)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A running Mosquitto on 127.0.0.1:<free port>, stopped after the test."""
    binary = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).is_file()), None
    )
    if binary is None:
        pytest.skip("mosquitto not installed (apt-get install mosquitto mosquitto-clients)")
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Mosquitto(binary, workdir)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


class Subscriber:
    """A paho subscriber with a persistent session that records every message (survives broker restarts)."""

    def __init__(self, broker: Mosquitto, topic: str, client_id: str = "test-subscriber") -> None:
        import threading

        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion

        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._topic = topic
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self.client.reconnect_delay_set(1, 1)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port, keepalive=5)
        self.client.loop_start()
        assert self._subscribed.wait(5), "subscriber did not subscribe"

    def _on_message(self, client: object, userdata: object, msg: object) -> None:
        with self._lock:
            self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain)))  # type: ignore[attr-defined]

    def on(self, topic: str) -> list[bytes]:
        with self._lock:
            return [p for t, p, _ in self.messages if t == topic]

    def wait_for(self, topic: str, count: int, timeout_s: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = self.on(topic)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.on(topic)

    def wait_for_ids(self, topic: str, ids: Iterable[str], timeout_s: float = 20.0) -> list[bytes]:
        """Payloads on ``topic`` once every id in ``ids`` arrived (JSON ``id``), or at the timeout.

        Waits on the ids, not on a message count: duplicates (at-least-once) would
        let a count be reached while some id is still on its way.
        """
        import json

        wanted = set(ids)
        wait_until(lambda: wanted <= {json.loads(p).get("id") for p in self.on(topic)}, timeout_s)
        return self.on(topic)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscribe(mosquitto: Mosquitto) -> Iterator[object]:
    """``subscribe(topic_filter, client_id=...) -> Subscriber``; every subscriber is closed after the test."""
    made: list[Subscriber] = []

    def _make(topic: str, client_id: str = "test-subscriber") -> Subscriber:
        sub = Subscriber(mosquitto, topic, client_id)
        made.append(sub)
        return sub

    yield _make
    for sub in made:
        sub.close()


def make_event(n: int, device: str = "test-dev", label: str = "negative") -> object:
    """A valid Event with id ``ev-<n>`` (payload of a few hundred bytes)."""
    from datetime import datetime, timezone

    from edge.events.model import ActionUnit, Emotion, EngineInfo, Event

    now = datetime.now(timezone.utc)
    return Event(
        id=f"ev-{n:06d}",
        device=device,
        source="test",
        kind="micro",
        onset=now,
        apex=now,
        offset=now,
        onset_ns=n * 1000,
        apex_ns=n * 1000 + 10,
        offset_ns=n * 1000 + 20,
        onset_frame=n + 1,
        apex_frame=n + 2,
        offset_frame=n + 3,
        duration_ms=180.0,
        emotion=Emotion(label=label, scores={"negative": 0.71, "positive": 0.1, "surprise": 0.19}),
        action_units=[ActionUnit(au=4, name="Brow Lowerer", p=0.8), ActionUnit(au=7, name="Lid Tightener", p=0.6)],
        regions=["brows", "eyes"],
        confidence=0.64,
        track=1,
        engine=EngineInfo(backend="onnxruntime", model="test", sha256=""),
        latency_ms=12.0,
    )


@pytest.fixture
def poll() -> Callable[[Callable[[], object], float], bool]:
    """``poll(condition, timeout_s)``: :func:`wait_until` for test modules (wait on conditions, not sleeps)."""
    return wait_until


@pytest.fixture
def event_factory() -> object:
    return make_event
