"""SMIC-HS (the high-speed camera part of SMIC, 100 fps): no annotation sheet, the folders are the labels.

Layout, as the released ``SMIC_all_cropped`` / ``SMIC`` trees are read by published code::

    HS/s1/micro/negative/s1_ne_01/reg_image046243.bmp
    HS/s1/micro/positive/s1_po_01/...
    HS/s1/micro/surprise/s1_sur_01/...
    HS/s1/non_micro/...              (not micro-expressions: not read)

Each clip folder holds the frames of one micro-expression, from onset to offset, named with the absolute frame
number (``image046243.bmp`` raw, ``reg_image046243.bmp`` cropped; the name's prefix, zero padding and
extension are read from the files). So ``onset``/``offset`` are the first and last frame numbers found and
``apex`` is None (SMIC annotates no apex; a user of the sample takes the middle frame). The class folder
(negative / positive / surprise) is both the emotion and the composite class; SMIC has no AU coding. The
subject is ``s01`` (zero-padded like the MEGC2019 composite, which names clips ``s01_ne_01`` where the folder
says ``s1_ne_01``; :mod:`edge.datasets.megc2019` matches both). HS has 164 clips of 16 subjects: 70 negative,
51 positive, 43 surprise, all of them in the composite.

What this relies on (no SMIC copy was available here): the subject / ``micro`` / class / clip folder nesting
and the ``HS`` top folder as read by public loaders of ``SMIC_all_cropped/HS`` (for example a MATLAB template
that walks ``SMIC_all_cropped\\HS\\<subject>\\micro\\<class>\\<clip>`` and Python loaders that glob
``HS/s1/micro/negative/s1_ne_01/reg_*.bmp``), and the 164 SMIC rows of the MEGC2019 composite ground truth
(``combined_3class_gt.csv``) for the subjects, clip names and counts. The frame file names vary between
copies, hence they are read from disk rather than assumed.
"""

from __future__ import annotations

import re
from pathlib import Path

from edge.datasets.base import Sample, composite_class
from edge.datasets.rows import Samples, read_rows
from edge.errors import DatasetError

FPS = 100.0
CLASSES = ("negative", "positive", "surprise")
FRAME_SUFFIXES = (".bmp", ".jpg", ".jpeg", ".png")
_FRAME = re.compile(r"^(?P<prefix>.*?)(?P<digits>\d+)$")
_SUBJECT = re.compile(r"^s(\d+)$", re.IGNORECASE)


def hs_folder(root: Path) -> Path:
    """The ``HS`` folder: ``root`` itself, or ``root/HS``, ``root/SMIC_all_cropped/HS``, ``root/SMIC/HS``."""
    for candidate in (root, root / "HS", root / "SMIC_all_cropped" / "HS", root / "SMIC" / "HS"):
        if candidate.is_dir() and any(_subjects(candidate)):
            return candidate
    raise DatasetError(
        f"smic: no subject folders (s1/micro/...) in {str(root)!r} or its HS, SMIC_all_cropped/HS, SMIC/HS; "
        "expected HS/s1/micro/negative/s1_ne_01/<frames>"
    )


def _subjects(hs: Path) -> list[Path]:
    return sorted(p for p in hs.iterdir() if p.is_dir() and _SUBJECT.match(p.name) and (p / "micro").is_dir())


def _frames(clip_dir: Path, where: str) -> tuple[str, int, int]:
    """``(frame_name template, first, last)`` from the numbered frame files of one clip folder."""
    numbered: dict[tuple[str, int, str], list[int]] = {}
    for path in clip_dir.iterdir():
        match = _FRAME.match(path.stem)
        if path.suffix.lower() in FRAME_SUFFIXES and match:
            key = (match.group("prefix"), len(match.group("digits")), path.suffix)
            numbered.setdefault(key, []).append(int(match.group("digits")))
    if not numbered:
        raise DatasetError(f"{where}: no numbered frame files; expected e.g. reg_image046243.bmp")
    if len(numbered) > 1:
        raise DatasetError(f"{where}: frame files named in {len(numbered)} ways {sorted(numbered)}; expected one")
    (prefix, width, suffix), numbers = next(iter(numbered.items()))
    return f"{prefix}{{n:0{width}d}}{suffix}", min(numbers), max(numbers)


def load(root: Path | str) -> Samples:
    """Load SMIC-HS from its ``HS`` folder (or a folder holding ``HS``)."""
    hs = hs_folder(Path(root))
    clips = [
        clip
        for subject in _subjects(hs)
        for label in sorted(p for p in (subject / "micro").iterdir() if p.is_dir())
        for clip in sorted(p for p in label.iterdir() if p.is_dir())
    ]

    def parse(clip: Path, where: str) -> Sample:
        label = clip.parent.name.lower()
        if label not in CLASSES:
            raise DatasetError(f"{where}: class folder {clip.parent.name!r} unknown; expected one of {list(CLASSES)}")
        frame_name, first, last = _frames(clip, where)
        number = _SUBJECT.match(clip.parent.parent.parent.name)
        assert number is not None  # _subjects() kept only s<N> folders
        return Sample(
            dataset="smic",
            subject=f"s{int(number.group(1)):02d}",
            clip=clip.name,
            name=clip.name,
            onset=first,
            apex=None,
            offset=last,
            aus=(),
            emotion=label,
            composite=composite_class(label),
            kind="micro",
            fps=FPS,
            frames_dir=clip,
            frame_name=frame_name,
            source=where,
            quirks=("no apex annotated (SMIC)",),
        )

    return read_rows("smic", str(hs), clips, str, parse)
