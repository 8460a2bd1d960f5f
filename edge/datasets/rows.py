"""Reading a file row by row: a bad row is skipped with one warning and counted, never aborting the file.

Every loader returns :class:`Samples`, a list of :class:`~edge.datasets.base.Sample` that also carries the
rows it skipped and why::

    samples = load_dataset("casme3", "/data/casme3/part_A")
    print(samples.summary())   # "casme3: 858 samples from ...xlsx; 2 rows skipped (row 751: offset ...)"
    for row in samples.skipped:
        print(row.source, row.reason)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from edge.datasets.base import Sample, frame_number, interval
from edge.datasets.sheets import Sheet, SheetRow
from edge.errors import DatasetError

logger = logging.getLogger(__name__)

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row left out: where it is (``file sheet 'label' row 751``) and why."""

    source: str
    reason: str


class Samples(list[Sample]):
    """The samples of one load, with ``dataset``, ``source`` (the file read) and the ``skipped`` rows."""

    def __init__(
        self, dataset: str, source: str, samples: Iterable[Sample] = (), skipped: Sequence[SkippedRow] = ()
    ) -> None:
        super().__init__(samples)
        self.dataset = dataset
        self.source = source
        self.skipped: tuple[SkippedRow, ...] = tuple(skipped)

    def summary(self) -> str:
        """One line: how many samples, from which file, how many rows skipped and the first reasons."""
        line = f"{self.dataset}: {len(self)} samples from {self.source}"
        if not self.skipped:
            return line + "; no row skipped"
        shown = "; ".join(f"{_short(row.source)}: {row.reason}" for row in self.skipped[:3])
        more = f"; and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else ""
        return f"{line}; {len(self.skipped)} row(s) skipped ({shown}{more})"


def _short(source: str) -> str:
    """``/a/b.xlsx sheet 'x' row 7`` -> ``row 7``; ``/a/b.csv:7`` -> ``line 7``; anything else as is."""
    match = re.search(r"(row \d+)$", source) or re.search(r":(\d+)$", source)
    if match is None:
        return source
    return match.group(1) if match.group(1).startswith("row") else f"line {match.group(1)}"


def read_rows(
    dataset: str,
    source: str,
    rows: Iterable[Row],
    where: Callable[[Row], str],
    parse: Callable[[Row, str], Sample | None],
) -> Samples:
    """Parse each row with ``parse(row, where)``; a :class:`DatasetError` skips that row with one warning.

    ``parse`` returns None for a row that is not a sample (a blank or a comment row), which is not counted as
    skipped. A file whose every row is bad raises: it is the wrong file or layout, not a few bad rows.
    """
    samples: list[Sample] = []
    skipped: list[SkippedRow] = []
    for row in rows:
        location = where(row)
        try:
            sample = parse(row, location)
        except DatasetError as exc:
            reason = str(exc).removeprefix(f"{location}: ")
            logger.warning("%s: row skipped: %s", location, reason)
            skipped.append(SkippedRow(location, reason))
            continue
        if sample is not None:
            samples.append(sample)
    if skipped and not samples:
        raise DatasetError(
            f"{source}: every one of {len(skipped)} rows is bad (first: {skipped[0].source}: {skipped[0].reason}); "
            f"expected the {dataset} layout of docs/datasets.md"
        )
    result = Samples(dataset, source, samples, skipped)
    logger.log(logging.WARNING if skipped else logging.INFO, "%s", result.summary())
    return result


def read_sheet(
    dataset: str, path: Path, sheet: Sheet, parse: Callable[[SheetRow, str], Sample | None], *, header: int = 0
) -> Samples:
    """:func:`read_rows` over the rows of ``sheet`` below row ``header``, each located by its sheet row."""
    rows = [row for row in sheet.rows if row.number > header]
    return read_rows(dataset, str(path), rows, lambda row: sheet.where(row.number), parse)


def row_interval(
    row: SheetRow,
    col: Mapping[str, int],
    where: str,
    quirks: list[str],
    names: tuple[str, str, str] = ("Onset", "Apex", "Offset"),
) -> tuple[int, int | None, int]:
    """The checked ``(onset, apex, offset)`` frames of a row, from columns ``col["onset"]`` etc. (``names``)."""
    onset, apex, offset = (
        frame_number(row.get(col[field]), where, name, quirks)
        for field, name in zip(("onset", "apex", "offset"), names, strict=True)
    )
    return interval(onset, apex, offset, where, quirks)
