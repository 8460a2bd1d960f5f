"""A sink that prints one readable line per event (the demo and `glimpse analyze`)."""

from __future__ import annotations

import sys
from typing import TextIO

from edge.events.model import Event
from edge.sinks.base import SinkBase


def describe(event: Event) -> str:
    """One human line: an observation with its confidence, never a verdict."""
    aus = " ".join(f"AU{a.au}" for a in event.action_units if a.p >= 0.5) or "no AU above 0.5"
    label = event.emotion.label
    score = event.emotion.scores.get(label, 0.0)
    return (
        f"{event.onset.strftime('%H:%M:%S.%f')[:-3]} {event.kind}-expression {event.duration_ms:.0f} ms "
        f"(frames {event.onset_frame}-{event.offset_frame}), looks {label} ({score:.2f}), {aus}, "
        f"confidence {event.confidence:.2f}, latency {event.latency_ms:.0f} ms"
        + (" [cut short: track or input ended during the movement; not counted]" if event.truncated else "")
    )


class ConsoleSink(SinkBase):
    """Writes :func:`describe` lines to a stream."""

    name = "console"
    takes_truncated = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def on_event(self, event: Event) -> None:
        print(describe(event), file=self._stream, flush=True)
