"""CASME II: ``CASME2-coding-*.xlsx``, header on row 1, 200 fps.

Columns ``Subject, Filename, (blank), OnsetFrame, ApexFrame, OffsetFrame, (blank), Action Units, Estimated
Emotion``; frames ``CASME2_RAW_selected/sub01/EP02_01f/img46.jpg`` or, with ``cropped=True``,
``Cropped/sub01/EP02_01f/reg_img46.jpg`` (N = absolute frame number). Quirks: an apex ``/``, missing apexes.
"""

from __future__ import annotations

from pathlib import Path

from edge.datasets.base import Sample, composite_class, frame_number, interval, parse_aus, subject_id, text
from edge.datasets.sheets import find_file, find_header, read_workbook

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


def load(root: Path | str, *, cropped: bool = False) -> list[Sample]:
    """Load CASME II from its root folder (or the coding ``.xlsx`` itself)."""
    path = find_file(Path(root), ["*coding*.xlsx", "*.xlsx"], "casme2")
    base = path.parent
    sheet = next(iter(read_workbook(path).values()))
    header, col = find_header(sheet, 1, COLUMNS)
    samples = []
    for row in sheet.rows:
        if row.number <= header:
            continue
        where = sheet.where(row.number)
        quirks: list[str] = []
        subject = subject_id(row.get(col["subject"]), 2, where)
        clip = text(row.get(col["filename"]))
        onset, apex, offset = interval(
            frame_number(row.get(col["onset"]), where, "OnsetFrame", quirks),
            frame_number(row.get(col["apex"]), where, "ApexFrame", quirks),
            frame_number(row.get(col["offset"]), where, "OffsetFrame", quirks),
            where,
            quirks,
        )
        emotion = text(row.get(col["emotion"])).lower()
        folder, name = ("Cropped", "reg_img{n}.jpg") if cropped else ("CASME2_RAW_selected", "img{n}.jpg")
        samples.append(
            Sample(
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
                frame_name=name,
                source=where,
                quirks=tuple(quirks),
            )
        )
    return samples
