"""Reading annotation workbooks with openpyxl (imported when called), keeping sheet row numbers for errors."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from edge.errors import DatasetError

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 40


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One non-blank row: its 1-based sheet row number and its cell values."""

    number: int
    cells: tuple[object, ...]

    def get(self, index: int) -> object:
        return self.cells[index] if index < len(self.cells) else None


@dataclass(frozen=True, slots=True)
class Sheet:
    """The non-blank rows of one worksheet."""

    path: Path
    name: str
    rows: tuple[SheetRow, ...]

    def where(self, row: int) -> str:
        return f"{self.path} sheet {self.name!r} row {row}"


def read_workbook(path: Path) -> dict[str, Sheet]:
    """Every sheet of an ``.xlsx`` (openpyxl) or legacy ``.xls`` (xlrd) file by name, in workbook order."""
    if path.suffix.lower() == ".xls":
        return _read_xls(path)
    try:
        import openpyxl
    except ImportError as exc:  # openpyxl is in the train and dev extras
        raise DatasetError(f"reading {path} needs openpyxl; install it (pip install openpyxl)") from exc
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise DatasetError(
            f"{path}: cannot open as an .xlsx workbook ({exc}); expected the dataset's coding sheet"
        ) from exc
    try:
        return {sheet.title: _sheet(path, sheet.title, sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def _sheet(path: Path, name: str, rows: Iterable[Sequence[object]]) -> Sheet:
    kept = tuple(
        SheetRow(number, tuple(None if cell == "" else cell for cell in cells))
        for number, cells in enumerate(rows, start=1)
        if any(cell is not None and str(cell).strip() for cell in cells)
    )
    return Sheet(path, name, kept)


def _read_xls(path: Path) -> dict[str, Sheet]:
    """A legacy Excel 97-2003 workbook (CAS(ME)^3's first label release) through xlrd, pure Python."""
    try:
        import xlrd
    except ImportError as exc:  # xlrd is in the train and dev extras
        raise DatasetError(
            f"reading {path} needs xlrd (pip install xlrd), or save it as .xlsx "
            "(LibreOffice: soffice --headless --convert-to xlsx FILE.xls) and pass that file"
        ) from exc
    try:
        book = xlrd.open_workbook(str(path))
    except (OSError, xlrd.XLRDError, AssertionError, ValueError) as exc:
        raise DatasetError(
            f"{path}: cannot open as an .xls workbook ({exc}); expected the dataset's label sheet"
        ) from exc
    try:
        return {
            sheet.name: _sheet(path, sheet.name, (sheet.row_values(i) for i in range(sheet.nrows)))
            for sheet in book.sheets()
        }
    finally:
        book.release_resources()


def first_sheet(path: Path) -> Sheet:
    """The first sheet of the workbook at ``path``."""
    return next(iter(read_workbook(path).values()))


def sheet_named(sheets: Mapping[str, Sheet], wanted: str, fallback_index: int | None, path: Path) -> Sheet:
    """The sheet whose name matches ``wanted`` ignoring case and spaces, else the one at ``fallback_index``."""
    for name, sheet in sheets.items():
        if normalise(name) == normalise(wanted):
            return sheet
    if fallback_index is not None and fallback_index < len(sheets):
        sheet = list(sheets.values())[fallback_index]
        logger.warning("%s: no sheet named %r; using sheet %r", path, wanted, sheet.name)
        return sheet
    raise DatasetError(f"{path}: no sheet named {wanted!r}; found {list(sheets)}")


def normalise(value: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def find_header(sheet: Sheet, expected_row: int, columns: Mapping[str, Sequence[str]]) -> tuple[int, dict[str, int]]:
    """Locate the header row and return ``(row number, field -> column index)``.

    ``columns`` maps each field to its accepted header spellings. The header is expected on ``expected_row``;
    if it is elsewhere in the first rows a warning is logged (dataset versions differ), if nowhere an error
    names the expected row and the columns.
    """
    candidates = sorted(sheet.rows, key=lambda row: (row.number != expected_row, row.number))
    for row in candidates[:HEADER_SCAN_ROWS]:
        found = _match(row, columns)
        if found is not None:
            if row.number != expected_row:
                logger.warning(
                    "%s: header found on row %d, expected row %d", sheet.where(row.number), row.number, expected_row
                )
            return row.number, found
    at_expected = next((row.cells for row in sheet.rows if row.number == expected_row), ())
    wanted = [names[0] for names in columns.values()]
    raise DatasetError(f"{sheet.where(expected_row)}: header {list(at_expected)!r} lacks the expected columns {wanted}")


def _match(row: SheetRow, columns: Mapping[str, Sequence[str]]) -> dict[str, int] | None:
    header = [normalise(cell) for cell in row.cells]
    found = {}
    for field, names in columns.items():
        spellings = {normalise(name) for name in names}
        index = next((i for i, cell in enumerate(header) if cell in spellings), None)
        if index is None:
            return None
        found[field] = index
    return found


def find_file(root: Path, patterns: Sequence[str], what: str) -> Path:
    """``root`` itself when it is a file, else the first file under it matching a glob pattern, in order."""
    if root.is_file():
        return root
    if not root.is_dir():
        raise DatasetError(f"{what}: {str(root)!r} is neither a file nor a directory; expected the dataset root")
    for pattern in patterns:
        matches = sorted(root.glob(pattern))
        if matches:
            return matches[0]
    raise DatasetError(f"{what}: no annotation file in {str(root)!r}; expected one matching {list(patterns)}")
