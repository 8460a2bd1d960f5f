#!/usr/bin/env python3
"""Per-frame CPU cost of the roiflow spotter alone, on the motion samples of real or generated clips.

    .venv/bin/python scripts/spot_cost.py CLIP.mp4 [CLIP.mp4 ...] [--before OLD/edge/spotting/roiflow.py]

Each clip's motion samples are recorded once (face and motion stages, default configuration); the spotter
(default configuration) is then replayed over them ``--rounds`` times and the median CPU time per sample
(``time.process_time``, so other jobs on a shared machine count less than in wall time) is printed with the
frame rate and the number of intervals. ``--before`` loads another version's ``roiflow.py`` (for instance
``git show OLD:edge/spotting/roiflow.py > /tmp/roiflow_old.py``) and times it in the same rounds, interleaved.
Only the spotter is timed. Benchmarks print numbers; they assert nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("roiflow_before", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {str(path)!r}; expected a roiflow.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["roiflow_before"] = module
    spec.loader.exec_module(module)
    return module


def _time(make: Callable[[], Any], samples: Sequence[Any]) -> tuple[float, int]:
    spotter = make()
    t0 = time.process_time()
    out = [iv for s in samples for iv in spotter.update(s)] + spotter.flush()
    return (time.process_time() - t0) / len(samples), sum(not getattr(iv, "truncated", False) for iv in out)


def main(argv: list[str] | None = None) -> int:
    from edge.spotting.config import SpottingConfig
    from edge.spotting.roiflow import RoiFlowSpotter
    from edge.train.tuning import record_motion

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another version's edge/spotting/roiflow.py, timed alongside")
    args = parser.parse_args(argv)
    spotters: dict[str, Callable[[], Any]] = {"now": lambda: RoiFlowSpotter(SpottingConfig())}
    if args.before is not None:
        before = _load(args.before)
        spotters = {"before": lambda: before.RoiFlowSpotter(SpottingConfig()), **spotters}
    print("| clip | fps | samples | " + " | ".join(f"{n}: ms/frame (intervals)" for n in spotters) + " |")
    print("|---|---|---|" + "---|" * len(spotters))
    for video in args.videos:
        samples = record_motion(video)
        span_s = (samples[-1].t_ns - samples[0].t_ns) / 1e9
        fps = (len(samples) - 1) / span_s if span_s > 0 else 0.0
        times: dict[str, list[float]] = {n: [] for n in spotters}
        found: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, make in spotters.items():
                t, found[name] = _time(make, samples)
                times[name].append(t)
        cells = " | ".join(f"{1e3 * statistics.median(times[n]):.3f} ({found[n]})" for n in spotters)
        print(f"| {video.name} | {fps:.0f} | {len(samples)} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
