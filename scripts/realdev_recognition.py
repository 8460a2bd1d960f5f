#!/usr/bin/env python3
"""The shipped engine on the hand-labelled real dev set (report only; never train, tune or select on it).

    .venv/bin/python scripts/realdev_recognition.py [--clips DIR] [--out DIR] [--include-others] [--set K=V ...]

For each clip named in ``tests/fixtures/realdev/expressions.csv`` this runs exactly what
``glimpse analyze CLIP --intervals ROWS.csv --out OUT/CLIP`` runs (the project's face tracker, then the
classifier on the onset and apex faces of each labelled row), then scores the predicted classes against the
labels: per-class precision, recall, F1 and support, and overall accuracy, UF1 and UAR (UF1/UAR as
``glimpse eval recognition`` computes them), overall and for micro and macro rows separately.

The engine predicts the three MEGC composite classes; rows labelled ``others`` are left out unless
``--include-others`` (then they can only count as misses). Clips are looked for in ``--clips`` (default
``$GLIMPSE_CLIPS`` or ``../shared/clips``) and its ``expressive/`` folder; a missing clip is reported and skipped.
Per-row predictions are written to ``OUT/predictions.csv``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import sys
from collections import Counter
from pathlib import Path

from edge.cli import main as glimpse
from edge.evaluation.formats import RecognitionRow
from edge.evaluation.recognition import RecognitionScores, score_recognition

#: Run this tree's package, whichever environment runs the script (a worktree may share one).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
LABELS_CSV = ROOT / "tests" / "fixtures" / "realdev" / "expressions.csv"
COMPOSITE = ("negative", "positive", "surprise")


def _clip_path(clips: Path, name: str) -> Path | None:
    for candidate in (clips / name, clips / "expressive" / name):
        if candidate.is_file():
            return candidate
    return None


def _classify_clip(
    path: Path, rows: list[dict[str, str]], out: Path, overrides: list[str]
) -> dict[str, dict[str, str]]:
    """Predicted rows of ``intervals.csv`` keyed by 'onset,apex,offset'; bad rows are printed by glimpse."""
    out.mkdir(parents=True, exist_ok=True)
    given = out / "given.csv"
    given.write_text(
        "onset,apex,offset\n" + "".join(f"{r['onset']},{r['apex']},{r['offset']}\n" for r in rows), encoding="utf-8"
    )
    argv = ["analyze", str(path), "--intervals", str(given), "--out", str(out), "--overwrite", "--quiet"]
    for override in overrides:
        argv += ["--set", override]
    with contextlib.redirect_stdout(io.StringIO()):
        glimpse(argv)
    with (out / "intervals.csv").open(newline="") as f:
        return {f"{r['onset']},{r['apex']},{r['offset']}": r for r in csv.DictReader(f)}


def _scores_table(name: str, scores: RecognitionScores) -> str:
    lines = [f"{name}: n {scores.n}, accuracy {scores.accuracy:.3f}, UF1 {scores.uf1:.3f}, UAR {scores.uar:.3f}"]
    lines.append(f"  {'class':<10}{'n':>4}{'pred':>6}{'correct':>9}{'precision':>11}{'recall':>8}{'F1':>7}")
    for c in scores.per_class:
        pred = c.tp + c.fp
        lines.append(f"  {c.label:<10}{c.support:>4}{pred:>6}{c.tp:>9}{c.precision:>11.3f}{c.recall:>8.3f}{c.f1:>7.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from edge.cli_common import add_set_arg

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_clips = Path(os.environ.get("GLIMPSE_CLIPS", ROOT.parent / "shared" / "clips"))
    parser.add_argument("--clips", type=Path, default=default_clips, help="folder of the real clips")
    parser.add_argument("--out", type=Path, default=Path("/tmp/realdev-recognition"), help="working folder")
    parser.add_argument("--include-others", action="store_true", help="score 'others' rows too (always misses)")
    add_set_arg(parser, "glimpse config override, repeatable")
    args = parser.parse_args(argv)

    with LABELS_CSV.open(newline="") as f:
        labelled = list(csv.DictReader(f))
    kept = [r for r in labelled if args.include_others or r["label"] != "others"]
    print(f"{len(labelled)} labelled rows, {len(labelled) - len(kept)} 'others' rows left out")
    by_clip: dict[str, list[dict[str, str]]] = {}
    for row in kept:
        by_clip.setdefault(row["clip"], []).append(row)

    results: list[tuple[dict[str, str], dict[str, str]]] = []
    for clip, rows in by_clip.items():
        path = _clip_path(args.clips, clip)
        if path is None:
            print(f"skipped {clip}: not found under {args.clips}", file=sys.stderr)
            continue
        predicted = _classify_clip(path, rows, args.out / Path(clip).stem, args.overrides)
        for row in rows:
            hit = predicted.get(f"{row['onset']},{row['apex']},{row['offset']}")
            if hit is None:
                print(f"{clip} {row['onset']}-{row['offset']}: not classified (see the message above)")
            else:
                results.append((row, hit))
    if not results:
        print("nothing classified", file=sys.stderr)
        return 1

    labels = (*COMPOSITE, "others") if args.include_others else COMPOSITE
    with (args.out / "predictions.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["clip", "onset", "apex", "offset", "kind", "true", "pred"])
        for row, hit in results:
            writer.writerow([*(row[k] for k in ("clip", "onset", "apex", "offset", "kind", "label")), hit["label"]])
    scored = [
        RecognitionRow(subject=row["clip"], clip=row["clip"], dataset=row["kind"], true=row["label"], pred=hit["label"])
        for row, hit in results
    ]
    extra = sorted({r.pred for r in scored} - set(labels))  # e.g. 'unknown': a miss for every class
    labels = (*labels, *extra)
    report = score_recognition(scored, labels)
    print(_scores_table("overall", report.overall))
    for kind in ("micro", "macro"):
        if kind in report.by_dataset:
            print(_scores_table(kind, report.by_dataset[kind]))
    per_clip = Counter(r.clip for r in scored)
    right = Counter(r.clip for r in scored if r.true == r.pred)
    print("per clip: " + ", ".join(f"{clip} {right[clip]}/{n}" for clip, n in sorted(per_clip.items())))
    print("predicted: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r.pred for r in scored).items())))
    print(f"per-row predictions: {args.out / 'predictions.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
