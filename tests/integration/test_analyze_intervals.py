"""`glimpse analyze VIDEO --intervals FILE.csv`: given intervals classified by the real tracker and engine."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.cli import main

from tests_support import CLIPS

REALDEV = Path(__file__).resolve().parents[1] / "fixtures" / "realdev" / "expressions.csv"
LABELS = {"negative", "positive", "surprise"}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _events(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def _intervals_file(path: Path, rows: list[tuple[object, object, object]]) -> Path:
    path.write_text("onset,apex,offset\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synth_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    """A generated 12 s, 30 fps clip with one micro and one macro expression, and its ground truth."""
    out = tmp_path_factory.mktemp("synth")
    argv = ["synth", "--out", str(out), "--seed", "5", "--fps", "30", "--seconds", "12", "--micro", "1", "--macro", "1"]
    assert main(argv) == 0
    return out / "synth_5_01.mp4", _csv(out / "ground_truth.csv")


@pytest.mark.skipif(not (CLIPS / "expressive" / "d13.mp4").is_file(), reason=f"real clips not found in {CLIPS}")
def test_real_clip_classifies_the_hand_labels_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = [r for r in _csv(REALDEV) if r["clip"] == "d13.mp4"]
    rows = [(r["onset"], r["apex"], r["offset"]) for r in labels]
    given = _intervals_file(tmp_path / "d13.csv", [*rows, (300, 353, 353)])
    code = main(["analyze", str(CLIPS / "expressive" / "d13.mp4"), "--intervals", str(given), "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1, captured.err  # one bad row: the others still ran
    assert f"row {len(rows) + 1} (line {len(rows) + 2}): frames 300-353 go past the video's last frame 352" in (
        captured.err
    )
    written = _csv(tmp_path / "intervals.csv")
    assert [(r["onset"], r["apex"], r["offset"]) for r in written] == rows
    assert [r["kind"] for r in written] == [r["kind"] for r in labels]  # same duration rule as the labels
    assert {r["video"] for r in written} == {"d13"}
    assert all(r["label"] in LABELS for r in written)
    events = _events(tmp_path)
    assert [(e["onset_frame"], e["apex_frame"], e["offset_frame"]) for e in events] == [
        tuple(int(x) for x in row) for row in rows
    ]
    assert all(e["engine"]["backend"] == "onnxruntime" and e["track"] == 1 for e in events)  # type: ignore[index]
    assert f"{len(rows)} of {len(rows) + 1} intervals classified, 1 skipped" in captured.out


def test_given_intervals_get_the_same_answer_as_the_spotting_path(
    synth_clip: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    clip, truth = synth_clip
    assert main(["analyze", str(clip), "--out", str(tmp_path / "spotted"), "--quiet"]) == 0
    spotted = _events(tmp_path / "spotted")
    assert spotted, "the spotter found nothing on the generated clip"
    frames = [(e["onset_frame"], e["apex_frame"], e["offset_frame"]) for e in spotted]
    given = _intervals_file(tmp_path / "given.csv", frames)  # type: ignore[arg-type]
    assert main(["analyze", str(clip), "--intervals", str(given), "--out", str(tmp_path / "given"), "--quiet"]) == 0
    classified = _events(tmp_path / "given")
    assert [(e["onset_frame"], e["apex_frame"], e["offset_frame"]) for e in classified] == frames
    for by_spotter, by_interval in zip(spotted, classified, strict=True):
        assert by_interval["emotion"] == by_spotter["emotion"]
        assert by_interval["action_units"] == by_spotter["action_units"]
        assert by_interval["kind"] == by_spotter["kind"]
        assert by_interval["confidence"] == 1.0  # given, not spotted
    truth_rows = [(t["onset"], t["apex"], t["offset"]) for t in truth]
    gt = _intervals_file(tmp_path / "gt.csv", truth_rows)
    assert main(["analyze", str(clip), "--intervals", str(gt), "--out", str(tmp_path / "gt"), "--quiet"]) == 0
    assert [r["kind"] for r in _csv(tmp_path / "gt" / "intervals.csv")] == [t["kind"] for t in truth]


def test_rows_without_a_face_at_onset_or_apex_are_reported(
    synth_clip: tuple[Path, list[dict[str, str]]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "face_then_blank.avi"
    capture = cv2.VideoCapture(str(synth_clip[0]))
    writer: cv2.VideoWriter | None = None
    for _ in range(30):
        ok, image = capture.read()
        assert ok
        if writer is None:
            size = (image.shape[1], image.shape[0])
            writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, size)
        writer.write(image)
    capture.release()
    assert writer is not None
    for _ in range(30):
        writer.write(np.full_like(image, 128))
    writer.release()
    given = _intervals_file(tmp_path / "given.csv", [(5, 10, 20), (10, 50, 55), (45, 50, 55), (2, 1, 3)])
    code = main(["analyze", str(clip), "--intervals", str(given), "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "row 2 (line 3): no face found at the apex frame 50; expected a tracked face there" in err
    assert "row 3 (line 4): no face found at the onset frame 45" in err
    assert "row 4 (line 5): onset 2, apex 1, offset 3; expected onset <= apex <= offset" in err
    assert [(r["onset"], r["offset"]) for r in _csv(tmp_path / "intervals.csv")] == [("5", "20")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read intervals file"),
        ("start,peak,end\n1,2,3\n", "expected the columns onset,apex,offset"),
        ("onset,apex,offset\n", "has no rows"),
    ],
)
def test_bad_intervals_file_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not read: the file is checked first")
    given = tmp_path / "given.csv"
    if content is not None:
        given.write_text(content, encoding="utf-8")
    assert main(["analyze", str(video), "--intervals", str(given), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not (tmp_path / "out").exists()
