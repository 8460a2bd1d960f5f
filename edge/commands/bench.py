"""`glimpse bench`: the pipeline as fast as possible, with numbers (not a pass/fail test).

JSON keys (``--json``): ``input``, ``frames``, ``events``, ``wall_s``, ``fps``
(frames analysed per second, capture included), ``cpu_s`` and ``cpu_fps``
(the same frames over the process's CPU time: on a shared machine, where
other jobs stretch wall time, the steadier number), ``analysis_fps``
(excluding decode/generation), ``stage_ms`` (per stage: p50, p95, p99, mean,
count), ``dropped_frames``, ``peak_rss_mb`` (peak resident set size of the
whole process), ``face_found_rate``, ``threads``.
``analysis_fps`` is frames divided by the total time spent in face, motion,
spotting and classification (per-event costs amortised over all frames).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from edge.cli_common import EXIT_OK, add_config_args, config_from_args
from edge.commands.report import stage_table
from edge.errors import SourceError, UsageError

DEFAULT_INPUT = "synthetic:demo?realtime=false"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("bench", help="measure throughput, per-stage latency and memory")
    parser.add_argument("input", nargs="?", default=DEFAULT_INPUT, help=f"video file or source URI ({DEFAULT_INPUT})")
    parser.add_argument("--frames", type=int, default=None, help="stop after this many frames")
    parser.add_argument("--threads", type=int, default=1, help="OpenCV and model threads (default 1: one core)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_config_args(parser)
    parser.set_defaults(func=_bench)


def _uri(text: str) -> str:
    """A video path becomes a fast file: URI; a URI with a registered scheme passes through."""
    from edge.capture.registry import SOURCES

    if Path(text).is_file():
        return f"file:{quote(text, safe='/')}?realtime=false"
    if text.partition(":")[0] in SOURCES:
        return text
    raise SourceError(f"{text!r} is neither a video file nor a source URI (scheme one of {sorted(SOURCES)})")


def bench(uri: str, args: argparse.Namespace) -> dict[str, Any]:
    import cv2

    from edge.capture.registry import open_source, source_label
    from edge.metrics import Metrics
    from edge.offline import run_sequential
    from edge.stages import build_analyzer

    if args.frames is not None and args.frames < 1:
        raise UsageError(f"--frames {args.frames!r}; expected at least 1 (or leave it out for the whole input)")
    if not 1 <= args.threads <= 64:
        raise UsageError(f"--threads {args.threads!r}; expected 1 to 64")
    cv2.setNumThreads(args.threads)
    config = config_from_args(args)
    config = config.model_copy(update={"engine": config.engine.model_copy(update={"threads": args.threads})})
    analyzer = build_analyzer(config, source_label(uri), Metrics())
    cpu_s = time.process_time()
    try:
        summary = run_sequential(open_source(uri), analyzer, max_frames=args.frames)
    finally:
        cpu_s = time.process_time() - cpu_s
        analyzer.close()
    stats = summary.stats
    stage_ms = stats["stage_ms"]
    frames = max(1, summary.frames_analyzed)
    analysis_ms = sum(
        row["mean"] * row["count"] / frames
        for name, row in stage_ms.items()
        if name not in {"capture", "event_latency"}
    )
    return {
        "input": uri,
        "frames": summary.frames_analyzed,
        "events": summary.events_total,
        "wall_s": round(summary.wall_s, 3),
        "fps": stats["fps"],
        "cpu_s": round(cpu_s, 3),
        "cpu_fps": round(summary.frames_analyzed / cpu_s, 1) if cpu_s > 0 else 0.0,
        "analysis_fps": round(1000.0 / analysis_ms, 1) if analysis_ms > 0 else 0.0,
        "stage_ms": stage_ms,
        "dropped_frames": summary.dropped_frames,
        "peak_rss_mb": stats["peak_rss_mb"],
        "face_found_rate": stats["face_found_rate"],
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
    }


def _bench(args: argparse.Namespace) -> int:
    result = bench(_uri(args.input), args)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    print(f"input          {result['input']}")
    print(f"frames         {result['frames']} in {result['wall_s']} s ({result['events']} events)")
    print(f"fps            {result['fps']} (analysis only: {result['analysis_fps']})")
    print(f"CPU            {result['cpu_s']} s, {result['cpu_fps']} frames per CPU second")
    print(f"dropped frames {result['dropped_frames']}")
    print(f"peak RSS       {result['peak_rss_mb']} MB")
    print(f"face found     {result['face_found_rate']:.1%}")
    print(stage_table(result))
    return EXIT_OK
