"""The real dashboard server against idle, slow, greedy and careless clients (issue 15, item 4)."""

from __future__ import annotations

import json
import logging
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from edge.control import Controller
from edge.dashboard.server import DashboardServer
from edge.events.store import EventStore

from .conftest import Client, config_for

TIMEOUT_S = 0.5


@pytest.fixture
def tight(tmp_path: Path, store: EventStore, controller: Controller) -> Iterator[DashboardServer]:
    """A server with a short read timeout and room for 8 connections (4 of them live streams)."""
    config = config_for(tmp_path, read_timeout_s=TIMEOUT_S, max_connections=8, max_stream_clients=4)
    with DashboardServer(config, store, controller) as srv:
        srv.feed.on_stats({"fps_in": 1.0})
        srv.start()
        yield srv


def connect(server: DashboardServer) -> socket.socket:
    url = urlsplit(server.url)
    return socket.create_connection((url.hostname, url.port), timeout=10)


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def open_stream(server: DashboardServer) -> socket.socket:
    """A live-update connection, returned once its hello event arrived."""
    sock = connect(server)
    sock.sendall(b"GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = b""
    while b"event: hello" not in got:
        chunk = sock.recv(65536)
        assert chunk, f"stream closed after {got!r}"
        got += chunk
    return sock


def test_idle_connections_are_dropped_and_the_cap_answers_503(tight: DashboardServer) -> None:
    idle = [connect(tight) for _ in range(8)]
    extra = [connect(tight) for _ in range(20)]  # beyond the cap: answered at once, no thread, then closed
    for sock in extra:
        response = read_all(sock)
        assert response.startswith(b"HTTP/1.0 503") and b"Retry-After: 5" in response
        sock.close()
    # the idle ones said nothing: each is closed by the server after read_timeout_s (recv returns b"")
    assert [read_all(sock) for sock in idle] == [b""] * 8
    for sock in idle:
        sock.close()
    status, body = Client(tight.url).get_json("/api/health")
    assert status == 200 and body["dashboard"]["login_required"] is False


def test_a_slow_request_line_is_dropped(tight: DashboardServer) -> None:
    sock = connect(tight)
    sock.sendall(b"GET /api/hea")  # and then nothing (slowloris)
    assert read_all(sock) == b""
    sock.close()


def test_a_body_shorter_than_declared_gets_408(tight: DashboardServer) -> None:
    csrf = Client(tight.url).csrf()
    sock = connect(tight)
    sock.sendall(
        b"POST /api/control HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"X-CSRF-Token: " + csrf.encode() + b"\r\nContent-Length: 100\r\n\r\n" + b'{"action": '
    )
    response = read_all(sock)
    sock.close()
    assert response.startswith(b"HTTP/1.0 408")


def test_live_streams_count_against_the_cap(tight: DashboardServer) -> None:
    streams = [open_stream(tight) for _ in range(4)]
    status, _, _ = Client(tight.url).request("GET", "/api/stream")
    assert status == 503  # max_stream_clients reached, the API itself still answers
    assert Client(tight.url).get_json("/api/state")[0] == 200
    for sock in streams:
        sock.close()


def test_clients_that_go_away_log_no_traceback(
    tight: DashboardServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            sock = open_stream(tight)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not FIN
            sock.close()
        for n in range(50):  # the server writes into the reset connections until it notices
            tight.feed.on_stats({"fps_in": float(n)})
        for _ in range(3):
            sock = connect(tight)
            sock.sendall(b"GET /api/events.csv?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        assert Client(tight.url).get_json("/api/health")[0] == 200
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    assert "Traceback" not in capfd.readouterr().err  # socketserver's default handle_error prints one to stderr


BAD_INPUTS: list[tuple[str, str, bytes | None]] = [
    ("GET", "/api/events?since=0001-01-01T00:00:00%2B01:00", None),
    ("GET", "/api/events?until=9999-12-31T23:59:59-01:00", None),
    ("GET", "/api/counts?since=0001-01-01T00:30:00%2B05:00", None),
    ("GET", "/api/counts?until=9999-12-31T23:00:00-05:00", None),
    ("GET", "/api/events.csv?since=0001-01-01T00:00:00%2B14:00", None),
    ("GET", "/api/events.json?until=9999-12-31T23:59:59-12:00", None),
    ("GET", "/static/" + "a" * 5000 + ".js", None),
    ("GET", "/static/" + "b" * 5000 + ".css", None),
    ("GET", "/api/events?limit=" + "9" * 5000, None),
    ("GET", "/api/events?since=" + "1" * 5000, None),
    ("GET", "/api/events?since=2024-01-01T00:00:00%2B25:00", None),
    ("POST", "/api/control", b"[" * 2000 + b"]" * 2000),
    ("POST", "/api/control", b'{"action": ' + b"[" * 1900 + b"]" * 1900 + b"}"),
    ("POST", "/api/control", b'{"a": ' * 800 + b"1" + b"}" * 800),
    ("POST", "/api/control", b"\xff\xfe"),
    ("POST", "/api/control", b"9" * 4000),
    ("POST", "/api/control", b"x" * 5000),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_bad_input_gets_4xx_not_500(
    server: DashboardServer, method: str, path: str, body: bytes | None, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(server.url)
    headers: dict[str, Any] = {}
    if method == "POST":
        headers = {"Content-Type": "application/json", "X-CSRF-Token": client.csrf()}
    with caplog.at_level(logging.ERROR):
        status, _, data = client.request(method, path, body, headers)
    assert 400 <= status < 500, data[:200]
    if data:
        assert set(json.loads(data)) == {"error", "detail"}
    assert not caplog.records


def test_non_ascii_csrf_token_is_refused_not_crashed(server: DashboardServer) -> None:
    client = Client(server.url)
    status, _ = client.post_json("/api/control", {"action": "pause"}, {"X-CSRF-Token": "caf\u00e9"})
    assert status == 403
