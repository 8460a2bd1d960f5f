"""`glimpse events`: query the event store by time range, kind and label."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone

from edge.cli_common import EXIT_OK, add_config_args, config_from_args
from edge.errors import StoreError, UsageError, shown
from edge.events.store import EventQuery, EventStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("events", help="list stored events (table or JSON)")
    parser.add_argument("--since", help="ISO 8601 time or a duration like 15m, 2h, 7d (default: all)")
    parser.add_argument("--until", help="ISO 8601 time")
    parser.add_argument("--kind", choices=("micro", "macro"))
    parser.add_argument("--label", help="emotion label: negative, positive, surprise or unknown")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (1..10000)")
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    add_config_args(parser)
    parser.set_defaults(func=_events)


def parse_time(text: str | None, now: datetime | None = None) -> datetime | None:
    """ISO 8601 (naive = UTC) or a relative duration (30s, 15m, 2h, 7d) before ``now``."""
    if text is None:
        return None
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    if text[-1:] in units and text[:-1].replace(".", "", 1).isdigit():
        try:
            return (now or datetime.now(timezone.utc)) - timedelta(**{units[text[-1]]: float(text[:-1])})
        except OverflowError:
            raise UsageError(f"duration {shown(text)} reaches before year 1; expected e.g. 15m, 2h or 7d") from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"time {shown(text)} is not ISO 8601 or a duration like 15m; e.g. 2026-11-25T10:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def event_labels() -> tuple[str, ...]:
    """Every label an event can carry: the engine's classes and 'unknown' (no classification)."""
    from edge.engine.labels import COMPOSITE_CLASSES

    return (*COMPOSITE_CLASSES, "unknown")


def _events(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if not 1 <= args.limit <= 10_000:
        raise UsageError(f"--limit {args.limit!r} out of range; expected 1..10000")
    labels = event_labels()
    if args.label is not None and args.label not in labels:
        raise UsageError(f"--label {shown(args.label)} is not an event label; expected one of {list(labels)}")
    query = EventQuery(parse_time(args.since), parse_time(args.until), args.kind, args.label)
    if not config.store.path.is_file():
        raise StoreError(f"event store {shown(str(config.store.path))} does not exist (set store.path)")
    with EventStore(config.store.path, readonly=True) as store:
        events = store.query(query, limit=args.limit)
    if args.json:
        for event in events:
            print(event.model_dump_json())
        return EXIT_OK
    print(f"{'onset (UTC)':<24}{'kind':<7}{'label':<10}{'dur ms':>8}{'conf':>6}  action units")
    for e in events:
        aus = " ".join(f"AU{a.au}" for a in e.action_units if a.p >= 0.5)
        onset = e.onset.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        print(f"{onset:<24}{e.kind:<7}{e.emotion.label:<10}{e.duration_ms:>8.0f}{e.confidence:>6.2f}  {aus}")
    print(f"{len(events)} event(s)")
    return EXIT_OK
