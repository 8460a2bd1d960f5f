"""Privacy invariants (DESIGN section 6) on the full pipeline with every sink enabled.

The daemon runs a real clip (and the synthetic demo clip, which contains
micro-expressions, so events flow) with the JSONL log, the SQLite store,
MQTT to a real Mosquitto, GPIO on gpiozero's MockFactory, the journal lines
and a recording sink. The test then inspects everything: what every sink
received, every file under the state and log directories, and every message
the broker saw (a '#' subscriber). None may contain image data: no arrays,
no bytes, no long base64 runs, no image file signatures, bounded sizes.
A privacy pause must stop capture within one frame period and show on the
LEDs and in the retained MQTT state.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from edge.config import GlimpseConfig, validate
from edge.events.model import DeviceState, Event
from edge.sinks.base import SinkBase

from tests_support import CLIPS

pytestmark = pytest.mark.integration

BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{160,}={0,2}")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"data:image", b"GIF89a", b"BM6")
MAX_PAYLOAD = 16_384  # bytes per event, state, stats or MQTT message; a 640x360 gray frame is 230,400
MAX_LIST = 256  # a landmark array is 468 points; the longest legitimate list is stats' score history
CAMERA_LED, RGB, PAUSE_BUTTON = 17, [22, 23, 24], 27


class RecordingSink(SinkBase):
    """Keeps every object the daemon handed to sinks."""

    name = "recorder"

    def __init__(self) -> None:
        self.items: list[object] = []
        self.events: list[Event] = []
        self.states: list[DeviceState] = []

    def on_event(self, event: Event) -> None:
        self.items.append(event)
        self.events.append(event)

    def on_state(self, state: DeviceState) -> None:
        self.items.append(state)
        self.states.append(state)

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        self.items.append(dict(stats))


def check_value(value: object, where: str) -> None:
    """Recursively: only JSON-like scalars, short strings, short lists; no arrays or bytes."""
    if isinstance(value, (Event, DeviceState)):
        check_value(value.model_dump(mode="json"), where)
        assert len(value.model_dump_json()) <= MAX_PAYLOAD, f"{where}: payload too large"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_value(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        assert len(value) <= MAX_LIST, f"{where}: list of {len(value)} items"
        for i, item in enumerate(value):
            check_value(item, f"{where}[{i}]")
    elif isinstance(value, str):
        assert len(value) <= 2048 and not BASE64_RUN.search(value.encode()), f"{where}: long/base64 string"
    else:
        assert value is None or isinstance(value, (bool, int, float)), f"{where}: {type(value).__name__} is not data"


def check_bytes(data: bytes, where: str) -> None:
    assert not BASE64_RUN.search(data), f"{where}: base64-like run"
    for magic in IMAGE_MAGIC:
        assert magic not in data, f"{where}: image signature {magic!r}"


def check_sqlite(path: Path) -> None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table!r})")]
            for column in columns:
                blobs, longest = db.execute(
                    f'SELECT SUM(typeof("{column}") = \'blob\'), MAX(length("{column}")) FROM "{table}"'
                ).fetchone()
                assert not blobs, f"{path.name}:{table}.{column} holds BLOBs"
                assert (longest or 0) <= MAX_PAYLOAD, f"{path.name}:{table}.{column} holds {longest} bytes"


def check_tree(root: Path) -> int:
    total = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        total += len(data)
        check_bytes(data, str(path))
        if path.suffix == ".db":
            check_sqlite(path)
        if path.name.startswith("events.jsonl"):
            for line in data.decode().splitlines():
                assert len(line) <= MAX_PAYLOAD
                check_value(Event.model_validate_json(line), path.name)
    return total


def make_config(tmp_path: Path, uri: str, port: int) -> GlimpseConfig:
    return validate(
        {
            "device": {"id": "privacy"},
            "source": {"uri": uri},
            "store": {"path": str(tmp_path / "state" / "events.db")},
            "logs": {"dir": str(tmp_path / "logs"), "max_bytes": 4096, "backups": 3},
            "mqtt": {"enabled": True, "port": port, "reconnect_max_s": 1, "stats_interval_s": 0.1},
            "bus": {"stats_interval_s": 0.2},
            "gpio": {
                "enabled": True,
                "camera_led_pin": CAMERA_LED,
                "rgb_pins": RGB,
                "pause_button_pin": PAUSE_BUTTON,
                "bounce_time_ms": 0,
            },
        }
    )


@pytest.fixture
def daemon_factory(monkeypatch: pytest.MonkeyPatch) -> Any:
    """build_daemon (real models, real sinks) with GPIO on a MockFactory."""
    gpiozero = pytest.importorskip("gpiozero")
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from edge.service import build_daemon

    factory = MockFactory(pin_class=MockPWMPin)
    monkeypatch.setattr(gpiozero.Device, "pin_factory", factory)

    def make(config: GlimpseConfig, recorder: RecordingSink) -> Any:
        return build_daemon(config, extra_sinks=[recorder])

    yield make, factory
    factory.reset()


def run_in_thread(daemon: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.update(summary=daemon.run()), daemon=True)
    thread.start()
    return thread, out


def wait_until(predicate: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def inspect_everything(tmp_path: Path, recorder: RecordingSink, sniffer: Any) -> dict[str, int]:
    for i, item in enumerate(recorder.items):
        check_value(item, f"sink item {i}")
    for topic, payload, _ in sniffer.messages:
        assert len(payload) <= MAX_PAYLOAD, f"{topic}: {len(payload)} bytes"
        check_bytes(payload, topic)
        if payload[:1] in (b"{", b"["):
            check_value(json.loads(payload), topic)
        if topic.endswith("/events"):
            Event.model_validate_json(payload)
    files = check_tree(tmp_path / "state") + check_tree(tmp_path / "logs")
    return {"sink_items": len(recorder.items), "mqtt_messages": len(sniffer.messages), "file_bytes": files}


def test_real_clip_privacy_and_pause(tmp_path: Path, mosquitto: Any, subscribe: Any, daemon_factory: Any) -> None:
    clip = CLIPS / "single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"clip {clip} absent (set GLIMPSE_CLIPS)")
    make, pins = daemon_factory
    sniffer = subscribe("#", client_id="sniffer")
    recorder = RecordingSink()
    daemon = make(make_config(tmp_path, f"file:{clip}?realtime=true", mosquitto.port), recorder)
    frame_period_s = 1 / 30
    thread, out = run_in_thread(daemon)
    assert wait_until(lambda: daemon.metrics.fps_in.total >= 15, 10.0)
    assert wait_until(lambda: pins.pin(CAMERA_LED).state == 1), "camera LED must be on while frames are analysed"
    pressed = time.monotonic()
    pins.pin(PAUSE_BUTTON).drive_low()  # the privacy button
    at_pause = daemon.metrics.fps_in.total
    assert daemon.controller.paused
    assert wait_until(lambda: pins.pin(CAMERA_LED).state == 0, 1.0), "camera LED still on after pause"
    led_off_ms = (time.monotonic() - pressed) * 1000
    time.sleep(10 * frame_period_s)
    after = daemon.metrics.fps_in.total
    assert after - at_pause <= 1, f"{after - at_pause} frames captured after the pause"
    assert pins.pin(RGB[2]).state == 1, "pause colour (blue) not shown"
    states = sniffer.wait_for("glimpse/privacy/state", 1)
    assert wait_until(lambda: json.loads(sniffer.on("glimpse/privacy/state")[-1])["paused"] is True, 3.0)
    pins.pin(PAUSE_BUTTON).drive_high()
    pins.pin(PAUSE_BUTTON).drive_low()  # resume
    assert wait_until(lambda: pins.pin(CAMERA_LED).state == 1, 1.0)
    thread.join(30)
    assert not thread.is_alive() and out["summary"].error is None
    assert pins.pin(CAMERA_LED).state == 0, "camera LED must go off when the source ends"
    assert states
    counts = inspect_everything(tmp_path, recorder, sniffer)
    print(f"\nreal clip: {counts}, frames after pause {after - at_pause}, LED off {led_off_ms:.1f} ms after press")
    assert any(s.paused for s in recorder.states) and recorder.states[-1].state in ("stopped", "error")


def test_synthetic_events_carry_no_image_data(
    tmp_path: Path, mosquitto: Any, subscribe: Any, daemon_factory: Any
) -> None:
    make, _ = daemon_factory
    sniffer = subscribe("#", client_id="sniffer")
    recorder = RecordingSink()
    daemon = make(make_config(tmp_path, "synthetic:demo?realtime=false", mosquitto.port), recorder)
    thread, _out = run_in_thread(daemon)
    wait_until(lambda: len(recorder.events) >= 2, 30.0)
    daemon.stop()
    thread.join(30)
    assert not thread.is_alive()
    assert recorder.events, "the demo clip should produce events"
    events = sniffer.wait_for("glimpse/privacy/events", len(recorder.events))
    assert {json.loads(p)["id"] for p in events} == {e.id for e in recorder.events}
    counts = inspect_everything(tmp_path, recorder, sniffer)
    print(f"\nsynthetic: {counts}, events {len(recorder.events)}")


def test_the_checks_catch_image_data(tmp_path: Path) -> None:
    """The inspectors above must fail on what they guard against (else the privacy test proves nothing)."""
    import base64

    import numpy as np

    frame = np.zeros((360, 640), dtype=np.uint8)
    for bad in (frame, {"crop": frame.tobytes()}, {"landmarks": [[0.0, 0.0, 0.0]] * 468}):
        with pytest.raises(AssertionError):
            check_value(bad, "bad")
    with pytest.raises(AssertionError, match="base64"):
        check_value({"thumb": base64.b64encode(frame[:8].tobytes()).decode()}, "bad")
    with pytest.raises(AssertionError, match="signature"):
        check_bytes(b"prefix \xff\xd8\xff\xe0 jpeg", "bad")
    db = tmp_path / "x.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (a)")
        conn.execute("INSERT INTO t VALUES (?)", (b"\x00\x01",))
    with pytest.raises(AssertionError, match="BLOB"):
        check_sqlite(db)
