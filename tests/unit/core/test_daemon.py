"""The daemon's threads: ring drops, event delivery, flush on stop, state changes.

Stages here are small deterministic stand-ins: these tests are about the
spine (threads, queues, counting), not about faces.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from edge.capture.base import Frame, SourceInfo
from edge.errors import BackendUnavailable
from edge.face.base import FaceObservation
from edge.face.fullframe import FullFrameTracker
from edge.sinks.status import SinkStatus

from pipeline_fakes import TEST_ENGINE, ListSource, make_daemon


def test_every_frame_analysed_and_every_event_delivered() -> None:
    source = ListSource(100)
    daemon, rec = make_daemon(source, every=10, ring=1000)
    summary = daemon.run()
    assert summary.frames_in == summary.frames_analyzed == 100
    assert summary.dropped_frames == 0 and summary.error is None
    assert len(rec.events) == 10  # 9 during the run (10..90) + 1 at flush
    assert [e.offset_frame for e in rec.events] == [11, 21, 31, 41, 51, 61, 71, 81, 91, 100]
    assert rec.closed and source.closed >= 1
    assert [s.state for s in rec.states[:2]] == ["starting", "running"] and rec.states[-1].state == "stopped"
    assert not rec.states[0].capturing and rec.states[1].capturing  # camera active only once the source opened
    assert not rec.states[-1].capturing
    assert "face" in summary.stats["stage_ms"] and summary.stats["face_found_rate"] == 1.0


def test_slow_analysis_drops_oldest_frames_and_counts_them() -> None:
    source = ListSource(200)
    daemon, _ = make_daemon(source, every=1000, motion_delay_s=0.003, ring=4)
    summary = daemon.run()
    assert summary.frames_in == 200
    assert summary.ring_dropped > 0
    assert summary.frames_analyzed + summary.ring_dropped == 200
    assert summary.stats["dropped_frames"] == summary.ring_dropped


def test_lossless_ring_makes_capture_wait_instead_of_dropping() -> None:
    source = ListSource(200)
    daemon, _ = make_daemon(source, every=1000, motion_delay_s=0.001, ring=4, lossless=True)
    summary = daemon.run()
    assert summary.frames_analyzed == 200 and summary.ring_dropped == 0


def test_stop_unblocks_a_waiting_lossless_capture() -> None:
    source = ListSource(100_000)
    daemon, _ = make_daemon(source, every=100_000, motion_delay_s=0.002, ring=2, lossless=True)
    threading.Timer(0.3, daemon.stop).start()
    summary = daemon.run()
    assert 0 < summary.frames_analyzed < 100_000 and summary.ring_dropped == 0


def test_stop_flushes_pending_interval() -> None:
    source = ListSource(10_000, delay_s=0.001)
    daemon, rec = make_daemon(source, every=10_000)
    timer = threading.Timer(0.3, daemon.stop)
    timer.start()
    summary = daemon.run()
    assert 0 < summary.frames_analyzed < 10_000
    assert len(rec.events) == 1  # the spotter's pending interval, delivered before run() returned


def test_pause_stops_capture_and_is_published() -> None:
    source = ListSource(10_000, delay_s=0.001)
    daemon, rec = make_daemon(source, every=10_000)
    threading.Timer(0.2, daemon.controller.pause, args=("test",)).start()
    threading.Timer(0.6, daemon.stop).start()
    summary = daemon.run()
    paused = [s for s in rec.states if s.state == "paused"]
    assert paused and paused[0].paused and not paused[0].capturing and paused[0].reason == "test"
    # capture stopped: frames stopped arriving long before the stop (about 0.2 s of 1 ms frames)
    assert summary.frames_in < 450


def test_source_gaps_are_counted() -> None:
    class GappySource(ListSource):
        def read(self) -> Frame | None:
            frame = super().read()
            if frame is not None and frame.index == 50:
                self.i += 3  # the sensor skipped three frames
            return frame

    daemon, _ = make_daemon(GappySource(100), every=1000, ring=1000)
    summary = daemon.run()
    assert summary.dropped_frames == 3


def test_pause_closes_a_live_camera_and_resume_reopens_it() -> None:
    from edge.capture.resilient import ResilientSource

    opened: list[ListSource] = []

    def factory() -> ListSource:
        opened.append(ListSource(10_000, delay_s=0.001))
        return opened[-1]

    camera = ResilientSource(factory, watchdog=False, scheme="v4l2")  # what the service wraps a camera in
    assert camera.live
    daemon, rec = make_daemon(ListSource(0), every=10_000, ring=1000)
    daemon.source = camera

    def drive() -> None:  # step on what the daemon did, not on wall-clock timers (robust on a loaded machine)
        def wait(cond: Callable[[], bool]) -> None:
            deadline = time.monotonic() + 20
            while not cond() and time.monotonic() < deadline:
                time.sleep(0.01)

        wait(lambda: bool(opened) and opened[0].i > 0)
        daemon.controller.pause("button")
        wait(lambda: opened[0].closed >= 1)
        daemon.controller.resume("button")
        wait(lambda: len(opened) == 2 and opened[1].i > 0)
        daemon.stop()

    threading.Thread(target=drive, daemon=True).start()
    summary = daemon.run()
    assert len(opened) == 2  # reopened on resume
    assert opened[0].closed >= 1  # closed while paused: the camera light is off
    changes = [s.state for i, s in enumerate(rec.states) if i == 0 or s.state != rec.states[i - 1].state]
    assert changes[:4] == ["starting", "running", "paused", "running"]  # running (camera active) once opened
    face = [(s.state, s.face_present, s.reason) for s in rec.states]
    assert face[:3] == [("starting", False, "start"), ("running", False, "source opened"), ("running", True, "face")]
    assert ("paused", False, "button") in face  # nothing is observed while paused
    assert summary.frames_in > 0


def test_score_history_keeps_peaks_per_bucket_whatever_the_frame_rate() -> None:
    from edge.daemon import ScoreHistory

    history = ScoreHistory(bucket_s=0.5, buckets=4)
    for i in range(1000):  # 5 s at 200 fps, one spike
        history.add(100.0 + i / 200, 9.0 if i == 990 else 1.0)
    points = history.points()
    assert len(points) == 4  # the last 2 s only
    assert [p[0] for p in points] == [103.0, 103.5, 104.0, 104.5]
    assert [p[1] for p in points] == [1.0, 1.0, 1.0, 9.0]


class _UnopenableSource(ListSource):
    def open(self) -> SourceInfo:
        raise BackendUnavailable("picamera2 is not importable; expected python3-picamera2")


def test_source_that_cannot_open_never_reports_a_camera_active(caplog: pytest.LogCaptureFixture) -> None:
    source = _UnopenableSource(10)
    daemon, rec = make_daemon(source, every=10)
    summary = daemon.run()
    assert summary.error == "picamera2 is not importable; expected python3-picamera2"
    assert [s.state for s in rec.states] == ["starting", "error"]
    assert not any(s.capturing for s in rec.states)
    assert not any(r.exc_info for r in caplog.records)  # a one-line error, no traceback in the log


class _FaceInWindow(FullFrameTracker):
    """A face in frames 10-29 only (someone walks up to the kiosk and away)."""

    def process(self, frame: Frame) -> FaceObservation:
        seen = super().process(frame)
        return seen if 10 <= frame.index < 30 else FaceObservation(frame.index, frame.t_ns, False)


def test_face_present_follows_the_latest_observation_and_is_published_when_it_changes() -> None:
    daemon, rec = make_daemon(ListSource(50), every=10_000, ring=1000, lossless=True)
    daemon.analyzer.stages.tracker = _FaceInWindow()
    daemon.run()
    flips = [(s.face_present, s.reason) for s in rec.states if s.reason in ("face", "no face")]
    assert flips == [(True, "face"), (False, "no face")]
    assert rec.states[-1].state == "stopped" and rec.states[-1].face_present is False


def test_stats_are_pushed_by_the_daemon_timer_to_sinks_and_listeners() -> None:
    daemon, rec = make_daemon(ListSource(300, delay_s=0.002), every=10_000, ring=1000)
    heard: list[Mapping[str, Any]] = []
    daemon.add_stats_listener(heard.append)
    daemon.run()
    assert rec.stats and heard  # bus.stats_interval_s is 0.05 s in make_daemon; the run lasts over 0.6 s
    assert rec.stats[-1]["frames_in"] > 0 and "score_history" in rec.stats[-1]
    assert heard[-1]["state"] in ("running", "stopped")


def test_stats_carry_the_engine_and_what_the_sinks_pushed_about_themselves() -> None:
    status = SinkStatus()
    daemon, rec = make_daemon(ListSource(300, delay_s=0.002), every=10_000, ring=1000, sink_status=status)
    assert "mqtt_connected" not in daemon.stats()  # no MQTT sink reported: the output is disabled
    report = status.reporter("mqtt_connected")
    report(False)  # what the MQTT sink pushes when it is built, from its own thread
    pusher = threading.Thread(target=lambda: (time.sleep(0.2), report(True)))  # paho's thread: the broker accepted
    pusher.start()
    daemon.run()
    pusher.join()
    engine = {"engine_backend": "onnxruntime", "model": "glimpse_me", "model_sha256": TEST_ENGINE.sha256}
    assert all(s.items() >= engine.items() for s in rec.stats)  # every snapshot names the engine
    seen = [s["mqtt_connected"] for s in rec.stats]
    assert seen[0] is False and seen[-1] is True and seen == sorted(seen)
    assert daemon.stats()["mqtt_connected"] is True


def test_the_run_summary_keeps_a_bounded_number_of_events_and_counts_all() -> None:
    """Issue 15: the summary held every event for the life of the process (about 190 MB a month)."""
    from edge.daemon import RECENT_EVENTS

    source = ListSource(RECENT_EVENTS * 3 + 10)
    daemon, rec = make_daemon(source, every=1, ring=64, lossless=True)
    summary = daemon.run()
    assert summary.events_total == len(rec.events) > RECENT_EVENTS * 3
    assert len(summary.events) == RECENT_EVENTS
    assert [e.id for e in summary.events] == [e.id for e in rec.events[-RECENT_EVENTS:]]  # the latest ones
    assert summary.events_by_kind == {"micro": summary.events_total}
