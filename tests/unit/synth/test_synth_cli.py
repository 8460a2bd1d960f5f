"""``glimpse synth`` argument handling and exit codes."""

from __future__ import annotations

from pathlib import Path

from edge.cli import main


def _run(*argv: str) -> int:
    """Through the real entry point: bad arguments are a UsageError, which ``glimpse`` maps to exit 2."""
    return main(["synth", *argv])


def test_writes_clips_and_ground_truth(tmp_path: Path) -> None:
    out = tmp_path / "set"
    argv = ("--out", str(out), "--seed", "2", "--fps", "30", "--seconds", "6", "--micro", "1", "--macro", "0")
    assert _run(*argv, "--clips", "2", "--format", "frames") == 0
    assert (out / "ground_truth.csv").read_text().startswith("video,onset,offset,kind,label,apex,aus")
    assert sorted(p.name for p in out.glob("*.json")) == ["synth_2_01.json", "synth_2_02.json"]
    assert len(list((out / "synth_2_01").glob("*.png"))) == 180


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert _run("--out", str(tmp_path), "--fps", "500") == 2
    assert _run("--out", str(tmp_path), "--seconds", "2", "--macro", "4") == 2
    assert _run("--out", str(tmp_path), "--preset", "bench-nope") == 2
