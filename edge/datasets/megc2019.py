"""The MEGC2019 composite ground truth: a CSV without header, ``dataset,subject,filename,label``.

Labels are 0 negative, 1 positive, 2 surprise; blank ``,,,`` lines occur. :func:`read_composite` returns the
entries; :func:`load` joins them with the SMIC-HS, CASME II and SAMM loaders (folders ``SMIC``, ``CASME2``,
``SAMM`` next to the CSV; a dataset with no entries needs no folder) and returns those samples with the
composite class of the CSV. The released CSV (``combined_3class_gt.csv``) has 442 entries, 68 subjects:
SMIC 164 (70/51/43 negative/positive/surprise), CASME II 145, SAMM 133; 250/109/83 in all. A bad line, or an
entry missing from its dataset, is skipped with a warning and listed in ``Samples.skipped``.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.datasets import casme2, samm, smic
from edge.datasets.base import COMPOSITE_CLASSES, Sample
from edge.datasets.rows import Samples, SkippedRow, read_rows
from edge.datasets.sheets import find_file
from edge.errors import DatasetError

logger = logging.getLogger(__name__)

_DATASETS = {"casme2": "casme2", "casmeii": "casme2", "samm": "samm", "smic": "smic"}
_SOURCE_FOLDERS = {
    "casme2": ("CASME2", "CASME_II", "casme2"),
    "samm": ("SAMM", "samm"),
    "smic": ("SMIC", "SMIC_all_cropped", "smic", "HS"),
}
_LOADERS: dict[str, Callable[[Path], Samples]] = {"smic": smic.load, "casme2": casme2.load, "samm": samm.load}


@dataclass(frozen=True, slots=True)
class CompositeEntry:
    """One clip of the composite: source dataset, subject, clip (filename) and composite class."""

    dataset: str
    subject: str
    clip: str
    composite: str
    source: str


def _entry(values: list[str], where: str) -> CompositeEntry:
    if len(values) < 4:
        raise DatasetError(f"{where}: {values!r} has {len(values)} cells; expected dataset,subject,filename,label")
    dataset = _DATASETS.get(re.sub(r"[^a-z0-9]", "", values[0].lower()))
    if dataset is None:
        raise DatasetError(f"{where}: dataset {values[0]!r} unknown; expected one of {sorted(set(_DATASETS))}")
    if values[3] not in ("0", "1", "2"):
        raise DatasetError(f"{where}: label {values[3]!r} is not 0, 1 or 2 (negative, positive, surprise)")
    return CompositeEntry(dataset, values[1], values[2], COMPOSITE_CLASSES[int(values[3])], where)


def read_composite(path: Path | str) -> tuple[list[CompositeEntry], list[SkippedRow]]:
    """The composite CSV's entries, and its bad lines (each skipped with one warning naming file and line)."""
    path = Path(path)
    entries: list[CompositeEntry] = []
    skipped: list[SkippedRow] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, cells in enumerate(csv.reader(handle), start=1):
            values = [cell.strip() for cell in cells]
            if not any(values):
                continue
            where = f"{path}:{number}"
            try:
                entries.append(_entry(values, where))
            except DatasetError as exc:
                reason = str(exc).removeprefix(f"{where}: ")
                logger.warning("%s: line skipped: %s", where, reason)
                skipped.append(SkippedRow(where, reason))
    return entries, skipped


def _key(subject: str, clip: str) -> tuple[str, str]:
    """Subject number and clip, as the composite and the datasets both spell them (``s01_ne_01`` = ``s1_ne_01``)."""
    digits = re.sub(r"\D", "", subject)
    return (str(int(digits)) if digits else subject.lower(), re.sub(r"^s0*(\d+)_", r"s\1_", clip.lower()))


def _source_root(base: Path, dataset: str) -> Path:
    for folder in _SOURCE_FOLDERS[dataset]:
        if (base / folder).exists():
            return base / folder
    raise DatasetError(
        f"megc2019: no {dataset} folder in {str(base)!r}; expected one of {list(_SOURCE_FOLDERS[dataset])}"
    )


def load(root: Path | str) -> Samples:
    """Composite samples from ``root`` holding the CSV and the ``SMIC``, ``CASME2`` and ``SAMM`` folders."""
    path = find_file(Path(root), ["*.csv"], "megc2019")
    entries, bad_lines = read_composite(path)
    index: dict[tuple[str, str, str], Sample] = {}
    for dataset, loader in _LOADERS.items():
        if any(entry.dataset == dataset for entry in entries):
            index.update({(dataset, *_key(s.subject, s.name)): s for s in loader(_source_root(path.parent, dataset))})

    def parse(entry: CompositeEntry, where: str) -> Sample:
        sample = index.get((entry.dataset, *_key(entry.subject, entry.clip)))
        if sample is None:
            raise DatasetError(
                f"{where}: {entry.dataset} {entry.subject}/{entry.clip} is not in that dataset's files; "
                "expected a clip the dataset's loader reads"
            )
        return dataclasses.replace(sample, composite=entry.composite)

    joined = read_rows("megc2019", str(path), entries, lambda entry: entry.source, parse)
    return Samples("megc2019", str(path), joined, [*bad_lines, *joined.skipped])
