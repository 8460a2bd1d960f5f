"""Assembles and runs the daemon for `glimpse run` and `glimpse demo`.

Source, stages and sinks are built from the configuration; SIGINT/SIGTERM
stop it cleanly (every queued event is delivered before it returns).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from edge.capture.registry import open_source
from edge.config import GlimpseConfig
from edge.control import Controller
from edge.daemon import Daemon, RunSummary
from edge.metrics import Metrics
from edge.sinks.base import Sink
from edge.sinks.registry import build_sinks
from edge.stages import build_analyzer

logger = logging.getLogger(__name__)


def build_daemon(
    config: GlimpseConfig, extra_sinks: Sequence[Sink] = (), controller: Controller | None = None
) -> Daemon:
    """A ready-to-run daemon for ``config`` (nothing is opened yet but the models and the store)."""
    controller = controller or Controller()
    source = open_source(config.source.uri)
    analyzer = build_analyzer(config, config.source.uri, Metrics())
    try:
        sinks = [*build_sinks(config, controller), *extra_sinks]
    except BaseException:
        analyzer.stages.close()
        raise
    return Daemon(config, source, analyzer, sinks, controller=controller)


def run_daemon(daemon: Daemon, on_started: Callable[[Daemon], None] | None = None) -> RunSummary:
    """Run with SIGINT/SIGTERM handlers installed (main thread only)."""
    previous: dict[signal.Signals, object] = {}

    def _stop(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %s: stopping", signal.Signals(signum).name)
        daemon.stop()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _stop)
    try:
        if on_started is not None:
            on_started(daemon)
        return daemon.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
