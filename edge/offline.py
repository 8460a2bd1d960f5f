"""Sequential analysis for files and benchmarks: every frame analysed, none dropped."""

from __future__ import annotations

import time
from collections.abc import Callable

from edge.capture.base import FrameSource
from edge.daemon import RunSummary
from edge.events.model import Event
from edge.pipeline import Analyzer


def run_sequential(
    source: FrameSource,
    analyzer: Analyzer,
    on_event: Callable[[Event], None] | None = None,
    max_frames: int | None = None,
) -> RunSummary:
    """Read and analyse frame by frame in this thread; return what happened.

    The read is timed as the ``capture`` stage, so the per-stage table shows
    decoding separately from analysis.
    """
    summary = RunSummary()
    metrics = analyzer.metrics
    t0 = time.perf_counter()
    with source:
        while max_frames is None or summary.frames_in < max_frames:
            with metrics.stage("capture"):
                frame = source.read()
            if frame is None:
                break
            metrics.fps_in.tick()
            summary.frames_in += 1
            events = analyzer.process(frame)
            metrics.fps_out.tick()
            summary.frames_analyzed += 1
            for event in events:
                summary.add_event(event)
                if on_event:
                    on_event(event)
        for event in analyzer.flush():
            summary.add_event(event)
            if on_event:
                on_event(event)
        summary.dropped_frames = source.dropped_frames
    summary.wall_s = time.perf_counter() - t0
    summary.stats = metrics.snapshot()
    summary.stats["face_found_rate"] = round(analyzer.face_found_rate, 4)
    summary.stats["dropped_frames"] = summary.dropped_frames
    summary.stats["fps"] = round(summary.frames_analyzed / summary.wall_s, 2) if summary.wall_s > 0 else 0.0
    return summary
