"""`glimpse dashboard` as a real process, and `hash-password`."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from edge.cli import main
from edge.dashboard import cli
from edge.dashboard.auth import verify_password
from edge.events.store import EventStore

from .conftest import make_event

SERVE = (
    "import sys; from edge.dashboard.cli import register; import argparse;"
    "p = argparse.ArgumentParser(); register(p.add_subparsers());"
    "a = p.parse_args(['dashboard', *sys.argv[1:]]); sys.exit(a.func(a))"
)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    return parser.parse_args(["dashboard", *argv])


def test_hash_password_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("pa55word\n"))
    args = _parse("hash-password", "--stdin")
    assert args.func(args) == 0
    encoded = capsys.readouterr().out.strip()
    assert verify_password("pa55word", encoded)


def test_new_token_prints_a_random_token_and_its_digest(capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    from edge.dashboard.auth import token_matches

    args = _parse("new-token")
    assert args.func(args) == 0
    first = capsys.readouterr()
    assert args.func(args) == 0
    second = capsys.readouterr()
    token = first.out.strip()
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert f'api_token_sha256 = ["{digest}"]' in first.err
    assert token_matches(token, ["0" * 64, digest]) and not token_matches(token + "x", [digest])
    assert second.out.strip() != token and len(token) >= 40


def test_missing_store_is_runtime_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse("--set", f"store.path={tmp_path / 'none.db'}")
    assert args.func(args) == 1
    assert "no event store" in capsys.readouterr().err


def test_public_bind_without_password_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    EventStore(tmp_path / "e.db").close()
    code = main(["dashboard", "--set", f"store.path={tmp_path / 'e.db'}", "--set", "dashboard.host=0.0.0.0"])
    assert code == 2  # the server's ConfigError, mapped by edge.cli
    assert "password_hash" in capsys.readouterr().err


def test_standalone_serves_store_and_tails_it(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    with EventStore(db) as writer:
        writer.add(make_event(1))
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--set", f"store.path={db}", "--set", "dashboard.port=0",
             "--set", "dashboard.poll_interval_s=0.1"],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "GLIMPSE_CONFIG": ""},
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
            assert url.startswith("http://127.0.0.1:")
            health = json.load(urllib.request.urlopen(url + "api/health", timeout=5))
            assert health["daemon"] == "not running"
            writer.add(make_event(2))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                kiosk = json.load(urllib.request.urlopen(url + "api/kiosk", timeout=5))
                if kiosk["last_event"]["id"] == "ev-0002":
                    break
                time.sleep(0.1)
            assert kiosk["last_event"]["id"] == "ev-0002"
            assert kiosk["pause_available"] is False
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0


def test_a_flood_of_idle_connections_under_a_64_descriptor_limit_leaves_it_reachable(tmp_path: Path) -> None:
    """Issue 15: under a 64-fd limit, 52 idle connections made the dashboard unreachable (`Too many open files`)."""
    import resource
    import socket

    db = tmp_path / "e.db"
    EventStore(db).close()

    def limit_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "--set", f"store.path={db}", "--set", "dashboard.port=0"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "GLIMPSE_CONFIG": ""}, preexec_fn=limit_descriptors,
    )  # fmt: skip
    held: list[socket.socket] = []
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(100)]
        with pytest.raises(urllib.error.HTTPError) as refused:  # 32 idle ones hold every slot: refused at once
            urllib.request.urlopen(url + "api/health", timeout=10)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "5"
        for sock in held:  # the idle clients leave (or time out): the dashboard answers again
            sock.close()
        held = []
        assert wait_for_health(url)["daemon"] == "not running"
    finally:
        for sock in held:
            sock.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def wait_for_health(url: str, timeout_s: float = 10.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return dict(json.load(urllib.request.urlopen(url + "api/health", timeout=5)))
        except urllib.error.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
