"""Offline outputs of `glimpse analyze`: events JSONL and the interval CSV (DESIGN section 3)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO, cast

from edge.errors import SinkError
from edge.events.model import Event
from edge.sinks.base import SinkBase

#: ``truncated`` is 1 for an interval the track or the video cut short (``glimpse eval`` leaves those out).
INTERVAL_COLUMNS = ("video", "onset", "apex", "offset", "kind", "label", "confidence", "duration_ms", "truncated")


class IntervalFileSink(SinkBase):
    """Appends to ``events.jsonl`` and ``intervals.csv`` (frames 1-based) in a directory.

    Several videos analysed into one directory accumulate (the ``video`` column tells them apart), so the
    CSV can be scored directly by ``glimpse eval spotting``; ``overwrite=True`` starts both files afresh.
    """

    name = "intervals"
    takes_truncated = True

    def __init__(self, out_dir: Path, video: str, *, overwrite: bool = False) -> None:
        self.video = video
        self.jsonl_path = out_dir / "events.jsonl"
        self.csv_path = out_dir / "intervals.csv"
        mode = "w" if overwrite else "a"
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            new_csv = overwrite or not self.csv_path.is_file() or self.csv_path.stat().st_size == 0
            jsonl = cast(TextIO, self.jsonl_path.open(mode, encoding="utf-8"))
            csv_file = cast(TextIO, self.csv_path.open(mode, encoding="utf-8", newline=""))
        except OSError as exc:
            raise SinkError(
                f"cannot write results into {str(out_dir)!r}: {exc.strerror or exc}; expected a writable directory"
            ) from exc
        self._jsonl: TextIO | None = jsonl
        self._csv_file: TextIO | None = csv_file
        self._csv = csv.writer(csv_file)
        if new_csv:
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
            int(event.truncated),
        )
        self._csv.writerow(row)
        self._csv_file.flush()

    def close(self) -> None:
        for handle in (self._jsonl, self._csv_file):
            if handle is not None:
                handle.close()
        self._jsonl = self._csv_file = None
