"""Assembles and runs the daemon for `glimpse run` and `glimpse demo`.

Source, stages and sinks are built from the configuration; SIGINT/SIGTERM
stop it cleanly (every queued event is delivered before it returns). Under
systemd (``Type=notify``) it reports READY once frames flow, STATUS every few
seconds, and feeds the watchdog only while frames are really analysed.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from edge.capture.base import FrameSource
from edge.capture.registry import configured_uri, is_camera, open_source, source_label
from edge.capture.resilient import ResilientSource
from edge.config import GlimpseConfig
from edge.control import Controller
from edge.daemon import Daemon, RunSummary
from edge.metrics import Metrics
from edge.sdnotify import SdNotifier, WatchdogFeeder
from edge.sinks.base import Sink
from edge.sinks.registry import build_sinks, open_store
from edge.sinks.status import SinkStatus
from edge.stages import build_analyzer

if TYPE_CHECKING:
    from edge.dashboard.server import DashboardServer

logger = logging.getLogger(__name__)


def build_daemon(
    config: GlimpseConfig, extra_sinks: Sequence[Sink] = (), controller: Controller | None = None
) -> Daemon:
    """A ready-to-run daemon for ``config`` (nothing is opened yet but the models and the store).

    The event store is opened once, here: its sink writes to it and the
    dashboard (when ``dashboard.enabled``) reads it; the dashboard's feed is
    one of the bus's sinks from the start.
    """
    controller = controller or Controller()
    source = open_camera_or_source(config)
    analyzer = build_analyzer(config, source_label(config.source.uri), Metrics())
    try:
        store = open_store(config)
        sink_status = SinkStatus()
        sinks = build_sinks(config, controller, store, status=sink_status)
    except BaseException:
        analyzer.close()
        raise
    feed = None
    if config.dashboard.enabled:
        from edge.dashboard.feed import DashboardFeed

        feed = DashboardFeed(max_clients=config.dashboard.max_stream_clients)
        sinks.append(feed)
    # Files and generated clips are analysed frame by frame (the capture thread waits); cameras drop the oldest.
    lossless = not is_camera(config.source.uri)
    return Daemon(
        config,
        source,
        analyzer,
        [*sinks, *extra_sinks],
        controller=controller,
        lossless=lossless,
        store=store,
        dashboard_feed=feed,
        sink_status=sink_status,
    )


def open_camera_or_source(config: GlimpseConfig) -> FrameSource:
    """The configured source; cameras get the configured size and rate and reopen after failures."""
    uri = configured_uri(config.source)
    if not is_camera(uri):
        return open_source(uri)
    return ResilientSource(
        lambda: open_source(uri),
        reopen_backoff_s=config.capture.reopen_backoff_s,
        stall_timeout_s=config.capture.stall_timeout_s,
        scheme=uri.partition(":")[0],
    )


class SystemdReporter:
    """READY on the first analysed frame (or at once when paused), STATUS and WATCHDOG on a timer."""

    def __init__(self, daemon: Daemon, notifier: SdNotifier, period_s: float = 1.0) -> None:
        self.daemon = daemon
        self.notifier = notifier
        self._stats: Mapping[str, Any] = {}  # the latest snapshot the daemon's stats timer pushed
        self.feeder = WatchdogFeeder.from_environ(notifier)
        self._ready = threading.Event()
        self._period_s = period_s
        self._thread = threading.Thread(target=self._loop, name="glimpse-sdnotify", daemon=True)
        daemon.add_frame_listener(self._on_frame)
        daemon.add_stats_listener(self._on_stats)
        daemon.controller.subscribe(lambda paused, reason: self.feeder.set_paused(paused))
        self.feeder.set_paused(daemon.controller.paused)

    def _on_frame(self) -> None:
        self.feeder.frame_analyzed()
        if not self._ready.is_set():
            self._ready.set()

    def _on_stats(self, stats: Mapping[str, Any]) -> None:
        self._stats = stats

    def start(self) -> None:
        if self.notifier.enabled:
            self._thread.start()

    def _loop(self) -> None:
        sent_ready = False
        last_status = 0.0
        tick_s = min(self._period_s, (self.feeder.interval_s or self._period_s) / 4)
        while not self.daemon.stopping:
            if not sent_ready and (self._ready.is_set() or self.daemon.controller.paused):
                sent_ready = self.notifier.ready("analysing")
            self.feeder.tick()
            now = time.monotonic()
            stats = self._stats
            if now - last_status >= 5.0 and stats:
                last_status = now
                self.notifier.status(
                    f"{stats['state']}: {stats['fps_out']:.0f} fps, {stats['events_total']} events, "
                    f"{stats['dropped_frames']} dropped"
                )
            time.sleep(tick_s)

    def stop(self) -> None:
        self.notifier.stopping("shutting down")
        self.notifier.close()


def attach_dashboard(daemon: Daemon) -> DashboardServer | None:
    """Serve the dashboard on the daemon's store, feed and controller (built with it); return it started."""
    if daemon.store is None or daemon.dashboard_feed is None:
        return None
    from edge.dashboard.server import DashboardServer

    server = DashboardServer(daemon.config, daemon.store, daemon.controller, feed=daemon.dashboard_feed)
    url = server.start()
    logger.info("dashboard on %s (no video or images are served)", url)
    daemon.dashboard_url = url
    return server


def run_daemon(
    daemon: Daemon, on_started: Callable[[Daemon], None] | None = None, *, dashboard: bool = False
) -> RunSummary:
    """Run with SIGINT/SIGTERM handlers installed (main thread only) and systemd notifications."""
    previous: dict[signal.Signals, object] = {}

    def _stop(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %s: stopping", signal.Signals(signum).name)
        daemon.stop()

    try:
        server = attach_dashboard(daemon) if dashboard else None
    except BaseException:
        daemon.bus.close()  # nothing ran yet: release the sinks and the models
        daemon.analyzer.close()
        raise
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _stop)
    reporter = SystemdReporter(daemon, SdNotifier.from_environ())
    reporter.start()
    try:
        if on_started is not None:
            on_started(daemon)
        return daemon.run()
    finally:
        daemon.stop()
        reporter.stop()
        if server is not None:
            server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
