"""The user-facing commands end to end on real models: demo, analyze, bench."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from edge.cli import main

from tests_support import CLIPS


def test_demo_spots_what_it_rendered(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--fast", "--set", "dashboard.enabled=false"])
    out = capsys.readouterr().out
    assert code == 0, out
    done = next(line for line in out.splitlines() if line.startswith("demo done:"))
    analysed, dropped = int(done.split()[2]), int(done.split(",")[-1].split()[0])
    assert analysed + dropped == 1350, done  # --fast may outrun analysis: drops are counted, never hidden
    summary = next(line for line in out.splitlines() if "rendered expressions spotted" in line)
    spotted, rendered = (int(x) for x in summary.split()[0].split("/"))
    assert rendered == 5 and spotted >= 3, summary
    assert "micro-expression" in out and "not verdicts" in out


@pytest.mark.skipif(not (CLIPS / "single_face.mp4").is_file(), reason=f"real clips not found in {CLIPS}")
def test_analyze_real_clip_writes_jsonl_csv_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(CLIPS / "single_face.mp4"), "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "single_face.summary.json").read_text())
    assert summary["frames_analyzed"] == 72
    assert summary["face_found_rate"] > 0.95
    with (tmp_path / "intervals.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    header = (tmp_path / "intervals.csv").read_text().splitlines()[0]
    assert header.startswith("video,onset,apex,offset,kind,label")
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(events) == len(rows)
    assert "fps" in out and "face" in out


def test_analyze_rerun_replaces_and_refuses_unwritable_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.avi"
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), i, np.uint8))
    writer.release()
    out = tmp_path / "out"
    texts = []
    for _ in range(2):
        assert main(["analyze", str(clip), "--out", str(out), "--quiet", "--set", "face.tracker=fullframe"]) == 0
        texts.append(((out / "intervals.csv").read_text(), (out / "events.jsonl").read_text()))
    assert texts[0][0].count("video,onset") == 1
    assert texts[1] == texts[0]  # the second run replaced the first one's rows instead of adding to them
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["analyze", str(clip), "--out", str(blocker), "--set", "face.tracker=fullframe"]) == 1
    assert "expected a writable directory" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path), "--out", str(out)]) == 1
    assert "is not a regular file" in capsys.readouterr().err


def test_analyze_unreadable_video_is_a_clear_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 1000)
    assert main(["analyze", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "bad.mp4" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "out")]) == 1


def test_bench_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "synthetic:demo?seconds=3", "--frames", "120", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("fps", "stage_ms", "dropped_frames", "peak_rss_mb", "face_found_rate", "analysis_fps", "cpu_fps"):
        assert key in result
    assert result["frames"] == 120
    # the whole process's peak RSS (interpreter, OpenCV, onnxruntime, models): tens of MB at least
    assert 50.0 < result["peak_rss_mb"] < 4096.0
    assert result["cpu_s"] > 0 and result["cpu_fps"] == pytest.approx(120 / result["cpu_s"], rel=0.01)
    assert {"face", "motion", "spotting"} <= set(result["stage_ms"])
    assert result["face_found_rate"] > 0.9
