#!/usr/bin/env python3
"""What the pipeline finds on a set of clips, as JSON, to diff before and after an optimisation.

    .venv/bin/python scripts/record_findings.py OUT.json CLIP.mp4 [CLIP.mp4 ...]
    .venv/bin/python scripts/record_findings.py --diff BEFORE.json AFTER.json
    .venv/bin/python scripts/record_findings.py --score FOUND.json   # vs tests/fixtures/realdev/expressions.csv
    .venv/bin/python scripts/record_findings.py --frames OUT.json CLIP.mp4 ...  # and every frame's stage outputs

Per clip (default configuration, every frame, ``glimpse analyze``'s analyzer):
frames, frames with a face, face tracks started, and every event as
(onset, apex, offset, kind, label, AUs). With ``--frames``, also every
frame's face output (a hash of its landmarks, transform, aligned crop, quality,
pose and box), motion sample (region values, displacement from rest, head
motion, quality) and spotting score, for optimisations that must not change
any stage's output. ``--diff`` prints what changed (for frames: the first
frame whose face or score differs, the largest motion difference) and exits 1
when anything did. ``--score`` scores the recorded events of the
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


def record(clip: Path, frames: bool = False) -> dict[str, Any]:
    """The findings of the default pipeline on one clip (and, with ``frames``, every frame's stage outputs)."""
    from edge.capture.registry import open_source
    from edge.config import GlimpseConfig
    from edge.metrics import Metrics
    from edge.offline import run_sequential
    from edge.stages import build_analyzer

    analyzer = build_analyzer(GlimpseConfig(), clip.name, Metrics())
    per_frame: list[dict[str, Any]] = []
    if frames:
        _watch(analyzer, per_frame)
    try:
        summary = run_sequential(open_source(f"file:{quote(str(clip), safe='/')}?realtime=false"), analyzer)
    finally:
        analyzer.close()
    events = [
        [e.onset_frame, e.apex_frame, e.offset_frame, e.kind, e.emotion.label, sorted(a.au for a in e.action_units)]
        for e in summary.events
    ]
    found = {"frames": summary.frames_analyzed, "faces": analyzer.faces_seen, "events": events}
    return {**found, "per_frame": per_frame} if frames else found


def _watch(analyzer: Any, out: list[dict[str, Any]]) -> None:
    """Record each frame's face, motion and spotting output as the analyzer produces them."""
    import hashlib

    import numpy as np

    stages = analyzer.stages
    track, move, spot = stages.tracker.process, stages.motion.process, stages.spotter.update

    def digest(*parts: Any) -> str:
        h = hashlib.sha1()
        for part in parts:
            h.update(np.ascontiguousarray(part).tobytes() if isinstance(part, np.ndarray) else repr(part).encode())
        return h.hexdigest()[:16]

    def face(frame: Any) -> Any:
        o = track(frame)
        parts = (o.found, o.track_id, o.landmarks, o.transform, o.aligned, sorted(map(str, o.quality)), o.pose_deg)
        out.append({"face": digest(*parts, o.box, o.score)})
        return o

    def motion(observation: Any) -> Any:
        m = move(observation)
        epoch = m.rest_epoch_ns - m.t_ns if m.rest_epoch_ns >= 0 else None  # relative: t_ns differs per run
        out[-1]["motion"] = [m.valid, sorted(map(str, m.quality)), m.head_motion_px, m.roi_px, m.rest_px, epoch]
        return m

    def spotter(sample: Any) -> Any:
        intervals = spot(sample)
        out[-1]["score"] = float(stages.spotter.score)
        return intervals

    stages.tracker.process, stages.motion.process, stages.spotter.update = face, motion, spotter


def _frames_diff(clip: str, a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """Print how two clips' per-frame records differ; True if they do."""
    if len(a) != len(b):
        print(f"{clip}: {len(a)} -> {len(b)} frames recorded")
        return True
    changed = False
    for key in ("face", "score"):
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x.get(key) != y.get(key)), None)
        if first is not None:
            print(f"{clip}: {key} differs from frame {first} on")
            changed = True
    worst, at = 0.0, -1
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        mx, my = x.get("motion"), y.get("motion")
        if mx == my:
            continue
        if (
            mx is None
            or my is None
            or mx[:2] != my[:2]
            or mx[5] != my[5]
            or any(d.keys() != e.keys() for d, e in ((mx[3], my[3]), (mx[4], my[4])))
        ):
            print(f"{clip}: motion sample {i} differs in validity, quality, regions or rest epoch")
            return True
        gap = max([abs(mx[2] - my[2])] + [abs(d[k] - e[k]) for d, e in ((mx[3], my[3]), (mx[4], my[4])) for k in d])
        if gap > worst:
            worst, at = gap, i
    if at >= 0:
        print(f"{clip}: motion values differ by up to {worst:.3g} px (frame {at})")
        changed = True
    return changed


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
        if "per_frame" in a and "per_frame" in b:
            _frames_diff(clip, a["per_frame"], b["per_frame"])
            a, b = ({k: v for k, v in row.items() if k != "per_frame"} for row in (a, b))
            if a == b:
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
    parser.add_argument("--frames", action="store_true", help="also record every frame's stage outputs")
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
        found[clip.name] = record(clip, args.frames)
        row = found[clip.name]
        faces, frames, events = row["faces"], row["frames"], len(row["events"])
        print(f"{clip.name}: {faces}/{frames} frames with a face, {events} events", flush=True)
    args.out.write_text(json.dumps(found, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
