"""CAS(ME)^2: ``CAS(ME)^2code_final.xlsx`` (released also as ``CASME_sq_gt.xlsx``, ``CAS-data.xlsx``), 30 fps.

The first sheet has no header: ``A subject#, B name (anger1_1), C onset, D apex (0 = missing), E offset
(0 = missing), F AUs, G the coders' class (negative | positive | surprise | others), H type (micro-expression |
macro-expression), I the participant's self-reported emotion``. The composite class comes from column G;
``emotion`` holds column I, whose typo ``happyiness`` is corrected (noted). Sheet ``naming rule1`` maps the
folder number to the subject number (rows ``folder, s<folder>, subject``: the last two filled cells are read);
sheet ``naming rule2`` maps a video code (``0401``) to a video name (``anger1``; the name of a row without its
``_N`` suffix). Frames: ``rawpic/s15/15_0401girlcrashing/img1.jpg``: the clip folder is found on disk by its
``15_0401`` prefix.

Real counts (both releases): 357 rows, 57 micro and 300 macro, 22 subjects; micro by coders' class 21 negative,
8 positive, 9 surprise, 19 others (only 28 of the 57 agree with the self-report). Row 309 has apex 0 (unknown).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from edge.datasets.aus import parse_aus
from edge.datasets.base import Sample, composite_class, emotion_label, frames_root, kind_of, text
from edge.datasets.rows import Samples, read_sheet, row_interval
from edge.datasets.sheets import Sheet, SheetRow, find_file, read_workbook, sheet_named
from edge.errors import DatasetError

logger = logging.getLogger(__name__)

FPS = 30.0
# Column G: the coders' class; "others" has no composite class.
CODERS_CLASSES = ("negative", "positive", "surprise", "others")
# Columns C, D, E: the onset, apex and offset frames.
_FRAMES = {"onset": 2, "apex": 3, "offset": 4}


def _rule1(sheet: Sheet) -> dict[str, str]:
    """Subject number -> folder number, from rows ``folder, subject`` (the last two filled cells)."""
    mapping = {}
    for row in sheet.rows:
        cells = [text(cell) for cell in row.cells if text(cell)]
        numbers = [re.sub(r"^s", "", cell, flags=re.IGNORECASE) for cell in cells[-2:]]
        if len(numbers) == 2 and all(n.isdigit() for n in numbers):
            mapping[str(int(numbers[1]))] = numbers[0]
    if not mapping:
        raise DatasetError(f"{sheet.where(1)}: no 'folder, subject' number pairs; expected rows like '15, 1'")
    return mapping


def _rule2(sheet: Sheet) -> dict[str, str]:
    """Video name -> 4-digit code, from rows holding a number (the code) and a name, in either order."""
    mapping = {}
    for row in sheet.rows:
        cells = [text(cell) for cell in row.cells if text(cell)]
        codes = [cell for cell in cells if cell.isdigit()]
        names = [cell for cell in cells if not cell.isdigit()]
        if codes and names:
            mapping[names[0].lower()] = codes[0].zfill(4)
    if not mapping:
        raise DatasetError(f"{sheet.where(1)}: no 'code, name' pairs; expected rows like '0401, anger1'")
    return mapping


def _clip_folder(frames: Path, folder: str, code: str, quirks: list[str]) -> str:
    prefix = f"{folder}_{code}"
    found = sorted(p.name for p in (frames / f"s{folder}").glob(f"{prefix}*") if p.is_dir())
    if len(found) != 1:
        quirks.append(f"frames folder {prefix}* found {len(found)} time(s)")
        return found[0] if found else prefix
    return found[0]


def load_casme_sq(root: Path | str) -> Samples:
    """Load CAS(ME)^2 from its root folder (or its code ``.xlsx`` itself)."""
    path = find_file(
        Path(root), ["*code_final*.xlsx", "CASME_sq*.xlsx", "CAS-data*.xlsx", "*.xlsx", "*.xls"], "casme_sq"
    )
    sheets = read_workbook(path)
    codes = next(iter(sheets.values()))
    folders = _rule1(sheet_named(sheets, "naming rule1", 1, path))
    videos = _rule2(sheet_named(sheets, "naming rule2", 2, path))
    frames = frames_root(path.parent, "rawpic")

    def parse(row: SheetRow, where: str) -> Sample:
        if len(row.cells) < 9:
            raise DatasetError(f"{where}: {len(row.cells)} cells; expected 9 (subject#, name, onset, apex, ...)")
        quirks: list[str] = []
        subject_number, name = text(row.get(0)), text(row.get(1))
        if subject_number not in folders:
            raise DatasetError(
                f"{where}: subject {subject_number!r} is not in 'naming rule1'; expected {sorted(folders)}"
            )
        video = name.rsplit("_", 1)[0].lower()
        if video not in videos:
            raise DatasetError(
                f"{where}: video {video!r} of {name!r} is not in 'naming rule2'; expected {sorted(videos)}"
            )
        folder = folders[subject_number]
        clip = _clip_folder(frames, folder, videos[video], quirks)
        onset, apex, offset = row_interval(row, _FRAMES, where, quirks, ("onset", "apex", "offset"))
        coded = text(row.get(6)).lower()
        if coded not in CODERS_CLASSES:
            raise DatasetError(f"{where}: class (column G) {coded!r} unknown; expected one of {list(CODERS_CLASSES)}")
        return Sample(
            dataset="casme_sq",
            subject=folder,
            clip=clip,
            name=name,
            onset=onset,
            apex=apex,
            offset=offset,
            aus=parse_aus(row.get(5)),
            emotion=emotion_label(row.get(8), quirks),
            composite=composite_class(coded),
            kind=kind_of(row.get(7), where),
            fps=FPS,
            frames_dir=frames / f"s{folder}" / clip,
            frame_name="img{n}.jpg",
            source=where,
            quirks=tuple(quirks),
        )

    return read_sheet("casme_sq", path, codes, parse)
