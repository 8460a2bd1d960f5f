"""CAS(ME)^3 part A: the label workbook (sheet ``label``), 30 fps.

Columns ``Subject, Filename, Onset, Apex, Offset, AU, Objective class, emotion``; frames
``{Subject}/{Filename}/color/{n}.jpg``. ``Filename`` is a clip letter (``a``) that several subjects use and
one clip holds up to 17 movements, so ids are built to be unambiguous: ``clip`` = ``spNO.1_a`` (the video),
``name`` = ``spNO.1_a_355`` (the video and the onset). Rows are micro-expressions unless a ``Type`` column
says otherwise or ``kind="macro"`` is passed (the macro-expression sheet has the same layout). The v2 labels
are ``.xlsx``; the first release's ``.xls`` is read too (xlrd).

Real counts (``casme3_part_A_ME_label_JpgIndex_v2.xlsx``): 860 rows, 94 subjects; row 751 (offset before
onset) and row 752 (onset 0) are skipped, leaving 858 samples: 457 negative, 55 positive, 187 surprise, 159
others. Frame cells are text (``'355'``) and parsed as numbers.
"""

from __future__ import annotations

from pathlib import Path

from edge.datasets.aus import parse_aus
from edge.datasets.base import Kind, Sample, composite_class, emotion_label, kind_of, text
from edge.datasets.rows import Samples, read_sheet, row_interval
from edge.datasets.sheets import SheetRow, find_file, find_header, read_workbook, sheet_named
from edge.errors import DatasetError

FPS = 30.0
COLUMNS = {
    "subject": ["Subject"],
    "filename": ["Filename"],
    "onset": ["Onset"],
    "apex": ["Apex"],
    "offset": ["Offset"],
    "aus": ["AU", "Action Units"],
    "emotion": ["emotion", "Estimated Emotion"],
}


def load(root: Path | str, *, kind: Kind = "micro") -> Samples:
    """Load CAS(ME)^3 part A from its root folder (or the label ``.xlsx`` / ``.xls`` itself)."""
    path = find_file(Path(root), ["*part_A*.xlsx", "*part_A*.xls", "*.xlsx", "*.xls"], "casme3")
    sheet = sheet_named(read_workbook(path), "label", 0, path)
    header, col = find_header(sheet, 1, COLUMNS)
    header_cells = next(r.cells for r in sheet.rows if r.number == header)
    type_col = next((i for i, cell in enumerate(header_cells) if text(cell).lower() == "type"), None)

    def parse(row: SheetRow, where: str) -> Sample:
        quirks: list[str] = []
        subject, letter = text(row.get(col["subject"])), text(row.get(col["filename"]))
        if not subject or not letter:
            raise DatasetError(f"{where}: Subject {subject!r} / Filename {letter!r}; expected both non-empty")
        onset, apex, offset = row_interval(row, col, where, quirks)
        emotion = emotion_label(row.get(col["emotion"]), quirks)
        return Sample(
            dataset="casme3",
            subject=subject,
            clip=f"{subject}_{letter}",
            name=f"{subject}_{letter}_{onset}",
            onset=onset,
            apex=apex,
            offset=offset,
            aus=parse_aus(row.get(col["aus"])),
            emotion=emotion,
            composite=composite_class(emotion),
            kind=kind if type_col is None else kind_of(row.get(type_col), where),
            fps=FPS,
            frames_dir=path.parent / subject / letter / "color",
            frame_name="{n}.jpg",
            source=where,
            quirks=tuple(quirks),
        )

    return read_sheet("casme3", path, sheet, parse, header=header)
