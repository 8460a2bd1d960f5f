"""`glimpse analyze VIDEO --out DIR`: offline, every frame, as fast as possible."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import quote

from edge.cli_common import EXIT_OK, add_config_args, config_from_args
from edge.commands.report import stage_table
from edge.errors import UsageError, shown


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("analyze", help="analyse a video file offline; write events JSONL and an interval CSV")
    parser.add_argument("video", help="video file (anything OpenCV/FFmpeg reads)")
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument(
        "--fps", type=float, default=None, help="declare the video's frame rate, 1 to 1000 (default: the file's)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not print each event")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start events.jsonl and intervals.csv afresh (default: keep other videos' rows, replace this one's)",
    )
    parser.add_argument(
        "--intervals",
        type=Path,
        metavar="FILE.csv",
        help="classify these onset,apex,offset rows (1-based frames) instead of spotting (MEGC recognition)",
    )
    add_config_args(parser)
    parser.set_defaults(func=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from edge.capture.file import check_video_path
    from edge.capture.registry import PARAM_RANGES, open_source
    from edge.events.model import Event
    from edge.metrics import Metrics
    from edge.offline import run_sequential
    from edge.sinks.console import describe
    from edge.sinks.intervals import IntervalFileSink
    from edge.stages import build_analyzer

    config = config_from_args(args)
    low, high = PARAM_RANGES["fps"]
    if args.fps is not None and not low <= args.fps <= high:  # also refuses nan
        raise UsageError(f"--fps {shown(args.fps)} is out of range; expected {low:g} to {high:g} frames per second")
    video = Path(args.video)
    check_video_path(video)
    uri = f"file:{quote(str(video), safe='/')}?realtime=false" + (f"&fps={args.fps!r}" if args.fps else "")
    if args.intervals is not None:
        from edge.commands.analyze_intervals import analyze_intervals

        return analyze_intervals(args, config, video, uri)
    sink = IntervalFileSink(args.out, video.stem, source=video.name, overwrite=args.overwrite)
    if sink.replaced:
        print(f"replacing the {sink.replaced} earlier row(s) of {video.stem} in {sink.csv_path}")
    analyzer = build_analyzer(config, video.name, Metrics())

    def on_event(event: Event) -> None:
        if event.truncated and config.bus.truncated == "drop":
            return
        sink.on_event(event)
        if not args.quiet:
            print(describe(event))

    try:
        summary = run_sequential(open_source(uri), analyzer, on_event)
    finally:
        sink.close()
        analyzer.close()
    stats = summary.stats
    print(
        f"{video.name}: {summary.frames_analyzed} frames in {summary.wall_s:.2f} s = {stats['fps']:.1f} fps, "
        f"{summary.events_total} events ({summary.truncated_total} more cut short, not counted), "
        f"face found in {stats['face_found_rate']:.1%} of frames, "
        f"{summary.dropped_frames} dropped"
    )
    print(stage_table(stats))
    summary_path = args.out / f"{video.stem}.summary.json"
    summary_path.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    print(f"wrote {video.stem}'s rows into {sink.jsonl_path} and {sink.csv_path}; wrote {summary_path}")
    return EXIT_OK
