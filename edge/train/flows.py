"""Precomputed flow images listed in a manifest: the community's distribution format of the composite.

One image per clip: the onset-to-apex optical flow as a 28 x 28 8-bit PNG whose RGB channels are u (right
positive), v (down positive) and optical strain, each min-max normalised per image; the representation
:func:`edge.engine.classify_flow` takes. The manifest is a CSV ``path,subject,label[,dataset]`` (a header
row with those names is optional; without one the columns are in that order); ``path`` is relative to the
manifest's folder, ``label`` is ``negative|positive|surprise`` or ``0|1|2``. A row that cannot be used (an
unknown label, a missing or unreadable image, a wrong size or depth) is skipped with one warning and listed
in ``FlowSet.skipped``::

    flows = read_manifest("/data/megc2019_flows/manifest.csv")
    flows.x.shape    # (N, 3, 28, 28) float32 in [0, 1]
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.datasets.rows import SkippedRow
from edge.engine.labels import COMPOSITE_CLASSES
from edge.errors import DatasetError
from edge.motion.features import minmax

logger = logging.getLogger(__name__)

SIZE = 28
COLUMNS = ("path", "subject", "label", "dataset")
DEFAULT_DATASET = "flows"
_LABELS = {**{c: i for i, c in enumerate(COMPOSITE_CLASSES)}, **{str(i): i for i in range(len(COMPOSITE_CLASSES))}}


@dataclass(frozen=True, slots=True)
class FlowSet:
    """The usable rows of a manifest: inputs ``x`` [N, 3, 28, 28], class indices, and who each row is."""

    x: npt.NDArray[np.float32]
    label: npt.NDArray[np.int64]
    subject: tuple[str, ...]
    dataset: tuple[str, ...]
    clip: tuple[str, ...]
    source: str
    skipped: tuple[SkippedRow, ...] = ()

    def __len__(self) -> int:
        return len(self.label)

    def folds(self) -> list[tuple[str, str]]:
        """The fold key of each row: ``(dataset, subject)``, so equal subject ids of two datasets differ."""
        return list(zip(self.dataset, self.subject, strict=True))

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows per dataset and class, for reports."""
        out: dict[str, dict[str, int]] = {}
        for (dataset, label), n in sorted(Counter(zip(self.dataset, self.label.tolist(), strict=True)).items()):
            out.setdefault(dataset, {})[COMPOSITE_CLASSES[label]] = n
        return out


def read_flow_image(path: Path, where: str) -> npt.NDArray[np.float32]:
    """One ``[3, 28, 28]`` input from an RGB PNG (u, v, strain), each channel min-max normalised again."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DatasetError(f"{where}: {str(path)!r} is missing or not an image; expected a 28x28 RGB PNG")
    if image.dtype != np.uint8:
        raise DatasetError(f"{where}: {str(path)!r} has {image.dtype} pixels; expected 8-bit")
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise DatasetError(f"{where}: {str(path)!r} has shape {image.shape}; expected RGB (u, v, strain)")
    if image.shape[:2] != (SIZE, SIZE):
        raise DatasetError(f"{where}: {str(path)!r} is {image.shape[1]}x{image.shape[0]}; expected {SIZE}x{SIZE}")
    rgb = image[:, :, 2::-1].astype(np.float32) / 255.0  # OpenCV reads BGR(A): R, G, B = u, v, strain
    return np.stack([minmax(rgb[:, :, c]) for c in range(3)])


def _header(cells: list[str]) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in cells]
    if "path" not in names:
        return None
    missing = [c for c in COLUMNS[:3] if c not in names]
    if missing:
        raise DatasetError(f"manifest header {cells!r} lacks {missing}; expected path,subject,label[,dataset]")
    return {c: names.index(c) for c in COLUMNS if c in names}


def _row(cells: list[str], col: dict[str, int], base: Path, where: str) -> tuple[npt.NDArray[np.float32], int, str]:
    if len(cells) <= max(col[c] for c in COLUMNS[:3]):
        raise DatasetError(f"{where}: {cells!r} has {len(cells)} cells; expected path,subject,label[,dataset]")
    label = cells[col["label"]].strip().lower()
    if label not in _LABELS:
        raise DatasetError(f"{where}: label {label!r} unknown; expected one of {sorted(_LABELS)}")
    if not cells[col["subject"]].strip():
        raise DatasetError(f"{where}: empty subject; expected the subject id of the clip")
    return read_flow_image(base / cells[col["path"]].strip(), where), _LABELS[label], cells[col["path"]].strip()


def read_manifest(path: Path | str) -> FlowSet:
    """Read a flow manifest and its images; raises :class:`DatasetError` when no row is usable."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"flow manifest {str(path)!r} not found; expected a CSV path,subject,label[,dataset]")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = [(n, cells) for n, cells in enumerate(csv.reader(handle), start=1) if any(c.strip() for c in cells)]
    col = _header(lines[0][1]) if lines else None
    if col is not None:
        lines = lines[1:]
    col = col or {name: i for i, name in enumerate(COLUMNS)}
    xs, labels, subjects, datasets, clips, skipped = [], [], [], [], [], []
    for number, cells in lines:
        where = f"{path}:{number}"
        try:
            x, label, clip = _row(cells, col, path.parent, where)
        except DatasetError as exc:
            reason = str(exc).removeprefix(f"{where}: ")
            logger.warning("%s: row skipped: %s", where, reason)
            skipped.append(SkippedRow(where, reason))
            continue
        dataset = cells[col["dataset"]].strip() if "dataset" in col and len(cells) > col["dataset"] else ""
        xs.append(x)
        labels.append(label)
        subjects.append(cells[col["subject"]].strip())
        datasets.append(dataset or DEFAULT_DATASET)
        clips.append(clip)
    if not xs:
        raise DatasetError(f"{path}: no usable row ({len(skipped)} skipped); expected path,subject,label[,dataset]")
    logger.info("%s: %d flow images, %d row(s) skipped", path, len(xs), len(skipped))
    return FlowSet(
        np.stack(xs).astype(np.float32),
        np.asarray(labels, dtype=np.int64),
        tuple(subjects),
        tuple(datasets),
        tuple(clips),
        str(path),
        tuple(skipped),
    )


def write_flow_image(path: Path, x: npt.NDArray[np.float32]) -> Path:
    """Write a ``[3, 28, 28]`` input as the distributed format: 8-bit RGB PNG, each channel min-max to 0..255."""
    import cv2

    rgb = np.stack([np.round(minmax(x[c]) * 255.0) for c in range(3)], axis=-1).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), rgb[:, :, ::-1]):
        raise DatasetError(f"cannot write {str(path)!r}; expected a writable .png path")
    return path
