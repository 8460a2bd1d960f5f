"""Configuration of the local log outputs."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from edge.config.base import NamedPath, Section


class LogsConfig(Section):
    """JSON-lines event log with rotation by size and age, and human-readable journal lines."""

    enabled: bool = Field(default=True, description="Write events as JSON lines.")
    dir: NamedPath = Field(default=Path("/var/log/glimpse"), description="Directory of events.jsonl and its rotations.")
    max_bytes: int = Field(default=10_000_000, ge=1024, description="Rotate events.jsonl when it grows past this size.")
    backups: int = Field(default=5, ge=0, le=1000, description="Rotated files kept (events.jsonl.1 is the newest).")
    max_age_days: float = Field(default=30.0, gt=0, description="Rotated files older than this are deleted.")
    rotate_after_h: float = Field(
        default=24.0,
        gt=0,
        le=24 * 3650,
        description="Rotate events.jsonl once its first line is this old, so max_age_days is kept to within this.",
    )
    journal: bool = Field(default=True, description="Log one human-readable line per event (journald under systemd).")
