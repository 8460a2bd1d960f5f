"""Reading the `--intervals` file: usable rows, per-row problems, and the file-level usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.errors import UsageError
from edge.given_intervals import GivenInterval, read_given_intervals


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gt.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_keep_input_order_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, "Label,Offset,Onset,Apex\nsmile,30,10,20\n\nfrown,9,3,3\n")
    rows, problems = read_given_intervals(path)
    assert problems == []
    assert rows == [GivenInterval(1, 2, 10, 20, 30), GivenInterval(2, 4, 3, 3, 9)]


def test_each_bad_row_gets_a_message_naming_it_and_the_rest_survive(tmp_path: Path) -> None:
    text = "onset,apex,offset\n1,2,3\nx,2,3\n5,4,6\n0,1,2\n4,5,5.5\n7,8\n10,10,10\n"
    rows, problems = read_given_intervals(_write(tmp_path, text))
    assert [(r.row, r.onset) for r in rows] == [(1, 1), (7, 10)]
    assert [p.row for p in problems] == [2, 3, 4, 5, 6]
    messages = [str(p) for p in problems]
    assert messages[0] == "row 2 (line 3): onset 'x' is not a frame number; expected a whole number >= 1"
    assert messages[1] == "row 3 (line 4): onset 5, apex 4, offset 6; expected onset <= apex <= offset"
    assert messages[2].startswith("row 4 (line 5): onset '0' is not a frame number")
    assert messages[3].startswith("row 5 (line 6): offset '5.5' is not a frame number")
    assert messages[4].startswith("row 6 (line 7): offset '' is not a frame number")


def test_missing_file_wrong_header_and_no_rows_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read intervals file .*nope\.csv"):
        read_given_intervals(tmp_path / "nope.csv")
    with pytest.raises(UsageError, match="has header 'onset,peak,offset'; expected the columns onset,apex,offset"):
        read_given_intervals(_write(tmp_path, "onset,peak,offset\n1,2,3\n"))
    with pytest.raises(UsageError, match="has no rows"):
        read_given_intervals(_write(tmp_path, "onset,apex,offset\n\n"))
    with pytest.raises(UsageError, match="has header ''"):
        read_given_intervals(_write(tmp_path, ""))
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x80onset")
    with pytest.raises(UsageError, match="cannot read intervals file"):
        read_given_intervals(binary)
