"""The JSON-lines log: one Event per line, rotation by size and age, old files deleted."""

from __future__ import annotations

import errno
import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from edge.events.model import Event
from edge.sinks.config import LogsConfig
from edge.sinks.jsonl import ROTATE_RETRY_S, JsonlSink


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_lines_are_events(tmp_path: Path, event: Any) -> None:
    with JsonlSink(LogsConfig(dir=tmp_path)) as sink:
        sink.on_event(event(1))
        sink.on_event(event(2))
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert [Event.model_validate_json(line).id for line in lines] == ["ev-000001", "ev-000002"]


def test_rotation_by_size_keeps_backups(tmp_path: Path, event: Any) -> None:
    config = LogsConfig(dir=tmp_path, max_bytes=2048, backups=2)
    size = len(event(0).model_dump_json()) + 1
    per_file = 2048 // size
    with JsonlSink(config) as sink:
        for n in range(per_file * 4):
            sink.on_event(event(n))
    assert names(tmp_path) == ["events.jsonl", "events.jsonl.1", "events.jsonl.2"]
    for name in names(tmp_path):
        assert (tmp_path / name).stat().st_size <= 2048
    newest = [json.loads(line)["id"] for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    older = [json.loads(line)["id"] for line in (tmp_path / "events.jsonl.1").read_text().splitlines()]
    assert older[-1] < newest[0]  # .1 holds the events just before the live file


def test_rotation_by_age_and_deletion_of_old_files(tmp_path: Path, event: Any) -> None:
    now = [time.time()]
    config = LogsConfig(dir=tmp_path, rotate_after_h=1, max_age_days=1, backups=5)
    stale = tmp_path / "events.jsonl.4"
    stale.write_text("{}\n")
    two_days_ago = now[0] - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    with JsonlSink(config, clock=lambda: now[0]) as sink:
        assert not stale.exists(), "rotated files older than max_age_days are deleted at start"
        sink.on_event(event(1))
        now[0] += 1800
        sink.on_event(event(2))
        assert names(tmp_path) == ["events.jsonl"]
        now[0] += 2 * 3600  # the live file's first line is now older than rotate_after_h
        sink.on_event(event(3))
        assert names(tmp_path) == ["events.jsonl", "events.jsonl.1"]
        os.utime(tmp_path / "events.jsonl.1", (now[0] - 2 * 86400, now[0] - 2 * 86400))
        now[0] += 120
        sink.on_stats({})
    assert names(tmp_path) == ["events.jsonl"]


def test_existing_file_age_comes_from_its_first_event(tmp_path: Path, event: Any) -> None:
    old = datetime.now(timezone.utc) - timedelta(hours=5)
    (tmp_path / "events.jsonl").write_text(event(0, when=old).model_dump_json() + "\n")
    with JsonlSink(LogsConfig(dir=tmp_path, rotate_after_h=2)) as sink:
        sink.on_event(event(1))
    assert names(tmp_path) == ["events.jsonl", "events.jsonl.1"]


def test_zero_backups_and_idempotent_close(tmp_path: Path, event: Any) -> None:
    sink = JsonlSink(LogsConfig(dir=tmp_path, max_bytes=1024, backups=0))
    for n in range(20):
        sink.on_event(event(n))
    sink.close()
    sink.close()
    sink.on_event(event(99))  # after close: ignored, never raises
    assert names(tmp_path) == ["events.jsonl"]


# --- failures: a full disk must not raise, nor leave the sink unusable -----------------------------------


def all_ids(directory: Path) -> list[str]:
    """Event ids in every events.jsonl* file, oldest file first (every line must be a valid Event)."""
    files = sorted(directory.glob("events.jsonl*"), key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    return [Event.model_validate_json(line).id for f in files for line in f.read_text().splitlines()]


def enospc(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_failed_rotation_keeps_appending_and_retries_later(
    tmp_path: Path, event: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [time.time()]
    config = LogsConfig(dir=tmp_path, max_bytes=2048, backups=2)
    with JsonlSink(config, clock=lambda: now[0]) as sink:
        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", enospc)
            for n in range(10):  # well past max_bytes: every due rotation fails
                sink.on_event(event(n))
        assert names(tmp_path) == ["events.jsonl"]
        assert sink.failures == 0  # nothing lost: the live file took the lines
        assert sum("cannot rotate" in r.getMessage() for r in caplog.records) == 1
        now[0] += ROTATE_RETRY_S + 1  # the condition cleared; the next due write rotates
        for n in range(10, 12):
            sink.on_event(event(n))
        assert names(tmp_path) == ["events.jsonl", "events.jsonl.1"]
    assert all_ids(tmp_path) == [f"ev-{n:06d}" for n in range(12)]


def test_disk_full_during_rotation_keeps_lines_in_memory_and_writes_them_when_space_returns(
    tmp_path: Path, event: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Renames and reopening fail (ENOSPC): no exception escapes, the lines wait, the cause is logged once."""
    full = [False]
    real_open = Path.open

    def open_unless_full(self: Path, *args: Any, **kwargs: Any) -> Any:
        if full[0] and self.name == "events.jsonl":
            enospc()
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_full)
    monkeypatch.setattr(os, "replace", lambda *a: enospc() if full[0] else os.rename(*a))
    size = len(event(0).model_dump_json()) + 1
    with JsonlSink(LogsConfig(dir=tmp_path, max_bytes=3 * size, backups=2)) as sink:
        for n in range(3):
            sink.on_event(event(n))
        full[0] = True
        for n in range(3, 8):  # the first of these is due to rotate: close, rename fails, reopen fails
            sink.on_event(event(n))
        assert sink.backlog.pending == 5 and sink.failures == 0
        assert "No space left on device" in str(sink.backlog.cause)
        full[0] = False
        for n in range(8, 10):  # queued behind the waiting ones (order kept) until the next retry
            sink.on_event(event(n))
        assert sink.backlog.retry(force=True)
        assert sink.backlog.pending == 0 and sink.backlog.cause is None
    assert sink.failures == 0
    outage = [r.getMessage() for r in caplog.records if "cannot write to" in r.getMessage()]
    assert len(outage) == 1 and "No space left on device" in outage[0]
    assert any("writable again" in r.getMessage() and "7 waiting" in r.getMessage() for r in caplog.records)
    assert all_ids(tmp_path) == [f"ev-{n:06d}" for n in range(10)]


class HalfWrites:
    """A file handle on a full disk: writes part of the line, then fails."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def write(self, text: str) -> int:
        self.real.write(text[:17])
        self.real.flush()
        enospc()
        return 0


def test_a_half_written_line_is_dropped_when_writing_resumes(tmp_path: Path, event: Any) -> None:
    with JsonlSink(LogsConfig(dir=tmp_path)) as sink:
        sink.on_event(event(1))
        sink._file = HalfWrites(sink._file)  # type: ignore[assignment]
        sink.on_event(event(2))  # kept; 17 bytes of it reached the file
        assert sink.backlog.pending == 1
        assert not (tmp_path / "events.jsonl").read_text().endswith("\n")
        sink.on_event(event(3))  # waits behind event 2
        assert sink.backlog.retry(force=True)  # reopens, drops the partial line, appends both
    assert sink.failures == 0
    assert all_ids(tmp_path) == ["ev-000001", "ev-000002", "ev-000003"]
