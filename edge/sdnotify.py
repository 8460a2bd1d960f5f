"""A small systemd ``sd_notify`` client and a frame-driven watchdog feeder.

The protocol is a datagram of ``KEY=VALUE`` lines sent to the AF_UNIX socket
named by ``$NOTIFY_SOCKET`` (a path, or an abstract socket when it starts with
``@``); see sd_notify(3). Outside systemd the variable is unset and every call
is a no-op, so the daemon never asks ``if systemd:``.

Usage::

    notifier = SdNotifier.from_environ()
    feeder = WatchdogFeeder.from_environ(notifier)
    notifier.ready("analysing picamera2:0")
    while running:
        ...
        feeder.frame_analyzed()   # per analysed frame (cheap: sets a flag)
        feeder.tick()             # periodically; pings only if frames flowed
    notifier.stopping()
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

from edge.closing import Closeable

logger = logging.getLogger(__name__)


def _address(notify_socket: str) -> str:
    # sd_notify(3): a leading '@' names a socket in the abstract namespace (a NUL byte).
    return "\0" + notify_socket[1:] if notify_socket.startswith("@") else notify_socket


class SdNotifier(Closeable):
    """Sends state changes to systemd; a no-op when ``$NOTIFY_SOCKET`` is unset.

    Failures to send are logged, never raised: losing a status line must not
    stop analysis (a missed ``WATCHDOG=1`` is what the watchdog is for).
    """

    def __init__(self, notify_socket: str | None) -> None:
        self._address = _address(notify_socket) if notify_socket else None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> SdNotifier:
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET") or None)

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *fields: str) -> bool:
        """Send ``KEY=VALUE`` fields in one datagram; True when it was sent."""
        if self._address is None or not fields:
            return False
        payload = "\n".join(fields).encode("utf-8")
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.sendto(payload, self._address)
            except OSError as exc:
                logger.warning("sd_notify to %r failed: %s", self._address.replace("\0", "@"), exc)
                return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """``READY=1``: startup finished (Type=notify units leave 'activating')."""
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        """``STATUS=``: one line shown by ``systemctl status``."""
        return self.notify(f"STATUS={text.splitlines()[0] if text else ''}")

    def watchdog(self) -> bool:
        """``WATCHDOG=1``: the service is alive (see :class:`WatchdogFeeder`)."""
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        """``STOPPING=1``: shutdown began."""
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        """Close the socket; idempotent."""
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def watchdog_interval_s(environ: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """Half of ``$WATCHDOG_USEC`` in seconds, or None when no watchdog applies to this process.

    sd_watchdog_enabled(3): ignore the variables when ``$WATCHDOG_PID`` names another process.
    """
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    owner = env.get("WATCHDOG_PID", "")
    if owner and owner.isdigit() and int(owner) != (os.getpid() if pid is None else pid):
        return None
    if not usec.isdigit() or int(usec) == 0:
        return None
    return int(usec) / 2e6


class WatchdogFeeder:
    """Pings the systemd watchdog only while frames really flow through analysis.

    ``frame_analyzed()`` is called per analysed frame; ``tick()`` is called
    periodically (more often than ``interval_s``) and sends ``WATCHDOG=1`` when
    at least ``interval_s`` passed since the last ping *and* a frame was
    analysed since then. A stuck camera or analysis thread therefore starves
    the watchdog and systemd restarts the service. While the privacy pause
    holds (``set_paused(True)``) no frames flow on purpose, so pings continue.
    """

    def __init__(
        self,
        notifier: SdNotifier,
        interval_s: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier = notifier
        self.interval_s = interval_s
        self._clock = clock
        self._frames = False
        self._paused = False
        self._last_ping = clock()
        self.pings = 0

    @classmethod
    def from_environ(cls, notifier: SdNotifier, environ: Mapping[str, str] | None = None) -> WatchdogFeeder:
        return cls(notifier, watchdog_interval_s(environ))

    @property
    def enabled(self) -> bool:
        return self.interval_s is not None and self._notifier.enabled

    def frame_analyzed(self) -> None:
        """Record that a frame went through analysis (a flag; safe from any thread)."""
        self._frames = True

    def set_paused(self, paused: bool) -> None:
        """Privacy pause: keep pinging although no frames flow."""
        self._paused = paused

    def tick(self) -> bool:
        """Send ``WATCHDOG=1`` if it is due and deserved; True when sent."""
        if self.interval_s is None:
            return False
        now = self._clock()
        if now - self._last_ping < self.interval_s:
            return False
        if not (self._frames or self._paused):
            return False
        self._frames = False
        self._last_ping = now
        sent = self._notifier.watchdog()
        self.pings += int(sent)
        return sent
