"""The SQLite event store: round trip, filters, duplicates, retention, schema version."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from edge.errors import StoreError
from edge.events.store import EventQuery, EventStore

from tests_support import make_event

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def test_round_trip_filters_and_counts(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.db") as store:
        events = [
            make_event(T0, "micro", "negative"),
            make_event(T0 + timedelta(minutes=5), "macro", "positive"),
            make_event(T0 + timedelta(hours=2), "micro", "positive"),
        ]
        assert all(store.add(e) for e in events)
        assert store.add(events[0]) is False  # same id: stored once
        assert store.count() == 3
        assert [e.id for e in store.query(EventQuery(kind="micro"))] == [events[2].id, events[0].id]
        assert store.query(EventQuery(label="positive", until=T0 + timedelta(hours=1)))[0] == events[1]
        assert store.counts_by("label") == {"negative": 1, "positive": 2}
        hours = store.counts_by_hour()
        assert hours["2026-11-25T12:00Z"] == {"negative": 1, "positive": 1}
        assert store.query(limit=1, newest_first=False)[0] == events[0]


def test_retention_deletes_old_events(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.db", retention_days=1) as store:
        store.add(make_event(T0 - timedelta(days=3)))
        store.add(make_event(T0))
        assert store.enforce_retention(now=T0) == 1
        assert store.count() == 1


def test_wal_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    EventStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        EventStore(path)


def test_bad_limit_and_unwritable_path(tmp_path: Path) -> None:
    with EventStore(tmp_path / "e.db") as store, pytest.raises(StoreError, match="limit"):
        store.query(limit=0)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open event store"):
        EventStore(blocker / "sub" / "e.db")


def test_reader_sees_writer(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    with EventStore(path) as writer:
        writer.add(make_event(T0))
        with EventStore(path, readonly=True) as reader:
            assert reader.last_seq() == 1
            writer.add(make_event(T0 + timedelta(seconds=1)))
            seqs = [seq for seq, _ in reader.query_with_seq(EventQuery(after_seq=1))]
            assert seqs == [2]
