#!/usr/bin/env python3
"""Tune the learned spotter's own settings (``learned_threshold``, ``smooth_ms``) on a generated tuning set.

    .venv/bin/python scripts/tune_learned.py /tmp/gbench/clips/tune-ci --cache /tmp/gbench/tune-learned.pkl

The face, motion and engine stages do not depend on these settings, so each clip's per-sample spotting
probability (the engine's spotting head on the sample's dense flow, exactly what
:class:`edge.spotting.learned.LearnedSpotter` computes) is recorded once; every grid point then replays the
real ``LearnedSpotter`` over the recorded probabilities. The selection rule was fixed before any score was
seen: best micro F1, ties to the better overall F1, then to the setting closest to the current defaults.
Shared run settings (hysteresis, merge gap, onset/offset shifts) stay as the roiflow tuning chose them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import pickle
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

#: Run this tree's package, whichever environment runs the script (a worktree may share one).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logger = logging.getLogger("tune_learned")

GRID: dict[str, tuple[float, ...]] = {
    "learned_threshold": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "smooth_ms": (0.0, 30.0, 60.0, 100.0, 150.0, 250.0),
}


@dataclass(frozen=True, slots=True)
class Point:
    """What the learned spotter needs of one motion sample: its identity, validity and head probability."""

    frame_index: int
    t_ns: int
    valid: bool
    track_id: int
    p: float


def record(video: Path) -> list[Point]:
    """Per-sample spotting probabilities of ``video`` through the default face, motion and engine stages."""
    from edge.capture.registry import open_source
    from edge.config.loader import apply_overrides, validate
    from edge.engine.factory import build_engine_model
    from edge.face.registry import build_tracker
    from edge.motion.features import spot_input
    from edge.motion.registry import build_motion

    config = validate(apply_overrides({}, ["spotting.type=learned"]))
    points: list[Point] = []
    model = build_engine_model(config)
    with open_source(f"file:{quote(str(video), safe='/')}?realtime=false") as source:
        tracker, motion = build_tracker(config), build_motion(config)
        try:
            while (frame := source.read()) is not None:
                s = motion.process(tracker.process(frame))
                p = 0.0
                if s.valid and s.flow is not None:
                    p = float(np.asarray(model.spot(spot_input(s.flow.u, s.flow.v, s.flow.strain)[None]))[0])
                points.append(Point(s.frame_index, s.t_ns, s.valid, s.track_id, p))
        finally:
            motion.close()
            tracker.close()
            model.close()
    return points


def replay(points: Sequence[Point], config: Any) -> list[Any]:
    """The real LearnedSpotter's intervals over recorded probabilities (its scorer returns the recorded value)."""
    import edge.spotting.learned as learned
    from edge.motion.base import FlowField, MotionSample

    probs: Iterator[float] = iter(p.p for p in points if p.valid)
    tiny = np.zeros((1, 1), np.float32)
    flow = FlowField(tiny, tiny, tiny)
    spotter = learned.LearnedSpotter(config, lambda x: np.array([next(probs)], np.float32))
    out = []
    for p in points:
        out += spotter.update(MotionSample(p.frame_index, p.t_ns, p.valid, track_id=p.track_id, flow=flow))
    return out + spotter.flush()


def score(clips: Mapping[str, Sequence[Point]], gt: Any, config: Any) -> Any:
    from edge.evaluation.spotting import score_spotting
    from edge.train.tuning import as_rows

    pred = [row for video, pts in clips.items() for row in as_rows(video, replay(pts, config))]
    return score_spotting(gt, pred)


def summary(report: Any) -> dict[str, object]:
    def row(c: Any) -> dict[str, object]:
        return {"tp": c.tp, "fp": c.fp, "fn": c.fn, "f1": round(c.f1, 4)}

    kinds = report.by_kind
    return {"micro": row(kinds["micro"]), "macro": row(kinds["macro"]), "overall": row(report.overall)}


def main(argv: list[str] | None = None) -> int:
    from edge.evaluation.formats import read_intervals
    from edge.spotting.config import SpottingConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("clips_dir", type=Path, help="folder with <clip>.mp4 and ground_truth.csv")
    parser.add_argument("--cache", type=Path, help="pickle of the recorded probabilities (written once)")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--only", action="store_true", help="score the current defaults only (no grid)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.cache is not None and args.cache.is_file():
        with args.cache.open("rb") as fh:
            clips: dict[str, list[Point]] = pickle.load(fh)  # our own file
    else:
        clips = {v.stem: record(v) for v in sorted(args.clips_dir.glob("*.mp4"))}
        if args.cache is not None:
            with args.cache.open("wb") as fh:
                pickle.dump(clips, fh)
    gt = read_intervals(args.clips_dir / "ground_truth.csv")
    base = SpottingConfig(type="learned")
    print("current defaults:", json.dumps(summary(score(clips, gt, base))))
    if args.only:
        return 0
    results = []
    for values in itertools.product(*GRID.values()):
        point = dict(zip(GRID, values, strict=True))
        report = score(clips, gt, base.model_copy(update=point))
        changed = sum(getattr(base, n) != v for n, v in point.items())
        results.append(((-report.by_kind["micro"].f1, -report.overall.f1, changed), point, report))
    results.sort(key=lambda r: r[0])
    for _, point, report in results[: args.top]:
        print("learned", json.dumps(point), json.dumps(summary(report)))
    print("chosen:", json.dumps(results[0][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
