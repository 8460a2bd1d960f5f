"""The hand-made real dev labels (tests/fixtures/realdev) are well formed and fit the clips they name."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import pytest

from tests_support import CLIPS

REALDEV = Path(__file__).resolve().parents[2] / "fixtures" / "realdev"
EXPRESSIONS_HEADER = ["clip", "onset", "apex", "offset", "kind", "label", "aus", "notes"]
TALKING_HEADER = ["clip", "start", "end", "notes"]
LABELS = {"negative", "positive", "surprise", "others"}
KINDS = {"micro", "macro"}
# Frame counts as OpenCV reads them (also in realdev/README.md); the clips themselves are never committed.
FRAMES = {
    "d6.mp4": 1008,
    "d11.mp4": 225,
    "d13.mp4": 352,
    "d14.mp4": 536,
    "d20.mp4": 175,
    "s18.mp4": 282,
    "s20.mp4": 297,
    "s29.mp4": 160,
    "s32.mp4": 180,
    "single_face.mp4": 72,
    "WolfgangLanger_Pexels.mp4": 472,
}
FPS = {name: 25.0 if name in ("d11.mp4", "d20.mp4") else 30.0 for name in FRAMES}
FPS["WolfgangLanger_Pexels.mp4"] = 24000 / 1001


def _rows(name: str, header: list[str]) -> list[dict[str, str]]:
    with (REALDEV / name).open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == header, f"{name}: header {reader.fieldnames!r}, expected {header!r}"
        return list(reader)


def _clip_path(name: str) -> Path:
    top = CLIPS / name
    return top if top.is_file() else CLIPS / "expressive" / name


def test_expressions_are_well_formed() -> None:
    rows = _rows("expressions.csv", EXPRESSIONS_HEADER)
    assert len(rows) >= 30
    for line, row in enumerate(rows, start=2):
        where = f"expressions.csv line {line}"
        assert row["clip"] in FRAMES, f"{where}: unknown clip {row['clip']!r}"
        onset, apex, offset = int(row["onset"]), int(row["apex"]), int(row["offset"])
        assert 1 <= onset <= apex <= offset <= FRAMES[row["clip"]], f"{where}: {onset}, {apex}, {offset}"
        assert row["label"] in LABELS, f"{where}: label {row['label']!r}"
        assert row["kind"] in KINDS, f"{where}: kind {row['kind']!r}"
        duration_s = (offset - onset) / FPS[row["clip"]]  # as glimpse measures it: offset time - onset time
        assert row["kind"] == ("macro" if duration_s > 0.5 else "micro"), f"{where}: {duration_s:.3f} s"
        assert row["aus"] and all(part.isdigit() for part in row["aus"].split("+")), f"{where}: aus {row['aus']!r}"
        assert row["notes"].strip(), f"{where}: empty notes"


def test_expressions_cover_several_clips_and_classes() -> None:
    rows = _rows("expressions.csv", EXPRESSIONS_HEADER)
    assert len({r["clip"] for r in rows}) >= 6
    assert {r["label"] for r in rows} == LABELS
    assert {r["kind"] for r in rows} == KINDS


def test_no_duplicate_expressions() -> None:
    rows = _rows("expressions.csv", EXPRESSIONS_HEADER)
    keys = [(r["clip"], r["onset"], r["apex"], r["offset"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_talking_is_well_formed() -> None:
    rows = _rows("talking.csv", TALKING_HEADER)
    assert rows
    for line, row in enumerate(rows, start=2):
        assert row["clip"] in FRAMES, f"talking.csv line {line}: unknown clip {row['clip']!r}"
        start, end = int(row["start"]), int(row["end"])
        assert 1 <= start <= end <= FRAMES[row["clip"]], f"talking.csv line {line}: {start}, {end}"


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(FRAMES))
def test_frame_counts_match_the_clip(name: str) -> None:
    path = _clip_path(name)
    if not path.is_file():
        pytest.skip(f"clip {name} not found under {CLIPS}")
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    assert count == FRAMES[name]
    assert fps == pytest.approx(FPS[name], abs=1e-3)
