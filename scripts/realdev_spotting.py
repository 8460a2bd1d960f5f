#!/usr/bin/env python3
"""Spotting on the hand-labelled real dev set (report only; never tune or select on it).

    .venv/bin/python scripts/realdev_spotting.py [--clips DIR] [--set K=V ...]

Every clip of ``../shared/clips/expressive/`` and ``../shared/clips/`` goes through the analyzer that
``glimpse analyze`` builds (face, motion, spotting, classification; default configuration plus ``--set``).
Its events are compared with ``tests/fixtures/realdev/expressions.csv`` and ``talking.csv``; per clip:

- ``labelled``: labelled expressions (micro / macro by the labels' duration rule);
- ``hit``: labelled expressions overlapped by a counted event of any kind (the issue's first measure), and
  ``IoU``: those matched at IoU >= 0.5 with the label's kind (the MEGC rule, as ``glimpse eval spotting``);
- ``macro hit``: labelled macro expressions overlapped by a counted macro event;
- ``events``: counted events (micro / macro), and ``cut``: events flagged truncated (never counted);
- ``talk micro``: counted micro events whose middle frame lies in a labelled talking stretch, and the talking
  time. Pooled rows at the end give MEGC counts (``edge.evaluation.spotting``) and micro events per minute of
  talking.

Unlabelled stretches are not "no expression" (d6 has many unlabelled grimaces, s29 smiles throughout), so
events outside the labels are counted but not called false positives here.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

#: Run this tree's package, whichever environment runs the script (a worktree may share one).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "realdev"


def _read(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def _events(path: Path, overrides: list[str]) -> tuple[list[Any], list[Any], int, float]:
    """(counted events, truncated events, frames, fps) of one clip through the default analyzer."""
    import cv2

    from edge.capture.registry import open_source
    from edge.config.loader import apply_overrides, validate
    from edge.metrics import Metrics
    from edge.offline import run_sequential
    from edge.stages import build_analyzer

    capture = cv2.VideoCapture(str(path))
    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    capture.release()
    config = validate(apply_overrides({}, overrides))
    analyzer = build_analyzer(config, path.name, Metrics())
    try:
        summary = run_sequential(open_source(f"file:{quote(str(path), safe='/')}?realtime=false"), analyzer)
    finally:
        analyzer.stages.close()
    return summary.events, getattr(summary, "truncated", []), summary.frames_analyzed, fps  # older checkouts: none


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0) + 1)


def main(argv: list[str] | None = None) -> int:
    from edge.cli_common import add_set_arg
    from edge.evaluation.formats import IntervalRow
    from edge.evaluation.spotting import score_spotting

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_clips = Path(os.environ.get("GLIMPSE_CLIPS", ROOT.parent / "shared" / "clips"))
    parser.add_argument("--clips", type=Path, default=default_clips)
    add_set_arg(parser, "configuration override, repeatable")
    args = parser.parse_args(argv)
    labels, talking = _read("expressions.csv"), _read("talking.csv")
    paths = sorted((args.clips / "expressive").glob("*.mp4")) + sorted(args.clips.glob("*.mp4"))
    gt_rows, pred_rows = [], []
    totals = {"labelled": 0, "hit": 0, "macro": 0, "macro_hit": 0, "talk_micro": 0, "talk_s": 0.0, "s": 0.0}
    print(f"spotting.{' '.join(args.overrides) or 'defaults'}")
    print("| clip | s | labelled (mi/ma) | hit | IoU>=0.5 | macro hit | events (mi/ma) | cut | talk micro / s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in paths:
        events, cut, frames, fps = _events(path, args.overrides)
        seconds = frames / fps if fps else 0.0
        gt = [r for r in labels if r["clip"] == path.name]
        spans = [(e.onset_frame, e.offset_frame, e.kind) for e in events]
        hit = sum(any(_overlap(int(g["onset"]), int(g["offset"]), a, b) for a, b, _ in spans) for g in gt)
        macro = [g for g in gt if g["kind"] == "macro"]
        mhit = sum(
            any(_overlap(int(g["onset"]), int(g["offset"]), a, b) for a, b, k in spans if k == "macro") for g in macro
        )
        gt_rows += [IntervalRow(path.stem, int(g["onset"]), int(g["offset"]), g["kind"], g["label"]) for g in gt]
        pred_rows += [IntervalRow(path.stem, a, b, k) for a, b, k in spans]
        stretches = [(int(t["start"]), int(t["end"])) for t in talking if t["clip"] == path.name]
        talk_s = sum(b - a + 1 for a, b in stretches) / fps if fps else 0.0
        talk_micro = sum(
            any(a <= (e.onset_frame + e.offset_frame) // 2 <= b for a, b in stretches)
            for e in events
            if e.kind == "micro"
        )
        single = score_spotting(gt_rows[len(gt_rows) - len(gt) :], [r for r in pred_rows if r.video == path.stem])
        micro_n = sum(e.kind == "micro" for e in events)
        n_mi = sum(g["kind"] == "micro" for g in gt)
        print(
            f"| {path.name} | {seconds:.1f} | {len(gt)} ({n_mi}/{len(gt) - n_mi}) | {hit} | {single.overall.tp} "
            f"| {mhit}/{len(macro)} | {len(events)} ({micro_n}/{len(events) - micro_n}) | {len(cut)} "
            f"| {talk_micro} / {talk_s:.1f} |"
        )
        for key, value in (("labelled", len(gt)), ("hit", hit), ("macro", len(macro)), ("macro_hit", mhit)):
            totals[key] += value
        totals["talk_micro"] += talk_micro
        totals["talk_s"] += talk_s
        totals["s"] += seconds
    report = score_spotting(gt_rows, pred_rows)
    rate = 60.0 * totals["talk_micro"] / totals["talk_s"] if totals["talk_s"] else 0.0
    print(
        f"\nall: {totals['s']:.0f} s; labelled {totals['labelled']}, overlapped by an event {totals['hit']}; "
        f"macro labels overlapped by a macro event {totals['macro_hit']}/{totals['macro']}; "
        f"micro events on talking {totals['talk_micro']} in {totals['talk_s']:.1f} s = {rate:.2f}/min"
    )
    for kind in ("micro", "macro"):
        c = report.by_kind[kind]
        print(f"MEGC {kind}: TP {c.tp} FP {c.fp} FN {c.fn} F1 {c.f1:.4f} (FP includes unlabelled movements)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
