"""Human-readable lines for journald: one per event and per state change, through logging."""

from __future__ import annotations

import logging

from edge.events.model import DeviceState, Event
from edge.sinks.base import SinkBase

logger = logging.getLogger(__name__)


def journal_line(event: Event) -> str:
    """E.g. ``micro-expression 180 ms, negative (0.71), AU4 AU7, confidence 0.64``.

    Worded as an observation of facial movement, never as a verdict.
    """
    label = event.emotion.label
    score = event.emotion.scores.get(label, 0.0)
    aus = " ".join(f"AU{a.au}" for a in event.action_units if a.p >= 0.5) or "no AU above 0.5"
    return (
        f"{event.kind}-expression {event.duration_ms:.0f} ms, {label} ({score:.2f}), {aus}, "
        f"confidence {event.confidence:.2f}"
    )


class JournalSink(SinkBase):
    """Logs :func:`journal_line` at INFO and state changes (pause, resume) at INFO."""

    name = "journal"
    takes_truncated = True

    def __init__(self, log: logging.Logger | None = None) -> None:
        self._log = log or logger
        self._last: tuple[str, bool, bool] | None = None

    def on_event(self, event: Event) -> None:
        self._log.info("%s [id %s]", journal_line(event), event.id)

    def on_state(self, state: DeviceState) -> None:
        key = (state.state, state.capturing, state.paused)
        if key == self._last:
            return
        self._last = key
        camera = "camera active" if state.capturing else "camera idle"
        why = f" ({state.reason})" if state.reason else ""
        self._log.info("state %s, %s%s", state.state, camera, why)
