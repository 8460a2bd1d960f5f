"""Interval / recognition CSV parsing, the MEGC log, the CLI and its plots."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from edge.errors import DatasetError
from edge.evaluation import cli
from edge.evaluation.formats import read_intervals, read_recognition, read_scores

GT = """video,onset,offset,kind,label,apex,aus,emotion,composite,fps,onset_ms,offset_ms,subject
v1,10,20,micro,negative,15,AU4,disgust,negative,200,45,100,01
v1,100,0,micro,positive,110,AU12,happiness,positive,200,495,550,01
,,,,,,,,,,,,
v1,300,400,macro,,350,,,,200,,,01
v2,5,12,micro,surprise,8,AU1+AU2,surprise,surprise,200,,,02
"""
PRED = """video,onset,offset,kind,label,score
v1,11,20,micro,,0.9
v1,100,112,micro,,
v1,700,720,micro,,0.2
v1,300,390,macro,,0.8
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="glimpse")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_ground_truth_extra_columns_offset_zero_and_blank_lines(tmp_path: Path) -> None:
    rows = read_intervals(write(tmp_path, "gt.csv", GT))
    assert [(r.video, r.onset, r.offset, r.kind) for r in rows] == [
        ("v1", 10, 20, "micro"),
        ("v1", 100, 110, "micro"),  # offset 0 -> apex
        ("v1", 300, 400, "macro"),
        ("v2", 5, 12, "micro"),
    ]
    assert rows[0].extra["aus"] == "AU4" and rows[0].apex == 15 and rows[3].line == 6


def test_prediction_scores_parsed(tmp_path: Path) -> None:
    rows = read_intervals(write(tmp_path, "pred.csv", PRED))
    assert [r.score for r in rows] == [0.9, None, 0.2, 0.8]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("video,onset,kind\nv,1,micro\n", "lacks column(s) ['offset']"),
        ("video,onset,offset,kind\nv,1,5,blink\n", ":2: column 'kind': 'blink'"),
        ("video,onset,offset,kind\nv,1,5,micro\nv,x,5,micro\n", ":3: column 'onset': 'x'"),
        ("video,onset,offset,kind\nv,9,5,micro\n", "column 'offset': '5' is not a frame >= onset 9"),
        ("video,onset,offset,kind\nv,0,5,micro\n", "column 'onset': '0'"),
        ("video,onset,offset,kind\nv,1,0,micro\n", "offset 0 needs an 'apex'"),
        ("video,onset,offset,kind\nv,1.5,3,micro\n", "'1.5' is not an integer frame"),
        ("", "empty file"),
    ],
)
def test_malformed_interval_csv_names_line_and_column(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(DatasetError, match=r"bad\.csv") as info:
        read_intervals(write(tmp_path, "bad.csv", text))
    assert needle in str(info.value)


def test_recognition_pred_from_score_columns(tmp_path: Path) -> None:
    text = (
        "subject,clip,dataset,true,pred,score_negative,score_positive,score_surprise\n"
        "01,EP02_01f,casme2,negative,,0.7,0.2,0.1\n"
        "02,EP03_02,casme2,surprise,positive,0.1,0.5,0.4\n"
    )
    rows = read_recognition(write(tmp_path, "rec.csv", text))
    assert [r.pred for r in rows] == ["negative", "positive"]
    assert rows[0].scores == {"negative": 0.7, "positive": 0.2, "surprise": 0.1}


def test_scores_csv_one_video_sorted(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "video,frame,score\nv1,2,0.5\nv2,1,9\nv1,1,0.25\n")
    assert [(p.frame, p.score) for p in read_scores(path, "v1")] == [(1, 0.25), (2, 0.5)]


def test_cli_spotting_json_megc_log_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gt, pred = write(tmp_path, "gt.csv", GT), write(tmp_path, "pred.csv", PRED)
    scores = write(
        tmp_path, "s.csv", "video,frame,score\n" + "".join(f"v1,{n},{(n % 50) / 50}\n" for n in range(1, 800))
    )
    log, png = tmp_path / "megc.log", tmp_path / "curve.png"
    argv = ["eval", "spotting", "--gt", str(gt), "--pred", str(pred), "--json", "--megc-log", str(log)]
    assert run([*argv, "--plot-clip", "v1", "--scores", str(scores), "--plot", str(png)]) == 0
    report = json.loads(capsys.readouterr().out)
    # micro: TP (11-20 vs 10-20), TP (100-112 vs 100-110: 11/13), FP 700-720, FN v2; macro: TP
    assert report["micro"]["tp"] == 2 and report["micro"]["fp"] == 1 and report["micro"]["fn"] == 1
    assert report["overall"]["tp"] == 3 and report["overall"]["f1"] == pytest.approx(6 / 8)
    lines = log.read_text().splitlines()
    assert lines[0] == "VideoID GT_on GT_off Pred_on Pred_off Result"
    assert "v1 - - 700 720 FP" in lines and "v2 5 12 - - FN" in lines and "v1 10 20 11 20 TP" in lines
    import cv2

    image = cv2.imread(str(png))
    assert image is not None and image.shape == (320, 1200, 3)


def test_cli_spotting_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["eval", "spotting", "--gt", str(write(tmp_path, "g.csv", GT)), "--pred", str(tmp_path / "g.csv")]) == 0
    out = capsys.readouterr().out
    assert "overall" in out and "1.0000" in out


def test_cli_spotting_warns_about_repeated_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A video analysed twice into one --out used to double its rows: each repeat is a false positive."""
    gt = write(tmp_path, "g.csv", GT)
    doubled = write(tmp_path, "p.csv", PRED + "".join(PRED.splitlines(keepends=True)[1:3]))
    assert run(["eval", "spotting", "--gt", str(gt), "--pred", str(doubled)]) == 0
    err = capsys.readouterr().err
    assert "repeats rows of 1 video(s): v1 (2)" in err and "false positive" in err
    assert run(["eval", "spotting", "--gt", str(gt), "--pred", str(write(tmp_path, "q.csv", PRED))]) == 0
    assert capsys.readouterr().err == ""


def test_cli_malformed_csv_exits_2_with_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "pred.csv", "video,onset,offset,kind\nv1,5,x,micro\n")
    assert run(["eval", "spotting", "--gt", str(write(tmp_path, "gt.csv", GT)), "--pred", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "pred.csv:2: column 'offset': 'x'" in err


def test_cli_recognition_table_json_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "subject,clip,dataset,true,pred\n"
        "01,a,casme2,negative,negative\n02,b,casme2,positive,negative\n006,c,samm,surprise,surprise\n"
    )
    path, png = write(tmp_path, "rec.csv", text), tmp_path / "cm.png"
    assert run(["eval", "recognition", "--pred", str(path), "--confusion-png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "overall" in out and "samm" in out and "true \\ pred" in out
    assert run(["eval", "recognition", "--pred", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["confusion"] == [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    import cv2

    assert cv2.imread(str(png)) is not None


def test_cli_recognition_missing_pred_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "rec.csv", "subject,clip,dataset,true,pred\n01,a,casme2,negative,\n")
    assert run(["eval", "recognition", "--pred", str(path)]) == 2
    assert "rec.csv:2: column 'pred'" in capsys.readouterr().err


def test_binary_file_is_a_clear_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from edge.cli import main

    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"\xff\xfe\x00\x01garbage\n")
    assert main(["eval", "spotting", "--gt", str(blob), "--pred", str(blob)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
