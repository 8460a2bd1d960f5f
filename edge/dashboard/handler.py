"""HTTP mechanics of the dashboard: routing, the login gate, CSRF, static files and Server-Sent Events.

Security choices (OWASP CSRF and Session Management cheat sheets):
- login is a form post that sets an HttpOnly, SameSite=Strict session cookie
  with a Max-Age; sessions expire server-side too;
- every state-changing request needs the ``X-CSRF-Token`` header (or a
  ``csrf`` form field) tied to the session, and a matching ``Origin`` when the
  browser sends one; a bearer token (the password) skips CSRF because browsers
  never attach it on their own;
- when bound to loopback, the ``Host`` header must be a loopback name, which
  stops DNS-rebinding pages from reading the API;
- a Content-Security-Policy allows only this server's scripts and styles and
  no images or media at all;
- one throttle guards the login form and bearer tokens, consulted before any
  check; redirect targets are same-origin paths of printable ASCII only;
- every read has a timeout (``dashboard.read_timeout_s``: a silent or slow
  client is dropped), at most ``dashboard.max_connections`` are served at once
  (more get a 503 and are closed without a thread), bodies are bounded, and a
  client that goes away is logged at DEBUG, not with a traceback.

``http.server`` is kept rather than uvicorn/Starlette: see docs/dashboard.md
("HTTP server") for the measured cost of each and why.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import json
import logging
import re
import socket
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from edge.dashboard import api
from edge.dashboard.api import ApiError
from edge.dashboard.auth import Session, is_loopback_host, token_matches, verify_password
from edge.dashboard.feed import TooManyClients
from edge.dashboard.openapi import document
from edge.dashboard.server import DashboardServer
from edge.dashboard.transport import PATH_CHARS, DashboardHTTPServer, safe_next

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "glimpse_session"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'none'; "
    "media-src 'none'; font-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGES = {"/": "index.html", "/kiosk": "kiosk.html"}
PUBLIC = {"/login", "/static/style.css", "/favicon.ico"}
KIOSK = {"/kiosk", "/api/kiosk", "/static/kiosk.js", "/static/style.css"}
_STATIC_NAME = re.compile(r"^/static/([a-z0-9_-]{1,64}\.(?:html|js|css))$")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}


def make_http_server(app: DashboardServer, host: str, port: int) -> ThreadingHTTPServer:
    """A bound (not yet serving) HTTP server whose handler answers for ``app``."""
    cls: type[DashboardHTTPServer] = DashboardHTTPServer
    if ":" in host:

        class _V6(DashboardHTTPServer):
            address_family = socket.AF_INET6

        cls = _V6
    httpd = cls((host, port), Handler)
    httpd.app = app
    httpd.max_connections = app.config.dashboard.max_connections
    httpd.read_timeout_s = app.config.dashboard.read_timeout_s
    return httpd


class Handler(BaseHTTPRequestHandler):
    """One request. ``server.app`` is the :class:`DashboardServer` being served."""

    server: DashboardHTTPServer
    server_version = "glimpse-dashboard"
    sys_version = ""

    # -- plumbing --------------------------------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout_s)  # every read and write of this connection

    @property
    def app(self) -> DashboardServer:
        return self.server.app

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body, default=str).encode("utf-8"), "application/json", headers)

    def _error(self, err: ApiError) -> None:
        self._json(err.status, err.body(), {"Retry-After": "60"} if err.status == 429 else None)

    def _redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        if not PATH_CHARS.match(location):  # never let a value split the header (CRLF injection)
            raise ApiError(400, "bad redirect target", location[:64])
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": location, **(headers or {})})

    def _static(self, name: str) -> None:
        path = STATIC / name
        if not path.is_file():
            raise ApiError(404, "not found", self.path)
        body = path.read_bytes()
        if name == "login.html":
            body = body.replace(b"{{error}}", html.escape(self._login_error()).encode("utf-8"))
            body = body.replace(b"{{next}}", html.escape(self._login_next(), quote=True).encode("utf-8"))
        self._send(200, body, _TYPES[path.suffix])

    # -- gatekeeping -----------------------------------------------------------------------------------------------

    def _host_ok(self) -> bool:
        if not self.app.loopback_bind:
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
        return is_loopback_host(name)

    def _cookie(self) -> str | None:
        try:
            jar = SimpleCookie(self.headers.get("Cookie") or "")
        except CookieError:
            return None
        morsel = jar.get(COOKIE)
        return morsel.value if morsel else None

    def _session(self) -> Session | None:
        return self.app.sessions.get(self._cookie())

    def _bearer_ok(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        tokens = self.app.config.dashboard.api_token_sha256
        return scheme.lower() == "bearer" and bool(token) and token_matches(token.strip(), tokens)

    def _authorize(self, path: str) -> tuple[bool, bool]:
        """(may proceed, authenticated by bearer token); answers the request itself when refusing."""
        if not self.app.auth_required or path in PUBLIC:
            return True, False
        client = self.client_address[0]
        peer_is_local = is_loopback_host(client)
        if path in KIOSK and self.app.config.dashboard.kiosk_loopback_without_login and peer_is_local:
            return True, False
        header = self.headers.get("Authorization")
        if header is not None:
            if self.app.throttle.blocked(client):  # before any check: a blocked client costs nothing
                raise ApiError(429, "too many failed attempts", "wait a minute before trying again")
            if self._bearer_ok(header):
                return True, True
            self._failed("wrong bearer token", client)
            raise ApiError(401, "wrong token", "send 'Authorization: Bearer <token>' with a token from new-token")
        if self._session() is not None:
            return True, False
        if path.startswith("/api/") or path == "/metrics":
            self._json(401, {"error": "login required", "detail": "log in at /login or send 'Authorization: Bearer'"})
        else:
            self._redirect("/login?next=" + quote(path))
        return False, False

    def _failed(self, what: str, client: str) -> None:
        """Count a failure; one WARNING when it blocks the address (a guessing flood must not flood the journal)."""
        throttle = self.app.throttle
        throttle.failed(client)
        if throttle.blocked(client):
            logger.warning("dashboard: %s from %s; address blocked for %.0f s", what, client, throttle.window_s)
        else:
            logger.info("dashboard: %s from %s", what, client)

    def _csrf_ok(self, form_token: str | None = None) -> bool:
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc != (self.headers.get("Host") or ""):
            return False
        session = self._session()
        expected = session.csrf if session is not None else (None if self.app.auth_required else self.app.open_csrf)
        given = self.headers.get("X-CSRF-Token") or form_token
        return bool(expected and given and hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")))

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise ApiError(411, "length required", "send a Content-Length header")
        if int(length) > api.MAX_BODY_BYTES:
            raise ApiError(413, "body too large", f"{int(length)} bytes; expected at most {api.MAX_BODY_BYTES}")
        body = self.rfile.read(int(length))  # a client that sends less times out (read_timeout_s)
        if len(body) < int(length):
            raise ApiError(400, "incomplete body", f"{len(body)} of {int(length)} bytes")
        return body

    # -- dispatch --------------------------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self._dispatch(self._get)

    def do_POST(self) -> None:
        self._dispatch(self._post)

    def do_PUT(self) -> None:
        self._json(405, {"error": "method not allowed", "detail": "use GET or POST"}, {"Allow": "GET, POST"})

    do_DELETE = do_PATCH = do_PUT

    def _dispatch(self, route: Any) -> None:
        url = urlsplit(self.path)
        try:
            if not self._host_ok():
                raise ApiError(421, "unexpected Host header", "this dashboard answers only to loopback names")
            ok, bearer = self._authorize(url.path)
            if ok:
                route(url.path, parse_qs(url.query, keep_blank_values=True), bearer)
        except ApiError as err:
            self._error(err)
        except (ConnectionError, TimeoutError) as exc:  # the client went away or stalled
            self.close_connection = True
            logger.debug("dashboard request %s ended: %r", url.path, exc)
            if isinstance(exc, TimeoutError):
                with contextlib.suppress(OSError):
                    self._json(408, {"error": "request timeout", "detail": "the body did not arrive in time"})
        except Exception as exc:  # one bad request must not kill the server thread
            logger.exception("dashboard request %s failed", self.path)
            self._json(500, {"error": "internal error", "detail": type(exc).__name__})

    def _get(self, path: str, params: dict[str, list[str]], bearer: bool) -> None:
        app = self.app
        if path in PAGES:
            return self._static(PAGES[path])
        if path == "/login":
            return self._static("login.html") if app.auth_required else self._redirect("/")
        match = _STATIC_NAME.match(path)
        if match:
            return self._static(match.group(1))
        if path == "/favicon.ico":
            return self._send(204, b"", "text/plain")
        if path in ("/api/events", "/api/events.json", "/api/events.csv"):
            return self._events(path, params)
        if path == "/api/stream":
            return self._stream()
        if path == "/metrics":
            return self._send(200, app.metrics_text().encode("utf-8"), "text/plain; version=0.0.4; charset=utf-8")
        simple = {
            "/api/openapi.json": document,
            "/api/stats": app.stats_body,
            "/api/health": app.health,
            "/api/state": app.state,
            "/api/kiosk": app.kiosk,
            "/api/config": app.settings,
            "/api/session": self._session_info,
        }
        if path == "/api/counts":
            api.check_known(params, api.COUNT_PARAMS)
            return self._json(200, app.counts(api.parse_filters(params)))
        if path not in simple:
            raise ApiError(404, "not found", f"{path!r}; see /api/openapi.json")
        api.check_known(params, ())
        return self._json(200, simple[path]())

    def _session_info(self) -> dict[str, Any]:
        session = self._session()
        csrf = session.csrf if session else (None if self.app.auth_required else self.app.open_csrf)
        return {"login_required": self.app.auth_required, "csrf": csrf, "pause_available": bool(self.app.controller)}

    def _events(self, path: str, params: dict[str, list[str]]) -> None:
        export = path != "/api/events"
        page = api.parse_event_page(params, api.EXPORT_LIMIT if export else api.PAGE_LIMIT)
        if path == "/api/events.csv":
            csv_text = api.events_csv(self.app.event_list(page.query, page.limit, page.offset))
            disposition = 'attachment; filename="glimpse-events.csv"'
            return self._send(
                200, csv_text.encode("utf-8"), "text/csv; charset=utf-8", {"Content-Disposition": disposition}
            )
        body = self.app.events(page.query, page.limit, page.offset)
        if path == "/api/events.json":
            return self._json(200, body, {"Content-Disposition": 'attachment; filename="glimpse-events.json"'})
        return self._json(200, body)

    def _post(self, path: str, params: dict[str, list[str]], bearer: bool) -> None:
        if path == "/login":
            return self._login()
        if path not in ("/api/control", "/logout"):
            raise ApiError(404 if path not in PAGES else 405, "not found", f"no POST endpoint {path!r}")
        form: dict[str, list[str]] = {}
        raw = self._body()
        if path == "/logout":
            form = parse_qs(raw.decode("utf-8", "replace"))
        if not bearer and not self._csrf_ok(next(iter(form.get("csrf") or []), None)):
            raise ApiError(403, "CSRF check failed", "send the X-CSRF-Token header from GET /api/session")
        if path == "/logout":
            self.app.sessions.drop(self._cookie())
            return self._redirect("/login", {"Set-Cookie": f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"})
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ApiError(415, "unsupported media type", f"Content-Type {ctype!r}; expected 'application/json'")
        request = api.parse_control(raw)
        self._json(200, self.app.control(request.action))

    # -- login and live stream -------------------------------------------------------------------------------------

    def _login_next(self) -> str:
        target = (parse_qs(urlsplit(self.path).query).get("next") or ["/"])[0]
        return safe_next(target)

    def _login_error(self) -> str:
        query = parse_qs(urlsplit(self.path).query)
        messages = {"1": "Wrong password.", "2": "Too many attempts; wait a minute.", "3": "Session expired."}
        return messages.get((query.get("error") or [""])[0], "")

    def _login(self) -> None:
        app = self.app
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc != (self.headers.get("Host") or ""):
            raise ApiError(403, "cross-origin login refused", origin)
        form = parse_qs(self._body().decode("utf-8", "replace"))
        target = safe_next((form.get("next") or ["/"])[0])
        client = self.client_address[0]
        if app.throttle.blocked(client):
            return self._redirect("/login?error=2")
        secret = app.config.dashboard.password_hash or ""
        if not secret or not verify_password((form.get("password") or [""])[0], secret):
            self._failed("failed login", client)
            return self._redirect("/login?error=1")
        app.throttle.succeeded(client)
        token, _ = app.sessions.create()
        max_age = int(app.sessions.ttl_s)
        cookie = f"{COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict"
        self._redirect(target, {"Set-Cookie": cookie})

    def _stream(self) -> None:
        try:
            sub = self.app.feed.subscribe()
        except TooManyClients as exc:
            raise ApiError(503, "too many live clients", str(exc)) from None
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            hello = json.dumps(self.app.state(), default=str)
            self.wfile.write(f"retry: 2000\nevent: hello\ndata: {hello}\n\n".encode())
            self.wfile.flush()
            while (message := sub.next(timeout_s=15.0)) is not None:
                name, data = message
                chunk = ": ping\n\n" if name == "ping" else f"event: {name}\ndata: {data}\n\n"
                self.wfile.write(chunk.encode("utf-8"))
                self.wfile.flush()
        finally:
            self.app.feed.unsubscribe(sub)
