"""Password hashing, login sessions, CSRF tokens and login throttling for the dashboard.

Passwords are stored only as PBKDF2-HMAC-SHA256 hashes in the format
``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` (the layout Django and
passlib use), so the iteration count can grow without breaking old hashes.
Iterations follow the OWASP Password Storage Cheat Sheet (600 000 for
PBKDF2-HMAC-SHA256). Sessions live in memory: a restart logs everyone out.

API bearer tokens are not passwords: they are 256-bit random strings, stored
as their SHA-256 and compared in constant time, so checking one costs
microseconds instead of a PBKDF2 run. One :class:`LoginThrottle` guards the
login form and bearer tokens alike and is consulted before any check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# The stored-hash format and the loopback rule are configuration rules: they live with DashboardConfig (the
# config layer imports no stage) and are re-exported here for the server and the handler.
from edge.dashboard.config import MIN_ITERATIONS as MIN_ITERATIONS
from edge.dashboard.config import SCHEME as SCHEME
from edge.dashboard.config import check_hash_format as check_hash_format
from edge.dashboard.config import is_loopback_host as is_loopback_host
from edge.errors import ConfigError

DEFAULT_ITERATIONS = 600_000


def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS) -> str:
    """A salted PBKDF2 hash of ``password`` for ``dashboard.password_hash``."""
    if not password:
        raise ConfigError(["password: got an empty password; expected at least one character"])
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison)."""
    iterations, salt, digest = check_hash_format(encoded)
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(candidate, digest)


def new_api_token() -> tuple[str, str]:
    """A fresh random API token and the SHA-256 hex digest to put in ``dashboard.api_token_sha256``."""
    token = "glm_" + secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, digests: list[str]) -> bool:
    """True when ``token``'s SHA-256 is one of ``digests``; every digest is compared, in constant time."""
    candidate = hashlib.sha256(token.encode("utf-8")).hexdigest().encode("ascii")
    found = False
    for digest in digests:
        found |= hmac.compare_digest(candidate, digest.encode("ascii"))
    return found


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Session:
    """One logged-in browser: its CSRF token and when it expires (monotonic seconds)."""

    csrf: str
    expires: float


class SessionStore:
    """In-memory login sessions keyed by an unguessable cookie value.

    Usage::

        sessions = SessionStore(ttl_s=3600)
        token, session = sessions.create()
        assert sessions.get(token) == session
    """

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def create(self) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(csrf=secrets.token_urlsafe(32), expires=self._clock() + self.ttl_s)
        with self._lock:
            self._purge()
            self._sessions[_digest(token)] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session for a cookie value, or None (expired sessions are dropped)."""
        if not token:
            return None
        with self._lock:
            key = _digest(token)
            session = self._sessions.get(key)
            if session is not None and session.expires <= self._clock():
                del self._sessions[key]
                return None
            return session

    def drop(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(_digest(token), None)

    def _purge(self) -> None:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[key]


def _digest(token: str) -> str:
    # Only hashes of cookie values are kept, so a memory dump does not hand out live sessions.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LoginThrottle:
    """Refuses a client after ``max_failures`` failed authentications (password or token) within ``window_s``.

    Checked before any password hashing or token comparison, so a blocked client costs nothing. At most
    ``max_clients`` addresses are remembered; past that, clients without recent failures are forgotten first.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 4096,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}

    def blocked(self, client: str) -> bool:
        with self._lock:
            recent = self._recent(client)
            return len(recent) >= self.max_failures

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures[client] = [*self._recent(client), self._clock()]
            if len(self._failures) > self.max_clients:
                self._forget()

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> list[float]:
        cutoff = self._clock() - self.window_s
        recent = [t for t in self._failures.get(client, []) if t > cutoff]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)  # only clients with recent failures take memory
        return recent

    def _forget(self) -> None:
        cutoff = self._clock() - self.window_s
        for key in [k for k, times in self._failures.items() if times[-1] <= cutoff]:
            del self._failures[key]
        while len(self._failures) > self.max_clients:  # all recent: the oldest insertion goes first
            del self._failures[next(iter(self._failures))]
