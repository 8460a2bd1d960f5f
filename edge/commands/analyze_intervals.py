"""`glimpse analyze VIDEO --intervals FILE.csv --out DIR`: classify given intervals, no spotting."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from edge.cli_common import EXIT_OK, EXIT_RUNTIME
from edge.config import GlimpseConfig


def analyze_intervals(args: argparse.Namespace, config: GlimpseConfig, video: Path, uri: str) -> int:
    """Classify every usable row of ``args.intervals``; report each unusable row on stderr.

    Exit 0 when every row became an event, 1 when some rows were skipped (the others are still written);
    a missing or malformed file is a usage error raised before the video is opened.
    """
    from edge.capture.registry import open_source
    from edge.engine.factory import build_classifier
    from edge.eventfactory import EventFactory
    from edge.face.registry import build_tracker
    from edge.given_intervals import classify_given_intervals, read_given_intervals
    from edge.sinks.console import describe
    from edge.sinks.intervals import IntervalFileSink

    rows, problems = read_given_intervals(args.intervals)
    source = open_source(uri)
    factory = EventFactory(config.device.id, video.name)
    tracker = build_tracker(config)
    try:
        classifier = build_classifier(config)
        try:
            result = classify_given_intervals(
                source, tracker, classifier, factory, rows, micro_max_ms=config.spotting.micro_max_ms
            )
        finally:
            classifier.close()
    finally:
        tracker.close()
    with IntervalFileSink(args.out, video.stem, source=video.name, overwrite=args.overwrite) as sink:
        for event in result.events:
            sink.on_event(event)
            if not args.quiet:
                print(describe(event))
    skipped = sorted(problems + result.problems, key=lambda p: p.row)
    for problem in skipped:
        print(f"glimpse: {args.intervals}: {problem}", file=sys.stderr)
    print(
        f"{video.name}: {len(result.events)} of {len(rows) + len(problems)} intervals classified, "
        f"{len(skipped)} skipped; {result.frames_read} frames read in {result.wall_s:.2f} s; "
        f"wrote {video.stem}'s rows into {sink.jsonl_path} and {sink.csv_path}"
    )
    return EXIT_RUNTIME if skipped else EXIT_OK
