"""The socket side of the dashboard: a threading HTTP server with a connection cap, and redirect-target rules.

``http.server`` has no limits of its own: this server answers connections
beyond ``max_connections`` with a 503 from the accepting thread (no handler
thread, the socket closed at once), and logs clients that go away at DEBUG
instead of printing a traceback. Per-connection read/write timeouts are set by
the handler (``dashboard.read_timeout_s``).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from edge.dashboard.server import DashboardServer

logger = logging.getLogger(__name__)

PATH_CHARS = re.compile(r"^/[\x21-\x7e]*$")  # printable ASCII, no space, no control characters


def safe_next(target: str) -> str:
    """A same-origin path or "/": no scheme or host, no backslash, nothing a header could be split on."""
    if not PATH_CHARS.match(target) or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def busy_response() -> bytes:
    body = b'{"error": "too many connections", "detail": "try again in a few seconds"}'
    head = (
        "HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class DashboardHTTPServer(ThreadingHTTPServer):
    """A threading server with a connection cap and quiet handling of clients that go away."""

    daemon_threads = True
    request_queue_size = 128  # listen backlog: a burst is accepted and answered (503 past the cap), not SYN-dropped
    app: DashboardServer
    max_connections = 32
    read_timeout_s = 10.0

    def server_activate(self) -> None:
        self._active = 0
        self._slots = threading.Lock()
        self.refused = 0
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._slots:
            full = self._active >= self.max_connections
            if full:
                self.refused += 1
            else:
                self._active += 1
        if not full:
            super().process_request(request, client_address)
            return
        try:  # answered here, without a thread, so a flood cannot exhaust threads or descriptors
            request.settimeout(1.0)
            request.sendall(busy_response())
        except OSError:
            pass
        self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._slots:
                self._active -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            logger.debug("dashboard client %s went away: %s", client_address[0], exc)
        else:
            logger.error("dashboard connection from %s failed: %r", client_address[0], exc)
