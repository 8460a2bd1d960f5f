"""The MEGC2019 composite ground truth: a CSV without header, ``dataset,subject,filename,label``.

Labels are 0 negative, 1 positive, 2 surprise; blank ``,,,`` lines occur. :func:`read_composite` returns the
entries; :func:`load` joins them with the CASME II and SAMM loaders (SMIC has no loader here: its entries are
skipped with a warning) and returns those samples with the composite class of the CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from edge.datasets import casme2, samm
from edge.datasets.base import COMPOSITE_CLASSES, Sample
from edge.datasets.sheets import find_file
from edge.errors import DatasetError

logger = logging.getLogger(__name__)

_DATASETS = {"casme2": "casme2", "casmeii": "casme2", "samm": "samm", "smic": "smic"}
_SOURCE_FOLDERS = {"casme2": ("CASME2", "CASME_II", "casme2"), "samm": ("SAMM", "samm")}


@dataclass(frozen=True, slots=True)
class CompositeEntry:
    """One clip of the composite: source dataset, subject, clip (filename) and composite class."""

    dataset: str
    subject: str
    clip: str
    composite: str
    source: str


def read_composite(path: Path | str) -> list[CompositeEntry]:
    """Read the composite CSV; malformed rows raise :class:`DatasetError` naming file and line."""
    path = Path(path)
    entries = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for cells in reader:
            where = f"{path}:{reader.line_num}"
            values = [cell.strip() for cell in cells]
            if not any(values):
                continue
            if len(values) < 4:
                raise DatasetError(
                    f"{where}: {values!r} has {len(values)} cells; expected dataset,subject,filename,label"
                )
            dataset = _DATASETS.get(re.sub(r"[^a-z0-9]", "", values[0].lower()))
            if dataset is None:
                raise DatasetError(f"{where}: dataset {values[0]!r} unknown; expected one of {sorted(set(_DATASETS))}")
            if values[3] not in ("0", "1", "2"):
                raise DatasetError(f"{where}: label {values[3]!r} is not 0, 1 or 2 (negative, positive, surprise)")
            entries.append(CompositeEntry(dataset, values[1], values[2], COMPOSITE_CLASSES[int(values[3])], where))
    return entries


def _key(subject: str, clip: str) -> tuple[str, str]:
    digits = re.sub(r"\D", "", subject)
    return (str(int(digits)) if digits else subject.lower(), clip.lower())


def _source_root(base: Path, dataset: str) -> Path:
    for folder in _SOURCE_FOLDERS[dataset]:
        if (base / folder).exists():
            return base / folder
    raise DatasetError(
        f"megc2019: no {dataset} folder in {str(base)!r}; expected one of {list(_SOURCE_FOLDERS[dataset])}"
    )


def load(root: Path | str) -> list[Sample]:
    """Composite samples from ``root`` holding the CSV and the ``CASME2`` and ``SAMM`` dataset folders."""
    path = find_file(Path(root), ["*.csv"], "megc2019")
    entries = read_composite(path)
    skipped = Counter(entry.dataset for entry in entries if entry.dataset == "smic")
    if skipped:
        logger.warning("megc2019: %d SMIC entries skipped (no SMIC loader)", skipped["smic"])
    loaders = {"casme2": casme2.load, "samm": samm.load}
    samples: list[Sample] = []
    for dataset, loader in loaders.items():
        wanted = [entry for entry in entries if entry.dataset == dataset]
        if not wanted:
            continue
        index = {_key(s.subject, s.name): s for s in loader(_source_root(path.parent, dataset))}
        missing = [entry.source for entry in wanted if _key(entry.subject, entry.clip) not in index]
        if missing:
            logger.warning(
                "megc2019: %d %s entries not in its coding sheet, skipped: %s", len(missing), dataset, missing
            )
        samples.extend(
            dataclasses.replace(index[_key(e.subject, e.clip)], composite=e.composite)
            for e in wanted
            if _key(e.subject, e.clip) in index
        )
    return samples
