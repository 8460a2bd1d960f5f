"""The file formats the evaluator reads and writes.

Interval CSV (DESIGN section 3), a header row then one interval per row, frames 1-based and inclusive::

    video,onset,offset,kind,label
    s15_0101,120,131,micro,negative

- required columns: ``video``, ``onset``, ``offset``, ``kind`` (``micro`` | ``macro``); ``label`` may be blank
  or absent;
- ground truth may carry extra columns (``apex``, ``aus``, ``emotion``, ``composite``, ``fps``, ``onset_ms``,
  ``offset_ms``, ``subject``, ...); an offset of 0 takes the ``apex`` as offset (the MEGC rule);
- predictions may carry a ``score`` column (float, blank for none).

Score CSV (for the spotting-score plot): ``video,frame,score``, one row per frame, frames 1-based.

Recognition CSV: ``subject,clip,dataset,true,pred`` with class labels; instead of (or besides) ``pred`` it may
carry one ``score_<label>`` column per class, and a blank ``pred`` then takes the class of the highest score.

MEGC submission log (written, whitespace separated, ``-`` where a side is missing)::

    VideoID GT_on GT_off Pred_on Pred_off Result
    s15_0101 120 131 121 133 TP

Every malformed row raises :class:`edge.errors.DatasetError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from edge.errors import DatasetError, shown

logger = logging.getLogger(__name__)

KINDS = ("micro", "macro")
INTERVAL_COLUMNS = ("video", "onset", "offset", "kind")
SCORE_COLUMNS = ("video", "frame", "score")
RECOGNITION_COLUMNS = ("subject", "clip", "dataset", "true")
SCORE_PREFIX = "score_"
MEGC_HEADER = ("VideoID", "GT_on", "GT_off", "Pred_on", "Pred_off", "Result")


@dataclass(frozen=True, slots=True)
class IntervalRow:
    """One ground-truth or predicted interval: inclusive 1-based frames of one video."""

    video: str
    onset: int
    offset: int
    kind: str
    label: str = ""
    score: float | None = None
    apex: int | None = None
    line: int = 0
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def length(self) -> int:
        return self.offset - self.onset + 1


@dataclass(frozen=True, slots=True)
class RecognitionRow:
    """One classified clip of a leave-one-subject-out run."""

    subject: str
    clip: str
    dataset: str
    true: str
    pred: str
    scores: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)
    line: int = 0


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One frame of a spotting-score curve."""

    frame: int
    score: float


class _Rows:
    """A CSV reader that keeps the file name and line number for error messages."""

    def __init__(self, path: Path, handle: TextIO, required: Sequence[str]) -> None:
        self.path = path
        self._reader = csv.reader(_decoded(path, handle))
        header = next(self._reader, None)
        if header is None:
            raise DatasetError(f"{path}: empty file; expected a header row with columns {list(required)}")
        self.header = [name.strip().lower() for name in header]
        missing = [name for name in required if name not in self.header]
        if missing:
            raise DatasetError(f"{path}:1: header {header!r} lacks column(s) {missing}; expected {list(required)}")

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        for cells in self._reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines (",,,") occur in published CSVs
            line = self._reader.line_num
            if len(cells) > len(self.header):
                raise DatasetError(
                    f"{self.path}:{line}: {len(cells)} cells but the header has {len(self.header)}; row {cells!r}"
                )
            padded = [*cells, *([""] * (len(self.header) - len(cells)))]
            yield line, {name: cell.strip() for name, cell in zip(self.header, padded, strict=True)}

    def error(self, line: int, column: str, value: str, expected: str) -> DatasetError:
        return DatasetError(f"{self.path}:{line}: column {column!r}: {value!r} is not {expected}")

    def integer(self, line: int, row: Mapping[str, str], column: str, minimum: int) -> int:
        text = row.get(column, "")
        try:
            number = float(text)
        except ValueError:
            raise self.error(line, column, text, f"an integer frame >= {minimum}") from None
        if not math.isfinite(number) or number != int(number) or number < minimum:
            raise self.error(line, column, text, f"an integer frame >= {minimum}")
        return int(number)

    def real(self, line: int, row: Mapping[str, str], column: str) -> float | None:
        text = row.get(column, "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise self.error(line, column, text, "a number") from None
        if not math.isfinite(number):
            raise self.error(line, column, text, "a finite number")
        return number


def read_intervals(path: Path | str) -> list[IntervalRow]:
    """Read an interval CSV (ground truth or predictions) and validate every row."""
    path = Path(path)
    with _open(path) as handle:
        rows = _Rows(path, handle, INTERVAL_COLUMNS)
        return [_interval(rows, line, row) for line, row in rows]


def repeated_rows(rows: Iterable[IntervalRow]) -> dict[str, int]:
    """Per video, how many rows repeat an earlier row's (onset, offset, kind): the sign of a video analysed twice."""
    seen: set[tuple[str, int, int, str]] = set()
    repeats: dict[str, int] = {}
    for row in rows:
        key = (row.video, row.onset, row.offset, row.kind)
        if key in seen:
            repeats[row.video] = repeats.get(row.video, 0) + 1
        seen.add(key)
    return repeats


def _interval(rows: _Rows, line: int, row: dict[str, str]) -> IntervalRow:
    video = row["video"]
    if not video:
        raise rows.error(line, "video", video, "a video id (non-empty)")
    kind = row["kind"].lower()
    if kind not in KINDS:
        raise rows.error(line, "kind", row["kind"], f"one of {list(KINDS)}")
    onset = rows.integer(line, row, "onset", 1)
    apex = rows.integer(line, row, "apex", 1) if row.get("apex") not in (None, "", "-1", "/") else None
    offset = rows.integer(line, row, "offset", 0)
    if offset == 0:  # MEGC: a missing offset takes the apex
        if apex is None:
            raise rows.error(line, "offset", row["offset"], "a frame >= 1 (offset 0 needs an 'apex' column value)")
        offset = apex
    if offset < onset:
        raise rows.error(line, "offset", row["offset"], f"a frame >= onset {onset}")
    extra = {key: value for key, value in row.items() if key not in (*INTERVAL_COLUMNS, "label", "score", "apex")}
    return IntervalRow(
        video=video,
        onset=onset,
        offset=offset,
        kind=kind,
        label=row.get("label", ""),
        score=rows.real(line, row, "score"),
        apex=apex,
        line=line,
        extra=extra,
    )


def read_scores(path: Path | str, video: str) -> list[ScorePoint]:
    """Read the ``video,frame,score`` rows of one video, sorted by frame."""
    path = Path(path)
    points: list[ScorePoint] = []
    with _open(path) as handle:
        rows = _Rows(path, handle, SCORE_COLUMNS)
        for line, row in rows:
            if row["video"] != video:
                continue
            score = rows.real(line, row, "score")
            if score is None:
                raise rows.error(line, "score", "", "a number")
            points.append(ScorePoint(rows.integer(line, row, "frame", 1), score))
    return sorted(points, key=lambda point: point.frame)


def read_recognition(path: Path | str) -> list[RecognitionRow]:
    """Read a recognition CSV; ``pred`` may be replaced by ``score_<label>`` columns."""
    path = Path(path)
    with _open(path) as handle:
        rows = _Rows(path, handle, RECOGNITION_COLUMNS)
        score_columns = [name for name in rows.header if name.startswith(SCORE_PREFIX)]
        if "pred" not in rows.header and not score_columns:
            raise DatasetError(
                f"{path}:1: header {rows.header!r} has neither 'pred' nor '{SCORE_PREFIX}<label>' columns"
            )
        return [_recognition(rows, line, row, score_columns) for line, row in rows]


def _recognition(rows: _Rows, line: int, row: dict[str, str], score_columns: Sequence[str]) -> RecognitionRow:
    for column in RECOGNITION_COLUMNS:
        if not row[column]:
            raise rows.error(line, column, row[column], "a non-empty value")
    scores: dict[str, float] = {}
    for column in score_columns:
        value = rows.real(line, row, column)
        if value is not None:
            scores[column[len(SCORE_PREFIX) :]] = value
    pred = row.get("pred", "")
    if not pred:
        if not scores:
            raise rows.error(line, "pred", pred, "a class label (or a row of score_<label> values)")
        pred = max(scores, key=lambda label: scores[label])
    return RecognitionRow(
        subject=row["subject"],
        clip=row["clip"],
        dataset=row["dataset"],
        true=row["true"],
        pred=pred,
        scores=scores,
        line=line,
    )


@dataclass(frozen=True, slots=True)
class MegcLogRow:
    """One line of the MEGC submission log; a missing side is ``None``."""

    video: str
    gt: tuple[int, int] | None
    pred: tuple[int, int] | None
    result: str


def write_megc_log(path: Path | str, rows: Iterable[MegcLogRow]) -> int:
    """Write the MEGC submission log; return the number of rows written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        handle.write(" ".join(MEGC_HEADER) + "\n")
        for row in rows:
            gt = row.gt or ("-", "-")
            pred = row.pred or ("-", "-")
            handle.write(f"{row.video} {gt[0]} {gt[1]} {pred[0]} {pred[1]} {row.result}\n")
            count += 1
    return count


def _decoded(path: Path, handle: TextIO) -> Iterator[str]:
    """The file's lines; text that is not UTF-8 becomes a DatasetError naming the file, not a traceback."""
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); expected a CSV file") from exc


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DatasetError(f"{shown(str(path))}: cannot read ({exc.strerror}); expected a CSV file") from exc
