"""sd_notify against a real AF_UNIX datagram socket (path and abstract)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.sdnotify import SdNotifier, WatchdogFeeder, watchdog_interval_s


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify")
    sock.bind(path)
    sock.settimeout(2.0)
    yield sock, path
    sock.close()


def _recv(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_ready_status_watchdog_stopping_arrive_as_datagrams(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    with SdNotifier.from_environ({"NOTIFY_SOCKET": path}) as notifier:
        assert notifier.enabled
        assert notifier.ready("analysing picamera2:0")
        assert _recv(sock) == ["READY=1", "STATUS=analysing picamera2:0"]
        assert notifier.status("fps 90.0\nsecond line dropped")
        assert _recv(sock) == ["STATUS=fps 90.0"]
        assert notifier.watchdog()
        assert _recv(sock) == ["WATCHDOG=1"]
        assert notifier.stopping()
        assert _recv(sock) == ["STOPPING=1"]


def test_abstract_socket_with_at_prefix() -> None:
    name = f"glimpse-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2.0)
    try:
        notifier = SdNotifier(f"@{name}")
        assert notifier.ready()
        assert _recv(sock) == ["READY=1"]
        notifier.close()
        notifier.close()  # idempotent
    finally:
        sock.close()


def test_unset_socket_is_a_no_op() -> None:
    notifier = SdNotifier.from_environ({})
    assert not notifier.enabled
    assert notifier.ready() is False
    assert notifier.watchdog() is False


def test_vanished_socket_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    notifier = SdNotifier(str(tmp_path / "gone"))
    assert notifier.watchdog() is False
    assert "sd_notify" in caplog.text


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "10000000"}, 5.0),
        ({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "123"}, 5.0),
        ({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "999"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "junk"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_usec(env: dict[str, str], expected: float | None) -> None:
    assert watchdog_interval_s(env, pid=123) == expected


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_feeder_pings_only_when_frames_flowed(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    clock = FakeClock()
    feeder = WatchdogFeeder(SdNotifier(path), interval_s=5.0, clock=clock)
    sock.settimeout(0.05)

    clock.now += 1.0
    feeder.frame_analyzed()
    assert feeder.tick() is False  # not due yet
    clock.now += 5.0
    assert feeder.tick() is True  # due and a frame was analysed
    assert _recv(sock) == ["WATCHDOG=1"]

    clock.now += 6.0
    assert feeder.tick() is False  # due, but no frame since the last ping: starve
    with pytest.raises(TimeoutError):
        sock.recv(4096)

    feeder.frame_analyzed()
    assert feeder.tick() is True
    assert _recv(sock) == ["WATCHDOG=1"]
    assert feeder.pings == 2


def test_feeder_keeps_pinging_while_privacy_paused(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    clock = FakeClock()
    feeder = WatchdogFeeder(SdNotifier(path), interval_s=1.0, clock=clock)
    feeder.set_paused(True)
    clock.now += 1.5
    assert feeder.tick() is True
    assert _recv(sock) == ["WATCHDOG=1"]
    feeder.set_paused(False)
    clock.now += 1.5
    assert feeder.tick() is False


def test_feeder_without_watchdog_never_pings(listener: tuple[socket.socket, str]) -> None:
    _, path = listener
    feeder = WatchdogFeeder.from_environ(SdNotifier(path), {})
    feeder.frame_analyzed()
    assert not feeder.enabled
    assert feeder.tick() is False
