"""A disk that fills up mid-run loses no event: store, JSONL log and MQTT outbox on a real 16 MB tmpfs.

The filesystem is a real tmpfs mounted by the test (root only; skipped otherwise, saying why): SQLite and
the JSONL writer meet a genuine ENOSPC / SQLITE_FULL, not a patched function. The daemon's spine runs with
deterministic stand-in stages (events every 10 frames) and the real sinks; the disk is filled from the
analysis thread at frame 200 and freed at frame 400, once every sink holds events in memory.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.config import validate
from edge.control import Controller
from edge.daemon import Daemon
from edge.eventfactory import EventFactory
from edge.events.store import EventStore
from edge.face.fullframe import FullFrameTracker
from edge.metrics import Metrics
from edge.pipeline import Analyzer, Stages
from edge.sinks.backlog import DurableSink
from edge.sinks.registry import build_sinks

from .conftest import free_port, wait_until
from pipeline_fakes import EveryNSpotter, ListSource, Recorder, StepMotion, UnknownClassifier

pytestmark = pytest.mark.integration


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs at ``tmp_path/disk``, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the test fills a real filesystem)")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem refuses (ENOSPC), to the last page; delete it to free the space."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1024 * 1024, 4096, 512):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    with pytest.raises(OSError) as refused:
        (directory / "probe").write_bytes(b"\0" * 8192)
    assert refused.value.errno == errno.ENOSPC
    return filler


def test_a_full_disk_mid_run_loses_no_event(small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = validate(
        {
            "device": {"id": "disk-test"},
            "store": {"path": str(small_disk / "events.db")},
            "logs": {"dir": str(small_disk / "logs"), "journal": False},
            "mqtt": {"enabled": True, "port": free_port(), "outbox_path": str(small_disk / "outbox.db")},
            "capture": {"ring_frames": 64},
            "bus": {"stats_interval_s": 0.05},
            "dashboard": {"enabled": False},
        }
    )
    controller = Controller()
    sinks = build_sinks(config, controller, EventStore(config.store.path, config.store.retention_days))
    recorder = Recorder()
    stages = Stages(FullFrameTracker(), StepMotion(), EveryNSpotter(10), UnknownClassifier())
    analyzer = Analyzer(stages, EventFactory("disk-test", "list"), Metrics())
    daemon = Daemon(config, ListSource(600), analyzer, [*sinks, recorder], controller=controller, lossless=True)
    durable = [s for s in sinks if isinstance(s, DurableSink)]
    assert sorted(s.name for s in durable) == ["jsonl", "mqtt", "store"]
    seen: dict[str, object] = {}
    frames = [0]

    def on_frame() -> None:  # the analysis thread: fill at frame 200, free at 400 once every sink holds events
        frames[0] += 1
        if frames[0] == 200:
            seen["filler"] = fill(small_disk)
        elif frames[0] == 400:
            assert wait_until(lambda: all(s.backlog.pending > 0 for s in durable), 20.0), [
                (s.name, s.backlog.pending) for s in durable
            ]
            seen["held"] = {s.name: s.backlog.pending for s in durable}
            seen["stats"] = daemon.stats()
            Path(str(seen["filler"])).unlink()

    daemon.add_frame_listener(on_frame)
    with caplog.at_level(logging.WARNING):
        summary = daemon.run()
    ids = [e.id for e in recorder.events]
    assert summary.error is None and len(ids) == 60
    assert all(n > 0 for n in seen["held"].values())  # type: ignore[attr-defined]
    stats = seen["stats"]
    assert isinstance(stats, dict) and sum(stats["unwritten_events"].values()) > 0 and stats["write_error"]
    # every event is in the store, the JSONL log and the outbox (no broker: all still waiting there), once each
    with sqlite3.connect(small_disk / "events.db") as db:
        assert sorted(r[0] for r in db.execute("SELECT id FROM events")) == sorted(ids)
    with sqlite3.connect(small_disk / "outbox.db") as db:
        assert [r[0] for r in db.execute("SELECT event_id FROM outbox ORDER BY seq")] == ids
    lines = (small_disk / "logs" / "events.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids
    assert all(s.backlog.dropped == 0 for s in durable)
    # the real cause, once per sink and outage; the recovery once per sink
    messages = [r.getMessage() for r in caplog.records]
    refused = [m for m in messages if "cannot write to" in m]
    assert sorted(m.split(":")[0] for m in refused) == ["jsonl", "mqtt", "store"]
    assert all("full" in m or "No space left" in m for m in refused), refused
    assert not any("cannot rollback" in m for m in messages)
    assert sum("writable again" in m for m in messages) == 3
