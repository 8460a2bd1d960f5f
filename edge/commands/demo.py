"""`glimpse demo`: the whole pipeline on a clip the project generates itself.

Nothing is read from outside the repository and nothing leaves the machine.
The store and logs go to a temporary directory unless ``store.path`` /
``logs.dir`` are set.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, add_config_args
from edge.config import GlimpseConfig, load_config
from edge.daemon import RunSummary
from edge.service import build_daemon, run_daemon
from edge.sinks.console import ConsoleSink

DEMO_SOURCE = "synthetic:demo?realtime=true"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="run the whole pipeline on a generated clip with known micro-expressions")
    add_config_args(parser)
    parser.add_argument("--fast", action="store_true", help="do not pace the clip in real time")
    parser.set_defaults(func=_demo)


def demo_config(args: argparse.Namespace, tmp: Path) -> GlimpseConfig:
    """The user's configuration, with the demo's source and a temporary store where they kept the defaults."""
    config, _ = load_config(args.config, args.overrides)
    defaults = GlimpseConfig()
    extra = []
    if config.source.uri == defaults.source.uri:
        extra.append("source.uri=" + ("synthetic:demo?realtime=false" if args.fast else DEMO_SOURCE))
    if config.store.path == defaults.store.path:
        extra.append(f"store.path={tmp / 'events.db'}")
    if config.logs.dir == defaults.logs.dir:
        extra.append(f"logs.dir={tmp / 'logs'}")
    final, _ = load_config(args.config, [*args.overrides, *extra])
    return final


def _print_summary(summary: RunSummary, store: Path) -> None:
    micro = sum(1 for e in summary.events if e.kind == "micro")
    print(
        f"demo done: {summary.frames_analyzed} frames in {summary.wall_s:.1f} s, "
        f"{len(summary.events)} events ({micro} micro, {len(summary.events) - micro} macro), "
        f"{summary.dropped_frames} dropped frames"
    )
    stages = summary.stats.get("stage_ms", {})
    for name, row in stages.items():
        print(f"  {name:<14} p50 {row['p50']:.3f} ms  p95 {row['p95']:.3f} ms  p99 {row['p99']:.3f} ms")
    truth = summary.stats.get("ground_truth")
    if truth:
        print(f"  ground truth: {truth}")
    print(f"events stored in {store}")


def _demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="glimpse-demo-") as tmp:
        config = demo_config(args, Path(tmp))
        print(f"glimpse demo: source {config.source.uri}; events are observations of facial movement, not verdicts")
        daemon = build_daemon(config, extra_sinks=[ConsoleSink()])
        summary = run_daemon(daemon)
        _print_summary(summary, config.store.path)
    return EXIT_RUNTIME if summary.error else EXIT_OK
