"""The common sample type of every dataset loader, and the cell parsing they share.

Every loader turns one licensed dataset's annotation file into a list of :class:`Sample`. Frame numbers are
the datasets' own (1-based file numbers); quirks fixed on the way (``apex '/'``, ``offset 0``, fractional
frames) are listed in ``Sample.quirks`` so nothing is hidden. AU cells are parsed by :mod:`edge.datasets.aus`;
rows that cannot be read are skipped and counted by :mod:`edge.datasets.rows`.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from edge.errors import DatasetError

logger = logging.getLogger(__name__)

Kind = Literal["micro", "macro"]

COMPOSITE_CLASSES = ("negative", "positive", "surprise")

# DESIGN section 9: negative = repression, anger, contempt, disgust, fear, sadness; positive = happiness;
# surprise = surprise; others dropped. Synonyms are the spellings the datasets use.
_COMPOSITE = {
    "repression": "negative",
    "anger": "negative",
    "angry": "negative",
    "contempt": "negative",
    "disgust": "negative",
    "disgusted": "negative",
    "fear": "negative",
    "fearful": "negative",
    "sadness": "negative",
    "sad": "negative",
    "negative": "negative",
    "happiness": "positive",
    "happy": "positive",
    "positive": "positive",
    "surprise": "surprise",
    "surprised": "surprise",
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One annotated facial movement of a dataset.

    ``clip`` is the folder that holds the frames (the video id for spotting); ``name`` is the annotation's own
    id (``EP02_01f``, ``006_1_2``, ``anger1_1``). ``frame_path(n)`` gives the file of frame ``n``::

        sample = load_dataset("casme2", "/data/CASME2")[0]
        first = cv2.imread(str(sample.frame_path(sample.onset)), cv2.IMREAD_GRAYSCALE)
    """

    dataset: str
    subject: str
    clip: str
    name: str
    onset: int
    apex: int | None
    offset: int
    aus: tuple[str, ...]
    emotion: str
    composite: str | None
    kind: Kind
    fps: float
    frames_dir: Path
    frame_name: str
    source: str = ""
    quirks: tuple[str, ...] = ()

    def frame_path(self, n: int) -> Path:
        """Path of frame ``n`` (the dataset's own 1-based numbering); the file may not exist."""
        return self.frames_dir / self.frame_name.format(n=n)

    @property
    def duration_ms(self) -> float:
        return (self.offset - self.onset + 1) * 1000.0 / self.fps


# Spelling slips in the released sheets, fixed and noted: CAS(ME)^2 row 203 says "happyiness".
_TYPOS = {"happyiness": "happiness"}


def frames_root(base: Path, folder: str) -> Path:
    """``base / folder`` where that folder exists (the dataset's frames folder), else ``base``."""
    return base / folder if (base / folder).is_dir() else base


def emotion_label(value: object, quirks: list[str]) -> str:
    """An emotion cell in lower case, known typos corrected (noted in ``quirks``)."""
    label = text(value).lower()
    if label in _TYPOS:
        quirks.append(f"emotion {label!r} -> {_TYPOS[label]!r}")
        return _TYPOS[label]
    return label


def composite_class(emotion: str) -> str | None:
    """Map an emotion label to the MEGC2019 composite class, or None when the class is dropped."""
    return _COMPOSITE.get(emotion.strip().lower())


def text(value: object) -> str:
    """A cell as stripped text; integral floats lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def subject_id(value: object, width: int, where: str) -> str:
    """Zero-padded subject number: ``1``, ``1.0``, ``"01"``, ``"sub01"`` -> ``"01"`` (width 2)."""
    digits = re.sub(r"^(sub|s)", "", text(value), flags=re.IGNORECASE)
    if not digits.isdigit():
        raise DatasetError(f"{where}: subject {value!r} is not a subject number; expected digits like '01'")
    return digits.zfill(width)


def frame_number(value: object, where: str, column: str, quirks: list[str]) -> int | None:
    """Parse a frame cell. Missing, ``/`` and ``-1`` give None; fractional frames round (noted in quirks)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "/", "-", "-1")):
        if value not in (None, ""):
            quirks.append(f"{column} {value!r} -> unknown")
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise DatasetError(f"{where}: column {column!r}: {value!r} is not a frame number; expected an integer")
    if number == -1:
        quirks.append(f"{column} -1 -> unknown")
        return None
    if number < 0:
        raise DatasetError(f"{where}: column {column!r}: {value!r} is negative; expected a frame >= 0")
    if not number.is_integer():
        rounded = math.floor(number + 0.5)
        quirks.append(f"{column} {number!r} -> {rounded}")
        return rounded
    return int(number)


def interval(
    onset: int | None, apex: int | None, offset: int | None, where: str, quirks: list[str]
) -> tuple[int, int | None, int]:
    """Check onset <= apex <= offset; apex 0 is unknown, offset 0 or missing takes the apex (MEGC rule)."""
    if apex == 0:
        quirks.append("apex 0 -> unknown")
        apex = None
    if onset is None or onset < 1:
        raise DatasetError(f"{where}: onset {onset!r} is missing or < 1; expected a frame >= 1")
    if not offset:
        if apex is None:
            raise DatasetError(f"{where}: offset {offset!r} and no apex; expected an offset or an apex frame")
        quirks.append(f"offset {offset!r} -> apex {apex}")
        offset = apex
    if offset < onset:
        raise DatasetError(f"{where}: offset {offset} < onset {onset}; expected onset <= offset")
    if apex is not None and not onset <= apex <= offset:
        quirks.append(f"apex {apex} outside [{onset}, {offset}]")
    return onset, apex, offset


def kind_of(value: object, where: str) -> Kind:
    """``Macro``, ``macro-expression`` -> macro; ``Micro - 1/2``, ``micro-expression`` -> micro."""
    label = text(value).lower()
    if label.startswith("macro"):
        return "macro"
    if label.startswith("micro"):
        return "micro"
    raise DatasetError(f"{where}: type {value!r} is not a kind; expected 'Macro' or 'Micro...' (or '...-expression')")
