"""Offline outputs of `glimpse analyze`: events JSONL and the interval CSV (DESIGN section 3)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from edge.events.model import Event
from edge.sinks.base import SinkBase

INTERVAL_COLUMNS = ("video", "onset", "apex", "offset", "kind", "label", "confidence", "duration_ms")


class IntervalFileSink(SinkBase):
    """Writes ``events.jsonl`` and ``intervals.csv`` (frames 1-based) into a directory."""

    name = "intervals"

    def __init__(self, out_dir: Path, video: str) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.video = video
        self.jsonl_path = out_dir / "events.jsonl"
        self.csv_path = out_dir / "intervals.csv"
        self._jsonl: TextIO | None = self.jsonl_path.open("w", encoding="utf-8")
        self._csv_file: TextIO | None = self.csv_path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(INTERVAL_COLUMNS)

    def on_event(self, event: Event) -> None:
        if self._jsonl is None or self._csv_file is None:
            return
        self._jsonl.write(event.model_dump_json() + "\n")
        self._jsonl.flush()
        row = (
            self.video,
            event.onset_frame,
            event.apex_frame,
            event.offset_frame,
            event.kind,
            event.emotion.label,
            f"{event.confidence:.4f}",
            f"{event.duration_ms:.1f}",
        )
        self._csv.writerow(row)
        self._csv_file.flush()

    def close(self) -> None:
        for handle in (self._jsonl, self._csv_file):
            if handle is not None:
                handle.close()
        self._jsonl = self._csv_file = None
