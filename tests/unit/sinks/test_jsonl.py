"""The JSON-lines log: one Event per line, rotation by size and age, old files deleted."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from edge.events.model import Event
from edge.sinks.config import LogsConfig
from edge.sinks.jsonl import JsonlSink


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
