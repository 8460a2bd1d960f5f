"""CAS(ME)^2 (``CAS(ME)^2code_final.xlsx``, 30 fps) and CAS(ME)^3 part A (sheet ``label``, 30 fps).

CAS(ME)^2's first sheet has no header: ``subject#, name (anger1_1), onset, apex, offset (0 = missing), AUs,
objective class, type (micro-expression | macro-expression), emotion``. Sheet ``naming rule1`` maps the
folder number to the subject number (two cells a row: folder, subject); sheet ``naming rule2`` maps a video
code (``0401``) to a video name (``anger1``; the name of a row without its ``_N`` suffix). Frames:
``rawpic/s15/15_0401girlcrashing/img1.jpg``: the clip folder is found on disk by its ``15_0401`` prefix.

CAS(ME)^3 part A: sheet ``label``, ``Subject, Filename, Onset, Apex, Offset, AU, Objective class, emotion``;
frames ``{Subject}/{Filename}/color/{n}.jpg``. Rows are micro-expressions unless a ``Type`` column says
otherwise or ``kind="macro"`` is passed (the macro-expression sheet has the same layout).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from edge.datasets.base import Kind, Sample, composite_class, frame_number, interval, kind_of, parse_aus, text
from edge.datasets.sheets import Sheet, find_file, find_header, read_workbook, sheet_named
from edge.errors import DatasetError

logger = logging.getLogger(__name__)

FPS = 30.0
CASME3_COLUMNS = {
    "subject": ["Subject"],
    "filename": ["Filename"],
    "onset": ["Onset"],
    "apex": ["Apex"],
    "offset": ["Offset"],
    "aus": ["AU", "Action Units"],
    "emotion": ["emotion", "Estimated Emotion"],
}


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


def load_casme_sq(root: Path | str) -> list[Sample]:
    """Load CAS(ME)^2 from its root folder (or ``CAS(ME)^2code_final.xlsx`` itself)."""
    path = find_file(Path(root), ["*code_final*.xlsx", "*.xlsx"], "casme_sq")
    sheets = read_workbook(path)
    codes = next(iter(sheets.values()))
    folders = _rule1(sheet_named(sheets, "naming rule1", 1, path))
    videos = _rule2(sheet_named(sheets, "naming rule2", 2, path))
    frames = path.parent / "rawpic" if (path.parent / "rawpic").is_dir() else path.parent
    samples = []
    for row in codes.rows:
        where = codes.where(row.number)
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
        onset, apex, offset = interval(
            frame_number(row.get(2), where, "onset", quirks),
            frame_number(row.get(3), where, "apex", quirks),
            frame_number(row.get(4), where, "offset", quirks),
            where,
            quirks,
        )
        emotion = text(row.get(8)).lower()
        samples.append(
            Sample(
                dataset="casme_sq",
                subject=folder,
                clip=clip,
                name=name,
                onset=onset,
                apex=apex,
                offset=offset,
                aus=parse_aus(row.get(5)),
                emotion=emotion,
                composite=composite_class(emotion),
                kind=kind_of(row.get(7), where),
                fps=FPS,
                frames_dir=frames / f"s{folder}" / clip,
                frame_name="img{n}.jpg",
                source=where,
                quirks=tuple(quirks),
            )
        )
    return samples


def load_casme3(root: Path | str, *, kind: Kind = "micro") -> list[Sample]:
    """Load CAS(ME)^3 part A from its root folder (or the label ``.xlsx`` itself)."""
    path = find_file(Path(root), ["*part_A*.xlsx", "*.xlsx"], "casme3")
    sheet = sheet_named(read_workbook(path), "label", 0, path)
    header, col = find_header(sheet, 1, CASME3_COLUMNS)
    header_cells = next(r.cells for r in sheet.rows if r.number == header)
    type_col = next((i for i, cell in enumerate(header_cells) if text(cell).lower() == "type"), None)
    samples = []
    for row in (r for r in sheet.rows if r.number > header):
        where = sheet.where(row.number)
        quirks: list[str] = []
        subject, clip = text(row.get(col["subject"])), text(row.get(col["filename"]))
        if not subject or not clip:
            raise DatasetError(f"{where}: Subject {subject!r} / Filename {clip!r}; expected both non-empty")
        onset, apex, offset = interval(
            frame_number(row.get(col["onset"]), where, "Onset", quirks),
            frame_number(row.get(col["apex"]), where, "Apex", quirks),
            frame_number(row.get(col["offset"]), where, "Offset", quirks),
            where,
            quirks,
        )
        emotion = text(row.get(col["emotion"])).lower()
        samples.append(
            Sample(
                dataset="casme3",
                subject=subject,
                clip=clip,
                name=clip,
                onset=onset,
                apex=apex,
                offset=offset,
                aus=parse_aus(row.get(col["aus"])),
                emotion=emotion,
                composite=composite_class(emotion),
                kind=kind if type_col is None else kind_of(row.get(type_col), where),
                fps=FPS,
                frames_dir=path.parent / subject / clip / "color",
                frame_name="{n}.jpg",
                source=where,
                quirks=tuple(quirks),
            )
        )
    return samples
