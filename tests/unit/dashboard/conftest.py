"""Fixtures for the dashboard tests: a real store, a real server on 127.0.0.1 and an HTTP client."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from edge.config import GlimpseConfig, validate
from edge.control import Controller
from edge.dashboard.auth import hash_password, new_api_token
from edge.dashboard.server import DashboardServer
from edge.events.model import ActionUnit, Emotion, EngineInfo, Event
from edge.events.store import EventStore

PASSWORD = "correct horse battery staple"
FAST_HASH = hash_password(PASSWORD, iterations=1000)  # fast for tests; production uses 600 000
TOKEN, TOKEN_SHA256 = new_api_token()


def make_event(n: int, *, kind: str = "micro", label: str = "positive", onset: datetime | None = None) -> Event:
    start = onset or datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc) + timedelta(minutes=n)
    scores = {"negative": 0.1, "positive": 0.1, "surprise": 0.1, label: 0.8}
    return Event(
        id=f"ev-{n:04d}",
        device="test",
        source="synthetic:test",
        kind=kind,  # type: ignore[arg-type]
        onset=start,
        apex=start + timedelta(milliseconds=100),
        offset=start + timedelta(milliseconds=240),
        onset_ns=n * 10**9,
        apex_ns=n * 10**9 + 10**8,
        offset_ns=n * 10**9 + 24 * 10**7,
        onset_frame=n * 100 + 1,
        apex_frame=n * 100 + 21,
        offset_frame=n * 100 + 49,
        duration_ms=240.0,
        emotion=Emotion(label=label, scores=scores),
        action_units=[
            ActionUnit(au=12, name="Lip corner puller", p=0.81),
            ActionUnit(au=6, name="Cheek raiser", p=0.4),
        ],
        regions=["mouth"],
        confidence=0.7,
        track=1,
        engine=EngineInfo(backend="onnxruntime", model="glimpse-me", sha256="abc"),
        latency_ms=35.0,
    )


@dataclass
class Client:
    """A tiny HTTP client that keeps cookies (one session)."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        res = conn.getresponse()
        data = res.read()
        got = {k.lower(): v for k, v in res.getheaders()}
        if "set-cookie" in got:
            name, _, rest = got["set-cookie"].partition("=")
            value = rest.split(";")[0]
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        conn.close()
        return res.status, got, data

    def get_json(self, path: str) -> tuple[int, Any]:
        status, _, data = self.request("GET", path)
        return status, json.loads(data)

    def post_json(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        status, _, data = self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})
        return status, json.loads(data)

    def csrf(self) -> str:
        return str(self.get_json("/api/session")[1]["csrf"])


def config_for(tmp_path: Path, **dashboard: Any) -> GlimpseConfig:
    return validate({"store": {"path": str(tmp_path / "events.db")}, "dashboard": {"port": 0, **dashboard}})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore(tmp_path / "events.db") as s:
        for n in range(6):
            s.add(
                make_event(
                    n, kind="micro" if n % 2 == 0 else "macro", label=["positive", "negative", "surprise"][n % 3]
                )
            )
        yield s


@pytest.fixture
def controller() -> Controller:
    return Controller()


@pytest.fixture
def server(tmp_path: Path, store: EventStore, controller: Controller) -> Iterator[DashboardServer]:
    stats = {
        "fps_in": 90.0,
        "fps_out": 89.5,
        "dropped_frames": 3,
        "stage_ms": {"face": {"p50": 1.0, "p95": 2.0, "p99": 3.0}},
        "uptime_s": 12.0,
        "engine_backend": "onnxruntime",
        "model": "glimpse-me",
        "mqtt_connected": None,
        "paused": False,
        "face_found_rate": 0.9,
        "score_history": [[1714564800.0, 0.2]],
    }
    with DashboardServer(config_for(tmp_path), store, controller) as srv:
        srv.feed.on_stats(stats)  # what the daemon's stats timer pushes through the bus
        srv.start()
        yield srv


@pytest.fixture
def client(server: DashboardServer) -> Client:
    return Client(server.url)


@pytest.fixture
def locked(tmp_path: Path, store: EventStore, controller: Controller) -> Iterator[DashboardServer]:
    """A server that demands login (as if bound beyond loopback) while listening on 127.0.0.1."""
    config = config_for(
        tmp_path,
        require_login=True,
        password_hash=FAST_HASH,
        api_token_sha256=[TOKEN_SHA256],
        kiosk_loopback_without_login=False,
    )
    with DashboardServer(config, store, controller) as srv:
        srv.start()
        yield srv
