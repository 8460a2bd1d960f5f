"""Configuration of the event store and the event bus."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from edge.config.base import NamedPath, Section

TruncatedPolicy = Literal["log", "all", "drop"]


class StoreConfig(Section):
    """The SQLite event store."""

    path: NamedPath = Field(
        default=Path("/var/lib/glimpse/events.db"),
        description="SQLite event store file (WAL). The demo uses a temporary file unless this is set.",
    )
    retention_days: float = Field(
        default=30.0, gt=0, le=3650, description="Events older than this many days are deleted."
    )


class BusConfig(Section):
    """The queue between analysis and the sinks."""

    queue_size: int = Field(
        default=1024, ge=1, le=1_000_000, description="Items the output queue holds before the oldest stats are shed."
    )
    stats_interval_s: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="Seconds between the stats snapshots the daemon publishes to every sink (the dashboard shows the "
        "latest; MQTT and the store throttle themselves).",
    )
    truncated: TruncatedPolicy = Field(
        default="log",
        description="Events the track or the input cut short (face lost or left, end of a video; 'truncated': "
        "true): 'log' writes them to the logs only (JSONL, journal, console, intervals.csv), never to the store "
        "and its counts, LEDs, MQTT or the dashboard; 'all' sends them everywhere; 'drop' nowhere.",
    )
