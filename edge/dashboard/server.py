"""The dashboard server: what each endpoint answers, and the HTTP server's lifecycle.

The HTTP mechanics (routing, login gate, CSRF, static files, SSE) live in
:mod:`edge.dashboard.handler`; this module holds the data the endpoints
return so it can be tested without sockets.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import ThreadingHTTPServer
from typing import Any

from edge.closing import Closeable
from edge.config import GlimpseConfig
from edge.control import Controller
from edge.dashboard import metrics
from edge.dashboard.api import ApiError, settings_view
from edge.dashboard.auth import LoginThrottle, SessionStore, check_hash_format, is_loopback_host
from edge.dashboard.feed import DashboardFeed, StoreTailer
from edge.dashboard.system import ThrottleReader, host_health
from edge.errors import ConfigError, StoreError
from edge.events.model import Event
from edge.events.store import EventQuery, EventStore

logger = logging.getLogger(__name__)

PIPELINE_KEYS = (
    "fps_in",
    "fps_out",
    "dropped_frames",
    "frames_in",
    "frames_analyzed",
    "stage_ms",
    "uptime_s",
    "engine_backend",
    "model",
    "mqtt_connected",
    "paused",
    "face_found_rate",
    "unwritten_events",
    "write_error",
)


class DashboardServer(Closeable):
    """Serves the dashboard, kiosk view, JSON API and /metrics from a background thread.

    Usage (the daemon)::

        feed = DashboardFeed()
        bus = EventBus([..., feed])     # events, state and the daemon's stats reach live browsers
        server = DashboardServer(config, store, controller, feed=feed)
        url = server.start()            # e.g. "http://127.0.0.1:8321/"
        ...
        server.close()

    ``controller`` is None in a standalone dashboard: pause is then shown as
    unavailable. ``tail_store=True`` makes the server watch the store for new
    events itself (what ``glimpse dashboard`` does when the daemon is not running).
    """

    def __init__(
        self,
        config: GlimpseConfig,
        store: EventStore,
        controller: Controller | None,
        *,
        feed: DashboardFeed | None = None,
        tail_store: bool = False,
    ) -> None:
        dash = config.dashboard
        self.config = config
        self.store = store
        self.controller = controller
        self.auth_required = dash.require_login or not is_loopback_host(dash.host)
        if self.auth_required and not dash.password_hash:
            why = "dashboard.require_login is set" if dash.require_login else f"{dash.host!r} is not a loopback address"
            raise ConfigError(
                [f"dashboard.password_hash: not set, but {why}; run `glimpse dashboard hash-password` and set it"]
            )
        if dash.password_hash:
            check_hash_format(dash.password_hash)
        self.loopback_bind = is_loopback_host(dash.host)
        self.sessions = SessionStore(ttl_s=dash.session_ttl_min * 60.0)
        self.throttle = LoginThrottle()
        self.open_csrf = secrets.token_urlsafe(32)  # CSRF token when no login is needed (still blocks cross-site posts)
        self.feed = feed or DashboardFeed(max_clients=dash.max_stream_clients)
        self._tailer = StoreTailer(store, self.feed, dash.poll_interval_s) if tail_store else None
        self._throttle_reader = ThrottleReader()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._store_lock = threading.Lock()
        self.started_monotonic = time.monotonic()
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> str:
        """Bind and serve in a background thread; returns the URL (port 0 picks a free port)."""
        if self._httpd is not None:
            return self.url
        from edge.dashboard.handler import make_http_server  # the handler imports this module

        dash = self.config.dashboard
        try:
            self._httpd = make_http_server(self, dash.host, dash.port)
        except OSError as exc:
            raise ConfigError([f"dashboard.host/port: cannot bind {dash.host!r}:{dash.port!r}: {exc}"]) from exc
        host, port = str(self._httpd.server_address[0]), int(self._httpd.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/"
        if self.feed.last_event is None:
            latest = self._safe(lambda: self.store.query(limit=1), [])
            self.feed.last_event = latest[0] if latest else None
        if self._tailer is not None:
            self._tailer.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="dashboard-http", daemon=True)
        self._thread.start()
        logger.info("dashboard serving on %s (login %s)", self.url, "required" if self.auth_required else "off")
        return self.url

    def close(self) -> None:
        """Stop serving, end live streams and the tailer; idempotent. The store stays open (its owner closes it)."""
        if self._tailer is not None:
            self._tailer.close()
        self.feed.close()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    # -- data for the endpoints ------------------------------------------------------------------------------------

    def _safe(self, fn: Callable[[], Any], default: Any) -> Any:
        try:
            with self._store_lock:
                return fn()
        except (StoreError, OSError) as exc:
            logger.warning("dashboard: %s", exc)
            return default

    def stats(self) -> tuple[bool, dict[str, Any]]:
        """(daemon attached and reporting, the latest stats snapshot it pushed to the feed)."""
        snapshot = dict(self.feed.stats)
        return bool(snapshot), json.loads(json.dumps(snapshot, default=str))

    def stats_body(self) -> dict[str, Any]:
        running, snapshot = self.stats()
        return {"daemon_running": running, **snapshot}

    def health(self) -> dict[str, Any]:
        running, snapshot = self.stats()
        pipeline = {key: snapshot.get(key) for key in PIPELINE_KEYS} if running else None
        return {
            "daemon": "running" if running else "not running",
            "pipeline": pipeline,
            "host": host_health(self.store.path, self._throttle_reader),
            "dashboard": {
                "uptime_s": round(time.monotonic() - self.started_monotonic, 1),
                "live_clients": self.feed.client_count,
                "login_required": self.auth_required,
                "mode": "attached to the daemon" if self._tailer is None else "standalone (reading the store)",
            },
        }

    def paused(self) -> bool | None:
        if self.controller is not None:
            return self.controller.paused
        state = self.feed.state
        return state.paused if state is not None else None

    def state(self) -> dict[str, Any]:
        running, _ = self.stats()
        state = self.feed.state
        last = self.feed.last_event
        return {
            "daemon_running": running or self.controller is not None,
            "state": state.model_dump(mode="json") if state else None,
            "paused": self.paused(),
            "pause_available": self.controller is not None,
            "last_event": last.model_dump(mode="json") if last else None,
        }

    def kiosk(self) -> dict[str, Any]:
        """The minimal view: state word, privacy status and the last event's summary."""
        body = self.state()
        state = body["state"]
        if body["paused"]:
            word = "paused"
        elif state is not None:
            word = state["state"]
        else:
            word = "running" if body["daemon_running"] else "daemon not running"
        body.update(
            device=self.config.device.id,
            status=word,
            face_present=bool(state and state.get("face_present")),
            capturing=bool(state and state.get("capturing")),
        )
        return body

    def control(self, action: str, reason: str = "dashboard") -> dict[str, Any]:
        if self.controller is None:
            raise ApiError(503, "pause unavailable", "standalone dashboard: the daemon is not attached to it")
        if action == "pause":
            self.controller.pause(reason)
        else:
            self.controller.resume(reason)
        return {"paused": self.controller.paused, "action": action}

    def counts(self, query: EventQuery) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            return {
                "total": self.store.count(query),
                "by_kind": self.store.counts_by("kind", query),
                "by_label": self.store.counts_by("label", query),
                "by_hour": self.store.counts_by_hour(query),
            }

        return dict(self._safe(read, {"total": 0, "by_kind": {}, "by_label": {}, "by_hour": {}}))

    def event_list(self, query: EventQuery, limit: int, offset: int) -> list[Event]:
        with self._store_lock:
            return self.store.query(query, limit=limit, offset=offset)

    def events(self, query: EventQuery, limit: int, offset: int) -> dict[str, Any]:
        with self._store_lock:
            events = self.store.query(query, limit=limit, offset=offset)
            total = self.store.count(query)
        return {"events": [e.model_dump(mode="json") for e in events], "total": total, "limit": limit, "offset": offset}

    def settings(self) -> dict[str, Any]:
        return {"settings": settings_view(self.config)}

    def metrics_text(self) -> str:
        running, snapshot = self.stats()
        by_kind: dict[str, dict[str, int]] = {}
        for kind in ("micro", "macro"):
            by_kind[kind] = self._safe(partial(self.store.counts_by, "label", EventQuery(kind=kind)), {})
        return metrics.render(snapshot, running, by_kind, host_health(self.store.path, self._throttle_reader))
