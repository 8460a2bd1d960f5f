"""The dashboard sink and the store tailer."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from edge.dashboard.feed import DashboardFeed, StoreTailer, TooManyClients
from edge.events.model import DeviceState
from edge.events.store import EventStore

from .conftest import make_event


def test_fan_out_and_latest_values() -> None:
    with DashboardFeed() as feed:
        a, b = feed.subscribe(), feed.subscribe()
        feed.on_event(make_event(1))
        state = DeviceState(state="paused", capturing=False, paused=True, t=datetime.now(timezone.utc))
        feed.on_state(state)
        feed.on_stats({"fps_in": 30.0})
        for sub in (a, b):
            assert [sub.next(1.0)[0] for _ in range(3)] == ["event", "state", "stats"]  # type: ignore[index]
        assert feed.last_event is not None and feed.last_event.id == "ev-0001"
        assert feed.state == state and feed.stats == {"fps_in": 30.0}
        assert a.next(0.01) == ("ping", "")


def test_client_limit_and_slow_client_dropped() -> None:
    feed = DashboardFeed(max_clients=1, queue_size=2)
    slow = feed.subscribe()
    with pytest.raises(TooManyClients):
        feed.subscribe()
    for n in range(5):  # never blocks the caller (the output thread)
        feed.on_event(make_event(n))
    assert slow.next(0.01) is None  # overflowed: disconnected, browser reconnects
    assert feed.subscribe() is not None  # its slot is free again
    feed.close()


def test_close_ends_streams_and_is_idempotent() -> None:
    feed = DashboardFeed()
    sub = feed.subscribe()
    feed.close()
    feed.close()
    assert sub.next(1.0) is None
    assert feed.subscribe().next(1.0) is None


def test_tailer_feeds_only_new_rows(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.db") as writer:
        writer.add(make_event(1))
        with EventStore(tmp_path / "e.db", readonly=True) as reader, DashboardFeed() as feed:
            tailer = StoreTailer(reader, feed, interval_s=60)
            tailer.start()
            sub = feed.subscribe()
            assert feed.last_event is not None and feed.last_event.id == "ev-0001"
            assert tailer.poll() == 0
            writer.add(make_event(2))
            writer.add(make_event(3))
            assert tailer.poll() == 2
            assert [sub.next(1.0)[0] for _ in range(2)] == ["event", "event"]  # type: ignore[index]
            assert tailer.poll() == 0
            tailer.close()
