"""The in-memory backlog of durable sinks: order kept, bounded, one log line per outage, retry pacing."""

from __future__ import annotations

import logging

import pytest

from edge.errors import StoreError
from edge.sinks.backlog import Backlog

from tests_support import make_event


class Disk:
    """A write target that refuses while ``full``."""

    def __init__(self) -> None:
        self.full = False
        self.written: list[str] = []

    def write(self, event: object) -> None:
        if self.full:
            raise StoreError("database or disk is full")
        self.written.append(event.id)  # type: ignore[attr-defined]


def test_order_is_kept_and_retries_are_paced(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    disk = Disk()
    backlog = Backlog("store", "events.db", disk.write, (StoreError,), retry_every_s=5.0, clock=lambda: now[0])
    events = [make_event() for _ in range(6)]
    backlog.submit(events[0])
    disk.full = True
    with caplog.at_level(logging.WARNING):
        for event in events[1:4]:
            backlog.submit(event)
        disk.full = False
        backlog.submit(events[4])  # space is back, but the next retry is not due: it waits behind the others
        assert disk.written == [events[0].id] and backlog.pending == 4
        now[0] += 5.0
        backlog.submit(events[5])
    assert disk.written == [e.id for e in events] and backlog.pending == 0 and backlog.cause is None
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "cannot write" in m]) == 1 and "disk is full" in messages[0]
    assert any("writable again after 5 s; 5 waiting event(s) were written" in m for m in messages)


def test_the_oldest_are_dropped_past_the_bound_and_the_rest_at_close(caplog: pytest.LogCaptureFixture) -> None:
    disk = Disk()
    disk.full = True
    backlog = Backlog("jsonl", "events.jsonl", disk.write, (StoreError,), max_events=3)
    events = [make_event() for _ in range(5)]
    with caplog.at_level(logging.ERROR):
        for event in events:
            backlog.submit(event)
        assert backlog.pending == 3 and backlog.dropped == 2
        backlog.close()
    assert backlog.pending == 0 and backlog.dropped == 5 and disk.written == []
    assert any(
        "3 event(s) never written to events.jsonl (database or disk is full)" in r.getMessage() for r in caplog.records
    )


def test_errors_it_was_not_told_about_still_raise() -> None:
    def broken(event: object) -> None:
        raise TypeError("a bug, not a full disk")

    with pytest.raises(TypeError):
        Backlog("store", "x", broken, (StoreError,)).submit(make_event())
