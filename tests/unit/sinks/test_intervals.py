"""`glimpse analyze` outputs: a video analysed again replaces its rows instead of doubling them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

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
