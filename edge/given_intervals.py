"""Classify given intervals instead of spotting them (the MEGC recognition protocol).

`glimpse analyze VIDEO --intervals FILE.csv` reads ground-truth ``onset,apex,offset`` rows (1-based frame
numbers in OpenCV read order, as ``intervals.csv`` uses), runs the configured face tracker over the video
and, for each row, the same classifier the spotting path uses, on the faces at the row's onset and apex
frames. A row is classified as soon as its offset frame has been read, as a spotted interval would be.

Usage::

    rows, problems = read_given_intervals(Path("gt.csv"))
    with open_source(uri) as source:
        result = classify_given_intervals(source, tracker, classifier, factory, rows)
    for event in result.events: ...
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from edge.capture.base import FrameSource
from edge.engine.base import Classifier
from edge.errors import UsageError
from edge.eventfactory import EventFactory
from edge.events.model import Event
from edge.face.base import FaceObservation, FaceTracker
from edge.spotting.base import Interval

REQUIRED_COLUMNS = ("onset", "apex", "offset")


@dataclass(frozen=True, slots=True)
class GivenInterval:
    """One requested interval: 1-based frame numbers and where it came from (``row`` counts data rows)."""

    row: int
    line: int
    onset: int
    apex: int
    offset: int

    @property
    def where(self) -> str:
        return f"row {self.row} (line {self.line})"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row was skipped; ``str()`` gives the message, which names the row."""

    row: int
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class GivenResult:
    """What became of the requested rows: events and problems, both in input order."""

    events: list[Event] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    frames_read: int = 0
    wall_s: float = 0.0


def read_given_intervals(path: Path) -> tuple[list[GivenInterval], list[RowProblem]]:
    """The usable rows of ``path`` and one message per unusable row.

    A missing or unreadable file, a header without ``onset``, ``apex`` and ``offset`` (other columns are
    ignored) or a file without rows raises :class:`UsageError`; a bad row is reported and skipped.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UsageError(f"cannot read intervals file {str(path)!r}: {reason}; expected a CSV file") from exc
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UsageError(
            f"intervals file {str(path)!r} has header {','.join(header)!r}; expected the columns onset,apex,offset"
        )
    columns = [header.index(c) for c in REQUIRED_COLUMNS]
    rows: list[GivenInterval] = []
    problems: list[RowProblem] = []
    row_number = 0
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        row_number += 1
        row, problem = _parse_row(cells, columns, row_number, line)
        if row is not None:
            rows.append(row)
        else:
            problems.append(RowProblem(row_number, problem))
    if row_number == 0:
        raise UsageError(f"intervals file {str(path)!r} has no rows; expected at least one onset,apex,offset row")
    return rows, problems


def _parse_row(cells: list[str], columns: list[int], row: int, line: int) -> tuple[GivenInterval | None, str]:
    where = f"row {row} (line {line})"
    values: list[int] = []
    for name, column in zip(REQUIRED_COLUMNS, columns, strict=True):
        cell = cells[column].strip() if column < len(cells) else ""
        if not cell.isdigit() or int(cell) < 1:
            return None, f"{where}: {name} {cell!r} is not a frame number; expected a whole number >= 1"
        values.append(int(cell))
    onset, apex, offset = values
    if not onset <= apex <= offset:
        return None, f"{where}: onset {onset}, apex {apex}, offset {offset}; expected onset <= apex <= offset"
    return GivenInterval(row, line, onset, apex, offset), ""


def classify_given_intervals(
    source: FrameSource,
    tracker: FaceTracker,
    classifier: Classifier,
    factory: EventFactory,
    rows: Iterable[GivenInterval],
    micro_max_ms: float = 500.0,
) -> GivenResult:
    """Track faces through ``source`` and classify each row from its onset and apex faces.

    Reading stops after the last offset any row needs. Rows whose frames lie past the end of the video or
    whose onset or apex frame has no face become problems; the others become events.
    """
    wanted = sorted(rows, key=lambda r: r.offset)
    needed = {r.onset for r in wanted} | {r.apex for r in wanted}
    faces: dict[int, FaceObservation] = {}
    t_ns: dict[int, int] = {}
    done: dict[int, Event | str] = {}
    result = GivenResult()
    t0 = time.perf_counter()
    last = wanted[-1].offset if wanted else 0
    with source:
        while result.frames_read < last:
            frame = source.read()
            if frame is None:
                break
            number = frame.index + 1
            result.frames_read = number
            factory.anchor(frame.t_ns)
            face = tracker.process(frame)
            t_ns[number] = frame.t_ns
            if number in needed:
                faces[number] = face
            while wanted and wanted[0].offset <= number:
                row = wanted.pop(0)
                done[row.row] = _classify(row, faces, t_ns, classifier, factory, micro_max_ms, time.monotonic_ns())
    for row in wanted:
        done[row.row] = (
            f"{row.where}: frames {row.onset}-{row.offset} go past the video's last frame {result.frames_read}; "
            "expected frames inside the video"
        )
    _in_input_order(done, result)
    result.wall_s = time.perf_counter() - t0
    return result


def _in_input_order(done: dict[int, Event | str], result: GivenResult) -> None:
    for row in sorted(done):
        outcome = done[row]
        if isinstance(outcome, str):
            result.problems.append(RowProblem(row, outcome))
        else:
            result.events.append(outcome)


def _classify(
    row: GivenInterval,
    faces: dict[int, FaceObservation],
    t_ns: dict[int, int],
    classifier: Classifier,
    factory: EventFactory,
    micro_max_ms: float,
    arrival_ns: int,
) -> Event | str:
    onset, apex = faces.get(row.onset), faces.get(row.apex)
    if onset is None or not onset.found or onset.aligned is None:
        return f"{row.where}: no face found at the onset frame {row.onset}; expected a tracked face there"
    if apex is None or not apex.found or apex.aligned is None:
        return f"{row.where}: no face found at the apex frame {row.apex}; expected a tracked face there"
    duration_ms = (t_ns[row.offset] - t_ns[row.onset]) / 1e6
    interval = Interval(
        onset_index=row.onset - 1,
        apex_index=row.apex - 1,
        offset_index=row.offset - 1,
        onset_ns=t_ns[row.onset],
        apex_ns=t_ns[row.apex],
        offset_ns=t_ns[row.offset],
        kind="micro" if duration_ms <= micro_max_ms else "macro",
        confidence=1.0,
        track_id=apex.track_id,
    )
    classification = classifier.classify(interval, onset, apex)
    return factory.build(interval, classification, (time.monotonic_ns() - arrival_ns) / 1e6)
