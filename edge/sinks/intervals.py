"""Offline outputs of `glimpse analyze`: events JSONL and the interval CSV (DESIGN section 3)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, cast

from edge.errors import SinkError, shown
from edge.events.model import Event
from edge.sinks.base import SinkBase

#: ``truncated`` is 1 for an interval the track or the video cut short (``glimpse eval`` leaves those out).
INTERVAL_COLUMNS = ("video", "onset", "apex", "offset", "kind", "label", "confidence", "duration_ms", "truncated")


def _drop_rows(path: Path, keep: Callable[[str], bool], *, header: bool = False) -> int:
    """Rewrite ``path`` without the lines ``keep`` rejects (a ``header`` line always stays); return how many."""
    if not path.is_file():
        return 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:1] * header + [line for line in lines[header:] if keep(line)]
    if len(kept) != len(lines):
        path.write_text("".join(kept), encoding="utf-8")
    return len(lines) - len(kept)


def _upgrade_header(path: Path) -> None:
    """Bring an ``intervals.csv`` written by an older Glimpse (fewer trailing columns) to :data:`INTERVAL_COLUMNS`.

    Old rows get the new columns empty (unknown: ``glimpse eval`` keeps a row whose ``truncated`` is empty, as it
    did before the column existed). A file with any other header is not ours to extend: SinkError.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    header = tuple(next(csv.reader(lines[:1]), []))
    if header == INTERVAL_COLUMNS:
        return
    if not header or header != INTERVAL_COLUMNS[: len(header)]:
        raise SinkError(
            f"{shown(str(path))} has the columns {list(header)!r}, not glimpse analyze's; expected "
            f"{list(INTERVAL_COLUMNS)!r}: use another --out directory or --overwrite"
        )
    pad = len(INTERVAL_COLUMNS) - len(header)
    rows = [INTERVAL_COLUMNS, *(tuple(row) + ("",) * pad for row in csv.reader(lines[1:]) if row)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _csv_video(line: str) -> str:
    return next(csv.reader([line]), [""])[0]


def _event_source(line: str) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get("source") if isinstance(record, dict) else None


class IntervalFileSink(SinkBase):
    """Writes ``events.jsonl`` and ``intervals.csv`` (frames 1-based) in a directory.

    Several videos analysed into one directory accumulate (the ``video`` column tells them apart), so the
    CSV can be scored directly by ``glimpse eval spotting``. Analysing a video again replaces its earlier rows
    (events whose ``source`` is ``source``, CSV rows whose ``video`` is ``video``; :attr:`replaced` counts them),
    so a re-run never duplicates them; ``overwrite=True`` starts both files afresh.
    """

    name = "intervals"
    takes_truncated = True

    def __init__(self, out_dir: Path, video: str, *, source: str | None = None, overwrite: bool = False) -> None:
        self.video = video
        self.jsonl_path = out_dir / "events.jsonl"
        self.csv_path = out_dir / "intervals.csv"
        self.replaced = 0
        mode = "w" if overwrite else "a"
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            if not overwrite:
                _upgrade_header(self.csv_path)
                self.replaced = _drop_rows(self.csv_path, lambda line: _csv_video(line) != video, header=True)
                if source is not None:
                    _drop_rows(self.jsonl_path, lambda line: _event_source(line) != source)
            new_csv = overwrite or not self.csv_path.is_file() or self.csv_path.stat().st_size == 0
            jsonl = cast(TextIO, self.jsonl_path.open(mode, encoding="utf-8"))
            csv_file = cast(TextIO, self.csv_path.open(mode, encoding="utf-8", newline=""))
        except (OSError, UnicodeDecodeError) as exc:
            raise SinkError(
                f"cannot write results into {shown(str(out_dir))}: {getattr(exc, 'strerror', None) or exc}; "
                "expected a writable directory of glimpse analyze results"
            ) from exc
        self._jsonl: TextIO | None = jsonl
        self._csv_file: TextIO | None = csv_file
        self._csv = csv.writer(csv_file, lineterminator="\n")
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
