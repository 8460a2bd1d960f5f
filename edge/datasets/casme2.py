"""CASME II: ``CASME2-coding-*.xlsx``, header on row 1, 200 fps.

Columns ``Subject, Filename, (blank), OnsetFrame, ApexFrame, OffsetFrame, (blank), Action Units, Estimated
Emotion``; frames ``CASME2_RAW_selected/sub01/EP02_01f/img46.jpg`` or, with ``cropped=True``,
``Cropped/sub01/EP02_01f/reg_img46.jpg`` (N = absolute frame number). Quirks: an apex ``/``, missing apexes.
The released sheets (2014 and 2019) have 255 rows, 26 subjects; 156 rows carry a composite class (CASME II's
fear and sadness count as negative), of which the MEGC2019 composite uses 145.
"""

from __future__ import annotations

from pathlib import Path

from edge.datasets.aus import parse_aus
from edge.datasets.base import Sample, composite_class, emotion_label, subject_id, text
from edge.datasets.rows import Samples, read_sheet, row_interval
from edge.datasets.sheets import SheetRow, find_file, find_header, first_sheet

FPS = 200.0
COLUMNS = {
    "subject": ["Subject"],
    "filename": ["Filename"],
    "onset": ["OnsetFrame", "Onset Frame"],
    "apex": ["ApexFrame", "Apex Frame"],
    "offset": ["OffsetFrame", "Offset Frame"],
    "aus": ["Action Units", "AU"],
    "emotion": ["Estimated Emotion", "Emotion"],
}


def load(root: Path | str, *, cropped: bool = False) -> Samples:
    """Load CASME II from its root folder (or the coding ``.xlsx`` itself)."""
    path = find_file(Path(root), ["*coding*.xlsx", "*coding*.xls", "*.xlsx", "*.xls"], "casme2")
    base = path.parent
    sheet = first_sheet(path)
    header, col = find_header(sheet, 1, COLUMNS)
    folder, frame_name = ("Cropped", "reg_img{n}.jpg") if cropped else ("CASME2_RAW_selected", "img{n}.jpg")

    def parse(row: SheetRow, where: str) -> Sample:
        quirks: list[str] = []
        subject = subject_id(row.get(col["subject"]), 2, where)
        clip = text(row.get(col["filename"]))
        onset, apex, offset = row_interval(row, col, where, quirks, ("OnsetFrame", "ApexFrame", "OffsetFrame"))
        emotion = emotion_label(row.get(col["emotion"]), quirks)
        return Sample(
            dataset="casme2",
            subject=subject,
            clip=clip,
            name=clip,
            onset=onset,
            apex=apex,
            offset=offset,
            aus=parse_aus(row.get(col["aus"])),
            emotion=emotion,
            composite=composite_class(emotion),
            kind="micro",
            fps=FPS,
            frames_dir=base / folder / f"sub{subject}" / clip,
            frame_name=frame_name,
            source=where,
            quirks=tuple(quirks),
        )

    return read_sheet("casme2", path, sheet, parse, header=header)
