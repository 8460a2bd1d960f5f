"""`glimpse demo`: the whole pipeline on a clip the project generates itself.

Nothing is read from outside the repository and nothing leaves the machine.
The store and logs go to a temporary directory unless ``store.path`` /
``logs.dir`` are set. With MQTT enabled, the outbox is kept outside that
directory (``demo_outbox_path``): events the broker has not acknowledged when
the demo ends are sent by the next demo, as the MQTT sink says.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, add_config_args
from edge.commands.report import stage_table
from edge.config import GlimpseConfig, load_config
from edge.errors import ConfigError

if TYPE_CHECKING:
    from edge.daemon import Daemon, RunSummary
    from edge.events.model import Event

DEMO_SOURCE = "synthetic:demo?realtime=true"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="run the whole pipeline on a generated clip with known micro-expressions")
    add_config_args(parser)
    parser.add_argument("--fast", action="store_true", help="do not pace the clip in real time")
    parser.set_defaults(func=_demo)


def demo_outbox_path(environ: dict[str, str] | None = None) -> Path:
    """Where the demo keeps its MQTT outbox: ``$XDG_STATE_HOME/glimpse/demo-outbox.db`` (~/.local/state)."""
    env = os.environ if environ is None else environ
    state = Path(env["XDG_STATE_HOME"]) if env.get("XDG_STATE_HOME") else Path.home() / ".local" / "state"
    return state / "glimpse" / "demo-outbox.db"


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
    if config.mqtt.enabled and "outbox_path" not in config.mqtt.model_fields_set:
        extra.append(f"mqtt.outbox_path={demo_outbox_path()}")  # not in tmp: undelivered events must survive
    if config.logs.journal == defaults.logs.journal:
        extra.append("logs.journal=false")  # the demo prints its own lines
    final, _ = load_config(args.config, [*args.overrides, *extra])
    return final


def compare_with_truth(events: list[Event], truth: list[Any]) -> list[str]:
    """One line per rendered expression: found (IoU >= 0.5 with an event of the same kind), or missed and what
    overlapping event was found instead (another kind, or too little overlap)."""
    from edge.evaluation.spotting import IOU_THRESHOLD, iou

    lines, used, near = [], set(), set()
    for gt in truth:
        best = max(
            ((iou((gt.onset, gt.offset), (e.onset_frame, e.offset_frame)), i) for i, e in enumerate(events)),
            default=(0.0, -1),
        )
        ev = events[best[1]] if best[1] >= 0 else None
        where = f"{gt.kind} {gt.label:<9} frames {gt.onset}-{gt.offset}"
        if ev is not None and best[0] >= IOU_THRESHOLD and ev.kind == gt.kind:
            used.add(best[1])
            lines.append(
                f"  found  {where} -> {ev.onset_frame}-{ev.offset_frame} (IoU {best[0]:.2f}), looks {ev.emotion.label}"
            )
        elif ev is not None and best[0] > 0:
            near.add(best[1])
            lines.append(
                f"  missed {where} (found as {ev.kind} {ev.onset_frame}-{ev.offset_frame}, IoU {best[0]:.2f}; "
                f"a match needs the same kind and IoU >= {IOU_THRESHOLD})"
            )
        else:
            lines.append(f"  missed {where}")
    near -= used
    other = len(events) - len(used) - len(near)
    lines.append(
        f"  {len(used)}/{len(truth)} rendered expressions spotted, {len(near)} event(s) overlapping a missed one, "
        f"{other} other event(s)"
    )
    return lines


def _print_summary(summary: RunSummary, store: Path, truth: list[Any], temporary: bool) -> None:
    kinds = summary.events_by_kind
    print(
        f"demo done: {summary.frames_analyzed} frames in {summary.wall_s:.1f} s, "
        f"{summary.events_total} events ({kinds.get('micro', 0)} micro, {kinds.get('macro', 0)} macro), "
        f"{summary.dropped_frames} dropped frames"
    )
    print(stage_table(summary.stats))
    if truth:
        print("compared with what the generator rendered (the pipeline saw only frames):")
        print("\n".join(compare_with_truth(list(summary.events), truth)))
    if temporary:
        print(f"events were stored in {store} (temporary: set store.path to keep them)")
    else:
        print(f"events were stored in {store}")


def _announce(daemon: Daemon) -> None:
    if daemon.dashboard_url:
        print(f"dashboard: {daemon.dashboard_url} (local only; shows events, never video)")


def _demo(args: argparse.Namespace) -> int:
    from edge.service import build_daemon, run_daemon
    from edge.sinks.console import ConsoleSink

    with tempfile.TemporaryDirectory(prefix="glimpse-demo-") as tmp:
        config = demo_config(args, Path(tmp))
        print(f"glimpse demo: source {config.source.uri}; events are observations of facial movement, not verdicts")
        daemon = build_daemon(config, extra_sinks=[ConsoleSink()])
        truth = list(getattr(daemon.source, "ground_truth", []))
        try:
            summary = run_daemon(daemon, _announce, dashboard=config.dashboard.enabled)
        except ConfigError as exc:  # e.g. the dashboard port is taken by a running daemon
            print(f"dashboard not started ({'; '.join(exc.problems)}); running without it")
            summary = run_daemon(build_daemon(config, extra_sinks=[ConsoleSink()]), dashboard=False)
        _print_summary(summary, config.store.path, truth, temporary=config.store.path.is_relative_to(tmp))
    return EXIT_RUNTIME if summary.error else EXIT_OK
