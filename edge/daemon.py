"""The daemon: capture thread -> bounded ring -> analysis thread -> event bus -> sinks.

The capture thread never blocks on analysis: frames go into a bounded ring
and, when analysis falls behind, the oldest frame is dropped and counted.
The analysis thread runs the :class:`~edge.pipeline.Analyzer`; events go to
the :class:`~edge.sinks.bus.EventBus`, whose own thread feeds the sinks. A
stats timer publishes the daemon's stats snapshot to the bus (and to stats
listeners such as the systemd reporter) every ``bus.stats_interval_s``: the
daemon pushes its data, nobody calls back into it from another thread.
SIGINT/SIGTERM stop capture, drain the ring, flush the spotter and deliver
every event before the daemon returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from edge.capture.base import Frame, FrameSource
from edge.config import GlimpseConfig
from edge.control import Controller
from edge.errors import GlimpseError
from edge.events.model import DeviceState, Event
from edge.pipeline import Analyzer
from edge.sinks.backlog import DurableSink
from edge.sinks.base import Sink
from edge.sinks.bus import EventBus
from edge.sinks.status import SinkStatus

if TYPE_CHECKING:
    from edge.dashboard.feed import DashboardFeed
    from edge.events.store import EventStore

logger = logging.getLogger(__name__)


#: A run summary keeps this many of the latest events (counts cover all of them): a daemon runs for months.
RECENT_EVENTS = 1000


@dataclass
class RunSummary:
    """What one run did (printed by the demo, analyze and bench).

    Memory stays bounded however long the run: ``events`` holds only the latest ``RECENT_EVENTS``, while
    ``events_total`` and ``events_by_kind`` count every event.
    """

    frames_in: int = 0
    frames_analyzed: int = 0
    dropped_frames: int = 0
    ring_dropped: int = 0
    events: deque[Event] = field(default_factory=lambda: deque(maxlen=RECENT_EVENTS))
    events_total: int = 0
    events_by_kind: dict[str, int] = field(default_factory=dict)
    #: events the track or the input cut short: logged, never counted (see ``bus.truncated``)
    truncated: deque[Event] = field(default_factory=lambda: deque(maxlen=RECENT_EVENTS))
    truncated_total: int = 0
    wall_s: float = 0.0
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def add_event(self, event: Event) -> None:
        """Count an event; a truncated one is kept apart and never counted."""
        if event.truncated:
            self.truncated.append(event)
            self.truncated_total += 1
            return
        self.events.append(event)
        self.events_total += 1
        self.events_by_kind[event.kind] = self.events_by_kind.get(event.kind, 0) + 1


class FrameRing:
    """A bounded FIFO of frames.

    Live (``lossless=False``): a full ring drops its oldest frame and counts it, so capture never waits.
    Lossless (files, the fast demo): a full ring makes the producer wait until analysis takes a frame
    or ``abort`` is set, so every frame is analysed and results do not depend on machine speed.
    """

    def __init__(self, capacity: int, *, lossless: bool = False, abort: threading.Event | None = None) -> None:
        self._frames: deque[tuple[Frame, int]] = deque()
        self._capacity = capacity
        self._lossless = lossless
        self._abort = abort or threading.Event()
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        with self._cond:
            while len(self._frames) >= self._capacity:
                if not self._lossless:
                    self._frames.popleft()
                    self.dropped += 1
                    break
                if self._abort.is_set() or self._closed:
                    return
                self._cond.wait(0.05)
            self._frames.append((frame, time.monotonic_ns()))
            self._cond.notify_all()

    def get(self, timeout_s: float = 0.1) -> tuple[Frame, int] | None:
        """The oldest frame and its arrival time; None on timeout or when closed and empty."""
        with self._cond:
            if not self._frames and not self._closed:
                self._cond.wait(timeout_s)
            if not self._frames:
                return None
            item = self._frames.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def drained(self) -> bool:
        with self._cond:
            return self._closed and not self._frames


class ScoreHistory:
    """The spotting score over the last minutes, as the maximum per time bucket (peaks survive).

    Frame rate independent: 240 buckets of 1.25 s cover the dashboard timeline's 5 minutes at 30 or 200 fps, within the
    size the privacy tests allow for a stats list.
    """

    def __init__(self, bucket_s: float = 1.25, buckets: int = 240) -> None:
        self._bucket_s = bucket_s
        self._points: deque[list[float]] = deque(maxlen=buckets)

    def add(self, t: float, score: float) -> None:
        start = t - t % self._bucket_s
        if self._points and self._points[-1][0] == start:
            self._points[-1][1] = max(self._points[-1][1], score)
        else:
            self._points.append([start, score])

    def points(self) -> list[list[float]]:
        return [[round(t, 3), round(s, 4)] for t, s in list(self._points)]


class Daemon:
    """Runs one source through the analyzer into the sinks until the source ends or :meth:`stop`.

    Usage::

        daemon = Daemon(config, source, analyzer, sinks)
        summary = daemon.run()

    ``store`` and ``dashboard_feed`` are the event store and the dashboard's
    sink when the caller built them (the dashboard is served on both); the
    feed must already be one of ``sinks``. ``sink_status`` is where the sinks
    push their status (MQTT's ``mqtt_connected``); every stats snapshot
    carries it, with the engine's backend and model.
    """

    def __init__(
        self,
        config: GlimpseConfig,
        source: FrameSource,
        analyzer: Analyzer,
        sinks: Sequence[Sink],
        *,
        controller: Controller | None = None,
        on_frame: Callable[[], None] | None = None,
        lossless: bool = False,
        store: EventStore | None = None,
        dashboard_feed: DashboardFeed | None = None,
        sink_status: SinkStatus | None = None,
    ) -> None:
        self.config = config
        self.source = source
        self.analyzer = analyzer
        self.metrics = analyzer.metrics
        self.controller = controller or Controller()
        self._stop = threading.Event()
        self.ring = FrameRing(config.capture.ring_frames, lossless=lossless, abort=self._stop)
        self.bus = EventBus(sinks, queue_size=config.bus.queue_size, truncated=config.bus.truncated)
        self.store = store
        self.dashboard_feed = dashboard_feed
        self.sink_status = sink_status or SinkStatus()
        engine = analyzer.stages.engine  # fixed once the stages are built
        self._engine = {"engine_backend": engine.backend, "model": engine.model, "model_sha256": engine.sha256}
        self.dashboard_url: str | None = None
        self._frame_listeners: list[Callable[[], None]] = [on_frame] if on_frame else []
        self._stats_listeners: list[Callable[[Mapping[str, Any]], None]] = []
        self._stats_done = threading.Event()
        self._face_present = False
        self._state_lock = threading.Lock()
        self._reset_pending = threading.Event()
        self._capture_done = threading.Event()
        self._summary = RunSummary()
        self._state = "starting"
        self._last_event_id: str | None = None
        self._score_history = ScoreHistory()
        self.controller.subscribe(self._on_pause)

    # -- public -------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask every thread to finish (safe from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def add_frame_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` on the analysis thread after every analysed frame (keep it cheap)."""
        self._frame_listeners.append(listener)

    def add_stats_listener(self, listener: Callable[[Mapping[str, Any]], None]) -> None:
        """Call ``listener(snapshot)`` on the stats timer's thread with every stats snapshot (keep it cheap)."""
        self._stats_listeners.append(listener)

    def run(self) -> RunSummary:
        """Block until the source ends or :meth:`stop`; deliver every event; return a summary."""
        t0 = time.monotonic()
        self.bus.start()
        capture = threading.Thread(target=self._capture_loop, name="glimpse-capture", daemon=True)
        analysis = threading.Thread(target=self._analysis_loop, name="glimpse-analysis", daemon=True)
        timer = threading.Thread(target=self._stats_loop, name="glimpse-stats", daemon=True)
        self._publish_state("starting", "start")  # "running" (camera active) once the source has opened
        capture.start()
        analysis.start()
        timer.start()
        try:
            while analysis.is_alive():
                analysis.join(0.2)
        except KeyboardInterrupt:
            self.stop()
            analysis.join()
        capture.join(5.0)
        self._stats_done.set()
        timer.join(5.0)
        self._summary.wall_s = time.monotonic() - t0
        self._publish_state("error" if self._summary.error else "stopped", "shutdown")
        self._summary.stats = self.stats()
        self.bus.close()
        self.analyzer.close()
        return self._summary

    def stats(self) -> dict[str, Any]:
        """The metrics snapshot the sinks and the dashboard show."""
        snap = self.metrics.snapshot()
        snap.update(
            dropped_frames=self.source.dropped_frames + self.ring.dropped,
            source_dropped=self.source.dropped_frames,
            ring_dropped=self.ring.dropped,
            paused=self.controller.paused,
            state=self._state,
            face_found_rate=round(self.analyzer.face_found_rate, 4),
            events_total=self.bus.events_published,
            events_dropped=self.bus.events_dropped,
            camera=dict(self.source.stats),
            **self._engine,
            **self.sink_status.snapshot(),
            **self._write_backlog(),
            score_history=self._score_history.points(),
        )
        return snap

    def _write_backlog(self) -> dict[str, Any]:
        """Events each durable sink holds in memory because its disk refused them, and the reason."""
        backlogs = [sink.backlog for sink in self.bus.sinks if isinstance(sink, DurableSink)]
        errors = [f"{b.sink}: {b.cause}" for b in backlogs if b.cause is not None]
        return {
            "unwritten_events": {b.sink: b.pending for b in backlogs},
            "write_error": "; ".join(errors) or None,
        }

    # -- threads ------------------------------------------------------------------------
    def _capture_loop(self) -> None:
        try:
            self.source.open()
            self._publish_state("running" if not self.controller.paused else "paused", "source opened")
            live = self.source.live
            while not self._stop.is_set():
                if self.controller.paused:
                    self._hold_paused(live)
                    continue
                frame = self.source.read()
                if frame is None:
                    break
                self.metrics.fps_in.tick()
                self.ring.put(frame)
        except GlimpseError as exc:  # a source that cannot open or read, a camera library that is missing
            logger.error("capture stopped: %s", exc)
            self._summary.error = str(exc)
        except Exception as exc:
            logger.exception("capture crashed")
            self._summary.error = f"capture crashed: {exc}"
        finally:
            self.ring.close()
            self.source.close()
            self._capture_done.set()

    def _hold_paused(self, live: bool) -> None:
        """Privacy pause: a camera is closed (its light goes off) until resume; a file just waits."""
        if live:
            self.source.close()
        while self.controller.paused and not self._stop.is_set():
            self._stop.wait(0.005)
        if live and not self._stop.is_set():
            self.source.open()

    def _analysis_loop(self) -> None:
        try:
            while not self.ring.drained:
                item = self.ring.get()
                if item is None:
                    continue
                frame, arrival_ns = item
                if self._reset_pending.is_set():
                    self._reset_pending.clear()
                    self._emit(self.analyzer.flush())
                    self.analyzer.reset()
                events = self.analyzer.process(frame, arrival_ns)
                self.metrics.fps_out.tick()
                self._score_history.add(time.time(), self.analyzer.last_score)
                if self.analyzer.face_present != self._face_present:
                    self._face_present = self.analyzer.face_present
                    self._publish_state(None, "face" if self._face_present else "no face")
                for listener in self._frame_listeners:
                    listener()
                self._emit(events)
            self._emit(self.analyzer.flush())
        except Exception as exc:
            logger.exception("analysis crashed")
            self._summary.error = f"analysis crashed: {exc}"
            self.stop()
        finally:
            self._summary.frames_in = self.metrics.fps_in.total
            self._summary.frames_analyzed = self.metrics.fps_out.total
            self._summary.ring_dropped = self.ring.dropped
            self._summary.dropped_frames = self.source.dropped_frames + self.ring.dropped

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            self._summary.add_event(event)
            if not event.truncated:
                self._last_event_id = event.id
            self.bus.publish_event(event)

    def _stats_loop(self) -> None:
        interval_s = self.config.bus.stats_interval_s
        while not self._stats_done.wait(interval_s):
            snapshot = self.stats()
            self.bus.publish_stats(snapshot)
            for listener in self._stats_listeners:
                try:
                    listener(snapshot)
                except Exception:  # a listener must not stop the stats of the others
                    logger.exception("stats listener failed")

    # -- state --------------------------------------------------------------------------
    def _on_pause(self, paused: bool, reason: str) -> None:
        if paused:
            self._reset_pending.set()  # the analysis thread resets its own state
        self._publish_state("paused" if paused else "running", reason)

    def _publish_state(self, state: str | None, reason: str) -> None:
        """Publish ``state`` (None: the current one, e.g. when only ``face_present`` changed).

        Called from the controller's, the analysis and the main thread; the lock keeps a face change from
        re-publishing a state that a pause has just replaced (``publish_state`` never blocks).
        """
        with self._state_lock:
            if state is not None:
                self._state = state
            running = self._state == "running"
            self.bus.publish_state(
                DeviceState(
                    state=self._state,  # type: ignore[arg-type]
                    capturing=running and not self.controller.paused,
                    paused=self.controller.paused,
                    face_present=running and self._face_present,
                    last_event_id=self._last_event_id,
                    reason=reason,
                    t=datetime.now(timezone.utc),
                )
            )
