"""`glimpse analyze` outputs: a video analysed again replaces its rows instead of doubling them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from edge.errors import SinkError
from edge.sinks.intervals import IntervalFileSink

from tests_support import make_event


def _write(out: Path, video: str, labels: list[str], *, overwrite: bool = False) -> int:
    with IntervalFileSink(out, video, source=f"{video}.mp4", overwrite=overwrite) as sink:
        for label in labels:
            sink.on_event(make_event(label=label).model_copy(update={"source": f"{video}.mp4"}))
        return sink.replaced


def _rows(out: Path) -> list[tuple[str, str]]:
    with (out / "intervals.csv").open(newline="") as fh:
        return [(row["video"], row["label"]) for row in csv.DictReader(fh)]


def _sources(out: Path) -> list[tuple[str, str]]:
    lines = (out / "events.jsonl").read_text().splitlines()
    return [(json.loads(line)["source"], json.loads(line)["emotion"]["label"]) for line in lines]


def test_rerun_replaces_that_videos_rows_and_keeps_the_others(tmp_path: Path) -> None:
    assert _write(tmp_path, "a", ["negative", "positive"]) == 0
    assert _write(tmp_path, "b", ["surprise"]) == 0
    assert _write(tmp_path, "a", ["unknown"]) == 2
    assert _rows(tmp_path) == [("b", "surprise"), ("a", "unknown")]
    assert _sources(tmp_path) == [("b.mp4", "surprise"), ("a.mp4", "unknown")]
    text = (tmp_path / "intervals.csv").read_bytes()
    assert text.count(b"video,onset") == 1 and b"\r\n" not in text


def test_overwrite_starts_afresh(tmp_path: Path) -> None:
    _write(tmp_path, "a", ["negative"])
    _write(tmp_path, "b", ["positive"], overwrite=True)
    assert _rows(tmp_path) == [("b", "positive")]
    assert _sources(tmp_path) == [("b.mp4", "positive")]


def test_a_video_named_like_the_header_keeps_the_header(tmp_path: Path) -> None:
    _write(tmp_path, "video", ["negative"])
    _write(tmp_path, "video", ["positive"])
    assert _rows(tmp_path) == [("video", "positive")]


def test_a_csv_from_before_the_truncated_column_is_extended_not_garbled(tmp_path: Path) -> None:
    old = "video,onset,apex,offset,kind,label,confidence,duration_ms\nold,10,12,20,micro,negative,0.9000,100.0\n"
    (tmp_path / "intervals.csv").write_text(old, encoding="utf-8")
    _write(tmp_path, "new", ["positive"])
    with (tmp_path / "intervals.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == "truncated" and {len(row) for row in rows} == {len(rows[0])}  # one layout for every row
    assert rows[1][:2] == ["old", "10"] and rows[1][-1] == ""  # unknown for the old row, which eval keeps
    assert rows[2][0] == "new" and rows[2][-1] == "0"


def test_a_foreign_csv_is_refused_and_left_alone(tmp_path: Path) -> None:
    foreign = "id,score\n1,0.5\n"
    (tmp_path / "intervals.csv").write_text(foreign, encoding="utf-8")
    with pytest.raises(SinkError, match="--overwrite"):
        _write(tmp_path, "new", ["positive"])
    assert (tmp_path / "intervals.csv").read_text(encoding="utf-8") == foreign
