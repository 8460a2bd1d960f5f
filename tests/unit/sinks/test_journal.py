"""Human-readable journal lines."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from edge.sinks.journal import JournalSink, journal_line


def test_line_reads_as_an_observation(event: Any) -> None:
    assert journal_line(event()) == "micro-expression 180 ms, negative (0.71), AU4 AU7, confidence 0.64"


def test_sink_logs_events_and_state_changes_once(
    event: Any, device_state: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sink = JournalSink()
    with caplog.at_level(logging.INFO, logger="edge.sinks.journal"):
        sink.on_event(event(7))
        sink.on_state(device_state(capturing=True, paused=False))
        sink.on_state(device_state(capturing=True, paused=False))
        sink.on_state(device_state(capturing=False, paused=True, state="paused"))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].endswith("[id ev-000007]")
    assert lines[1:] == ["state running, camera active", "state paused, camera idle"]
