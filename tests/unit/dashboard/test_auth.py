"""Login, sessions, CSRF, bearer tokens and the refusal to serve beyond loopback without a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import validate
from edge.control import Controller
from edge.dashboard.auth import LoginThrottle, SessionStore, hash_password, is_loopback_host, verify_password
from edge.dashboard.server import DashboardServer
from edge.errors import ConfigError
from edge.events.store import EventStore

from .conftest import FAST_HASH, PASSWORD, TOKEN, Client, config_for


def test_hash_roundtrip_and_salting() -> None:
    encoded = hash_password("s3cret", iterations=1000)
    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert verify_password("s3cret", encoded)
    assert not verify_password("s3cret!", encoded)
    assert hash_password("s3cret", iterations=1000) != encoded  # random salt


@pytest.mark.parametrize("bad", ["plaintext", "pbkdf2_sha256$10$AAAA$AAAA", "md5$1000$a$b", "pbkdf2_sha256$x$a$b"])
def test_malformed_hash_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"dashboard\.password_hash"):
        verify_password("x", bad)


def test_empty_password_refused() -> None:
    with pytest.raises(ConfigError):
        hash_password("")


@pytest.mark.parametrize(("host", "loop"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                            ("::", False), ("glimpse.local", False)])  # fmt: skip
def test_loopback_detection(host: str, loop: bool) -> None:
    assert is_loopback_host(host) is loop


def test_sessions_expire() -> None:
    now = [100.0]
    sessions = SessionStore(ttl_s=60, clock=lambda: now[0])
    token, session = sessions.create()
    assert sessions.get(token) == session
    assert sessions.get("forged") is None
    now[0] += 61
    assert sessions.get(token) is None


def test_throttle_blocks_after_failures() -> None:
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("10.0.0.9")
    assert throttle.blocked("10.0.0.9") and not throttle.blocked("10.0.0.8")
    now[0] += 61
    assert not throttle.blocked("10.0.0.9")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_refuses_non_loopback_without_password(tmp_path: Path, host: str) -> None:
    with EventStore(tmp_path / "e.db") as store, pytest.raises(ConfigError, match="password_hash"):
        DashboardServer(validate({"dashboard": {"host": host}}), store, None)


def test_refuses_malformed_hash_at_start(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.db") as store, pytest.raises(ConfigError, match="password_hash"):
        DashboardServer(validate({"dashboard": {"password_hash": "hunter2"}}), store, None)


def _login(client: Client, password: str, next_path: str = "/") -> tuple[int, str]:
    body = f"password={password.replace(' ', '+')}&next={next_path}".encode()
    status, headers, _ = client.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    return status, headers.get("location", "")


def test_login_required_everywhere(locked: DashboardServer) -> None:
    c = Client(locked.url)
    assert c.get_json("/api/events")[0] == 401
    assert c.request("GET", "/metrics")[0] == 401
    status, headers, _ = c.request("GET", "/")
    assert status == 303 and headers["location"].startswith("/login")
    status, _, page = c.request("GET", "/login")
    assert status == 200 and b'name="password"' in page
    assert c.request("GET", "/static/style.css")[0] == 200  # the login page's own style
    assert c.request("GET", "/static/app.js")[0] == 303
    assert c.request("GET", "/kiosk")[0] == 303  # kiosk exemption switched off in this fixture


def test_wrong_password_then_login_sets_strict_cookie(locked: DashboardServer) -> None:
    c = Client(locked.url)
    assert _login(c, "wrong") == (303, "/login?error=1")
    assert "wrong password" in c.request("GET", "/login?error=1")[2].decode().lower()
    assert not c.cookies
    url = Client(locked.url)
    status, headers, _ = url.request(
        "POST", "/login", f"password={PASSWORD.replace(' ', '+')}&next=/%23health".encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 303 and headers["location"] == "/#health"
    cookie = headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Max-Age=28800", "Path=/"):
        assert attribute in cookie
    assert url.get_json("/api/events")[0] == 200


def test_open_redirect_refused(locked: DashboardServer) -> None:
    c = Client(locked.url)
    assert _login(c, PASSWORD, "//evil.example/") == (303, "/")


def test_csrf_tied_to_session(locked: DashboardServer, controller: Controller) -> None:
    alice, bob = Client(locked.url), Client(locked.url)
    _login(alice, PASSWORD)
    _login(bob, PASSWORD)
    assert alice.post_json("/api/control", {"action": "pause"})[0] == 403  # no token
    assert alice.post_json("/api/control", {"action": "pause"}, {"X-CSRF-Token": bob.csrf()})[0] == 403
    assert not controller.paused
    assert alice.post_json("/api/control", {"action": "pause"}, {"X-CSRF-Token": alice.csrf()})[0] == 200
    assert controller.paused


def test_cross_origin_post_refused_even_with_token(locked: DashboardServer, controller: Controller) -> None:
    c = Client(locked.url)
    _login(c, PASSWORD)
    headers = {"X-CSRF-Token": c.csrf(), "Origin": "http://evil.example"}
    assert c.post_json("/api/control", {"action": "pause"}, headers)[0] == 403
    assert not controller.paused


def test_logout_ends_session(locked: DashboardServer) -> None:
    c = Client(locked.url)
    _login(c, PASSWORD)
    token = c.csrf()
    cookie = dict(c.cookies)
    status, _, _ = c.request(
        "POST", "/logout", f"csrf={token}".encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 303
    replay = Client(locked.url, cookies=cookie)
    assert replay.get_json("/api/events")[0] == 401


def test_bearer_token_skips_csrf(locked: DashboardServer, controller: Controller) -> None:
    c = Client(locked.url)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert c.request("GET", "/metrics", headers=auth)[0] == 200
    assert c.post_json("/api/control", {"action": "pause"}, auth)[0] == 200
    assert controller.paused
    assert c.request("GET", "/metrics", headers={"Authorization": "Bearer nope"})[0] == 401
    # the password is for the login form only: it is not a bearer token (no PBKDF2 per API request)
    assert c.request("GET", "/metrics", headers={"Authorization": f"Bearer {PASSWORD}"})[0] == 401


def test_bearer_guesses_are_throttled_before_any_hashing(
    locked: DashboardServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: 50 of 50 wrong bearer guesses got 401, each a PBKDF2 run, and the right token still worked."""
    import edge.dashboard.handler as handler

    hashed: list[str] = []
    real_verify = handler.verify_password
    monkeypatch.setattr(handler, "verify_password", lambda pw, enc: hashed.append(pw) or real_verify(pw, enc))
    c = Client(locked.url)
    statuses = [c.request("GET", "/api/events", headers={"Authorization": f"Bearer guess-{n}"})[0] for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    status, headers, _ = c.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 429 and headers["retry-after"] == "60"  # the right token does not unlock a blocked address
    assert hashed == []  # no password hash was computed for any bearer request
    assert _login(c, PASSWORD) == (303, "/login?error=2")  # one throttle: the form is blocked too
    assert hashed == []  # ... and refused before hashing


def test_form_failures_block_bearer_tokens(locked: DashboardServer) -> None:
    c = Client(locked.url)
    for n in range(5):
        assert _login(c, f"guess {n}") == (303, "/login?error=1")
    assert c.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})[0] == 429


def test_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(max_failures=2, window_s=60, max_clients=100)
    for n in range(1000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
        throttle.blocked(f"10.1.{n // 256}.{n % 256}")  # looking up a client never adds it
    assert len(throttle._failures) <= 101


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/#health", "/#health"),
        ("/api/events?kind=micro", "/api/events?kind=micro"),
        ("/%0d%0aSet-Cookie:%20x=1", "/%0d%0aSet-Cookie:%20x=1"),  # still percent-encoded: one harmless path
        ("/\r\nSet-Cookie: injected=1", "/"),
        ("/\nLocation: //evil.example", "/"),
        ("/\x00", "/"),
        ("/caf\u00e9", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_redirect_targets_are_same_origin_printable_paths(target: str, expected: str) -> None:
    from edge.dashboard.transport import safe_next

    assert safe_next(target) == expected


def raw_request(url: str, request: bytes) -> bytes:
    """Send bytes as they are and return the whole raw response (headers are read unparsed)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_crlf_in_next_sets_no_header(locked: DashboardServer) -> None:
    """The repro: curl --data-urlencode $'next=/\r\nSet-Cookie: injected=1' http://.../login."""
    from urllib.parse import urlencode

    body = urlencode({"password": PASSWORD, "next": "/\r\nSet-Cookie: injected=1"}).encode()
    head = (
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    )
    response = raw_request(locked.url, head + body)
    headers = response.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert headers[0].startswith(b"HTTP/1.0 303")
    assert b"Location: /" in headers
    assert [h for h in headers if h.lower().startswith(b"set-cookie")] == [
        h for h in headers if h.lower().startswith(b"set-cookie: glimpse_session=")
    ]
    assert b"injected" not in response
    c = Client(locked.url)
    status, _, page = c.request("GET", "/login?next=%2F%0D%0ASet-Cookie%3A%20injected%3D1")
    assert status == 200 and b'value="/"' in page


def test_login_throttled_after_repeated_failures(locked: DashboardServer) -> None:
    c = Client(locked.url)
    for _ in range(5):
        _login(c, "guess")
    assert _login(c, PASSWORD) == (303, "/login?error=2")


def test_kiosk_open_to_local_display(tmp_path: Path, store: EventStore) -> None:
    config = config_for(tmp_path, require_login=True, password_hash=FAST_HASH)
    with DashboardServer(config, store, None) as srv:
        c = Client(srv.start())
        assert c.request("GET", "/kiosk")[0] == 200
        assert c.get_json("/api/kiosk")[0] == 200
        assert c.get_json("/api/events")[0] == 401


def test_loopback_without_login_still_needs_csrf(client: Client, controller: Controller) -> None:
    assert client.post_json("/api/control", {"action": "pause"})[0] == 403
    assert client.post_json("/api/control", {"action": "pause"}, {"X-CSRF-Token": "guess"})[0] == 403
    assert not controller.paused
