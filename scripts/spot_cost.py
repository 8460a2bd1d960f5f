#!/usr/bin/env python3
"""Per-frame cost of the spotter alone, on the motion samples of real or generated clips.

    .venv/bin/python scripts/spot_cost.py ../shared/clips/WolfgangLanger_Pexels.mp4 OUT/clips/bench-alt/bench-alt_01.mp4

Each clip's motion samples are recorded once (face and motion stages, default configuration); the spotter
named by ``--spotter`` (default configuration otherwise) is then replayed over them ``--rounds`` times and
the median time per sample is printed, with the frame rate and the number of intervals. Only the spotter is
timed. Run it from an older checkout (``PYTHONPATH=OLD_TREE``) for a before/after comparison; benchmarks print
numbers, they assert nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from edge.spotting.config import SpottingConfig
    from edge.spotting.roiflow import RoiFlowSpotter

    try:
        from edge.train.tuning import record_motion
    except ImportError:  # a checkout from before the architecture split
        from edge.spotting.tuning import record_motion  # type: ignore[no-redef]

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print("| clip | fps | samples | intervals | spotter ms/frame (median of rounds) |")
    print("|---|---|---|---|---|")
    for video in args.videos:
        samples = record_motion(video)
        span_s = (samples[-1].t_ns - samples[0].t_ns) / 1e9
        fps = (len(samples) - 1) / span_s if span_s > 0 else 0.0
        times, found = [], 0
        for _ in range(args.rounds):
            spotter = RoiFlowSpotter(SpottingConfig())
            t0 = time.perf_counter()
            out = [iv for s in samples for iv in spotter.update(s)] + spotter.flush()
            times.append((time.perf_counter() - t0) / len(samples))
            found = len(out)
        print(f"| {video.name} | {fps:.0f} | {len(samples)} | {found} | {1e3 * statistics.median(times):.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
