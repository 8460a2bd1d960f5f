"""SAMM (``SAMM_Micro_FACS_Codes_v2.xlsx``, header on row 14) and SAMM Long Videos (header on row 10); 200 fps.

SAMM frames: ``SAMM/006/006_1_2/006_05562.jpg``. SAMM-LV frames: ``SAMM_longvideos/006_1/006_1_0001.jpg``,
the clip being the first two parts of the ``Filename`` (``006_1_2`` -> ``006_1``); its ``Type`` is ``Macro``
or ``Micro - 1/2`` and an apex of -1 means not annotated. SAMM-LV has no emotion column.

Real counts (``SAMM_Micro_FACS_Codes_v2.xlsx``, sheet ``MICRO_ONLY``): 159 rows, 29 subjects, ``Micro`` always
``Micro - 1/2``. ``SAMMLV_gt.xlsx`` (sheet ``FACS_Movement_Only``): 502 rows, 159 micro and 343 macro; the 10
macro rows with onset 0 are skipped (as published spotting code does), 6 apexes are -1 and 178 frame numbers
fractional (rounded, noted in ``quirks``). AU cells use SAMM's own key (see :mod:`edge.datasets.aus`).
"""

from __future__ import annotations

from pathlib import Path

from edge.datasets.aus import parse_aus
from edge.datasets.base import Sample, composite_class, emotion_label, frames_root, kind_of, subject_id, text
from edge.datasets.rows import Samples, read_sheet, row_interval
from edge.datasets.sheets import SheetRow, find_file, find_header, first_sheet
from edge.errors import DatasetError

FPS = 200.0
SAMM_HEADER_ROW = 14
SAMM_LV_HEADER_ROW = 10
SAMM_COLUMNS = {
    "subject": ["Subject"],
    "filename": ["Filename"],
    "onset": ["Onset Frame"],
    "apex": ["Apex Frame"],
    "offset": ["Offset Frame"],
    "micro": ["Micro"],
    "aus": ["Action Units"],
    "emotion": ["Estimated Emotion"],
}
SAMM_LV_COLUMNS = {
    "subject": ["Subject"],
    "filename": ["Filename"],
    "onset": ["Onset"],
    "apex": ["Apex"],
    "offset": ["Offset"],
    "type": ["Type"],
    "aus": ["Action Units"],
}


def load(root: Path | str) -> Samples:
    """Load SAMM from its root folder (or ``SAMM_Micro_FACS_Codes_v2.xlsx`` itself)."""
    path = find_file(Path(root), ["SAMM_Micro_FACS_Codes*.xlsx", "*.xlsx", "*.xls"], "samm")
    sheet = first_sheet(path)
    header, col = find_header(sheet, SAMM_HEADER_ROW, SAMM_COLUMNS)
    frames = frames_root(path.parent, "SAMM")

    def parse(row: SheetRow, where: str) -> Sample:
        quirks: list[str] = []
        subject = subject_id(row.get(col["subject"]), 3, where)
        clip = text(row.get(col["filename"]))
        onset, apex, offset = row_interval(row, col, where, quirks)
        emotion = emotion_label(row.get(col["emotion"]), quirks)
        micro = text(row.get(col["micro"])).lower()
        return Sample(
            dataset="samm",
            subject=subject,
            clip=clip,
            name=clip,
            onset=onset,
            apex=apex,
            offset=offset,
            aus=parse_aus(row.get(col["aus"])),
            emotion=emotion,
            composite=composite_class(emotion),
            kind="macro" if micro.startswith("macro") else "micro",
            fps=FPS,
            frames_dir=frames / subject / clip,
            frame_name=f"{subject}_{{n:05d}}.jpg",
            source=where,
            quirks=tuple(quirks),
        )

    return read_sheet("samm", path, sheet, parse, header=header)


def load_long_videos(root: Path | str) -> Samples:
    """Load SAMM Long Videos from its root folder (or its coding ``.xlsx`` itself)."""
    path = find_file(Path(root), ["SAMM_LongVideos*.xlsx", "SAMMLV*.xlsx", "*.xlsx", "*.xls"], "samm_lv")
    sheet = first_sheet(path)
    header, col = find_header(sheet, SAMM_LV_HEADER_ROW, SAMM_LV_COLUMNS)
    frames = frames_root(path.parent, "SAMM_longvideos")

    def parse(row: SheetRow, where: str) -> Sample:
        quirks: list[str] = []
        subject = subject_id(row.get(col["subject"]), 3, where)
        name = text(row.get(col["filename"]))
        parts = name.split("_")
        if len(parts) < 2:
            raise DatasetError(f"{where}: Filename {name!r} has no video part; expected like '006_1_2'")
        clip = "_".join(parts[:2])
        onset, apex, offset = row_interval(row, col, where, quirks)
        return Sample(
            dataset="samm_lv",
            subject=subject,
            clip=clip,
            name=name,
            onset=onset,
            apex=apex,
            offset=offset,
            aus=parse_aus(row.get(col["aus"])),
            emotion="",
            composite=None,
            kind=kind_of(row.get(col["type"]), where),
            fps=FPS,
            frames_dir=frames / clip,
            frame_name=f"{clip}_{{n:04d}}.jpg",
            source=where,
            quirks=tuple(quirks),
        )

    return read_sheet("samm_lv", path, sheet, parse, header=header)
