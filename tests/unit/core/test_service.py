"""systemd notification from a running daemon, over a real datagram socket."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from edge.sdnotify import SdNotifier
from edge.service import SystemdReporter, run_daemon

from pipeline_fakes import ListSource, make_daemon


def test_ready_status_and_watchdog_while_frames_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # ping every 0.1 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    daemon, _ = make_daemon(ListSource(10_000, delay_s=0.002), every=10_000, ring=1000)
    threading.Timer(0.8, daemon.stop).start()
    run_daemon(daemon)
    messages = []
    while True:
        try:
            messages.append(server.recv(4096).decode())
        except TimeoutError:
            break
    server.close()
    assert any("READY=1" in m for m in messages)
    assert sum("WATCHDOG=1" in m for m in messages) >= 3
    assert any(m.startswith("STATUS=") or "\nSTATUS=" in m for m in messages)
    assert "STOPPING=1" in messages[-1]


def test_no_watchdog_when_frames_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    daemon, _ = make_daemon(ListSource(0), every=10)
    reporter = SystemdReporter(daemon, SdNotifier.from_environ())
    time.sleep(0.06)
    assert reporter.feeder.tick() is False  # due, but no frame was analysed: starve the watchdog
    for listener in daemon._frame_listeners:
        listener()  # what the analysis thread does after each frame
    assert reporter.feeder.tick() is True
    assert server.recv(64) == b"WATCHDOG=1"
    server.close()
