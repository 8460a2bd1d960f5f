#!/usr/bin/env python3
"""What the pipeline finds on a set of clips, as JSON, to diff before and after an optimisation.

    .venv/bin/python scripts/record_findings.py OUT.json CLIP.mp4 [CLIP.mp4 ...]
    .venv/bin/python scripts/record_findings.py --diff BEFORE.json AFTER.json
    .venv/bin/python scripts/record_findings.py --score FOUND.json   # vs tests/fixtures/realdev/expressions.csv

Per clip (default configuration, every frame, ``glimpse analyze``'s analyzer):
frames, frames with a face, face tracks started, and every event as
(onset, apex, offset, kind, label, AUs). ``--diff`` prints what changed and
exits 1 when anything did. ``--score`` scores the recorded events of the
clips that the hand-labelled real dev set covers by the MEGC protocol
(``edge.evaluation.spotting``; report only, never tune on it). Prints
numbers; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LABELS = "tests/fixtures/realdev/expressions.csv"


def record(clip: Path) -> dict[str, Any]:
    """The findings of the default pipeline on one clip."""
    from edge.capture.registry import open_source
    from edge.config import GlimpseConfig
    from edge.metrics import Metrics
    from edge.offline import run_sequential
    from edge.stages import build_analyzer

    analyzer = build_analyzer(GlimpseConfig(), clip.name, Metrics())
    try:
        summary = run_sequential(open_source(f"file:{quote(str(clip), safe='/')}?realtime=false"), analyzer)
    finally:
        analyzer.close()
    events = [
        [e.onset_frame, e.apex_frame, e.offset_frame, e.kind, e.emotion.label, sorted(a.au for a in e.action_units)]
        for e in summary.events
    ]
    return {"frames": summary.frames_analyzed, "faces": analyzer.faces_seen, "events": events}


def diff(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Print the differences; the number of clips that differ."""
    changed = 0
    for clip in sorted(set(before) | set(after)):
        a, b = before.get(clip), after.get(clip)
        if a == b:
            print(f"{clip}: same ({len(a['events']) if a else 0} events)")
            continue
        changed += 1
        if a is None or b is None:
            print(f"{clip}: only in {'after' if a is None else 'before'}")
            continue
        print(f"{clip}: faces {a['faces']} -> {b['faces']} of {a['frames']} -> {b['frames']} frames")
        gone = [e for e in a["events"] if e not in b["events"]]
        new = [e for e in b["events"] if e not in a["events"]]
        for e in gone:
            print(f"  - {e}")
        for e in new:
            print(f"  + {e}")
    return changed


def score(found: dict[str, Any], labels: Path) -> str:
    """MEGC spotting counts of the recorded events against the real dev labels (clips in both only)."""
    import csv

    from edge.evaluation.formats import IntervalRow
    from edge.evaluation.spotting import score_spotting

    with labels.open(newline="") as fh:
        gt = [
            IntervalRow(r["clip"], int(r["onset"]), int(r["offset"]), r["kind"], r["label"])
            for r in csv.DictReader(fh)
            if r["clip"] in found and r["kind"] in {"micro", "macro"}
        ]
    pred = [IntervalRow(clip, e[0], e[2], e[3], e[4]) for clip, row in found.items() for e in row["events"]]
    report = score_spotting(gt, pred)
    lines = []
    for kind, counts in (*report.by_kind.items(), ("overall", report.overall)):
        c = counts.to_dict()
        lines.append(f"{kind}: TP {c['tp']} FP {c['fp']} FN {c['fn']} F1 {c['f1']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--diff", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--score", type=Path, metavar="FOUND.json")
    parser.add_argument("--labels", type=Path, default=Path(__file__).resolve().parents[1] / LABELS)
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("clips", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.score:
        print(score(json.loads(args.score.read_text()), args.labels))
        return 0
    if args.diff:
        before, after = (json.loads(p.read_text()) for p in args.diff)
        return 1 if diff(before, after) else 0
    if args.out is None or not args.clips:
        parser.error("OUT.json and at least one clip are required")
    found: dict[str, Any] = {}
    for clip in args.clips:
        found[clip.name] = record(clip)
        row = found[clip.name]
        faces, frames, events = row["faces"], row["frames"], len(row["events"])
        print(f"{clip.name}: {faces}/{frames} frames with a face, {events} events", flush=True)
    args.out.write_text(json.dumps(found, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
