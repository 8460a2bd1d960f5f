"""The SQLite event store: WAL journal, versioned schema, retention.

Events are stored as their JSON payload plus indexed columns for the
queries the CLI and dashboard make (time range, kind, label). The store is
safe to use from several threads (one connection, one lock) and from
several processes (SQLite WAL): the dashboard reads while the daemon writes.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from edge.closing import Closeable
from edge.errors import StoreError, shown
from edge.events.model import Event

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    onset_ts REAL NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    confidence REAL NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_onset ON events (onset_ts);
CREATE INDEX IF NOT EXISTS events_kind_label ON events (kind, label, onset_ts);
"""
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class EventQuery:
    """Filters for :meth:`EventStore.query` (all optional; times are aware datetimes)."""

    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    label: str | None = None
    after_seq: int | None = None

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.since is not None:
            clauses.append("onset_ts >= ?")
            params.append(self.since.timestamp())
        if self.until is not None:
            clauses.append("onset_ts < ?")
            params.append(self.until.timestamp())
        if self.kind is not None:
            clauses.append("kind = ?")
            params.append(self.kind)
        if self.label is not None:
            clauses.append("label = ?")
            params.append(self.label)
        if self.after_seq is not None:
            clauses.append("seq > ?")
            params.append(self.after_seq)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class EventStore(Closeable):
    """Events in SQLite. Usage::

    with EventStore(Path("events.db")) as store:
        store.add(event)
        recent = store.query(EventQuery(kind="micro"), limit=20)
    """

    def __init__(self, path: Path, retention_days: float | None = None, *, readonly: bool = False) -> None:
        self.path = path
        self.retention_days = retention_days
        self._lock = threading.Lock()
        try:
            if readonly:
                self._db: sqlite3.Connection | None = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=5.0
                )
                self._db.execute("SELECT id FROM events LIMIT 1").fetchall()  # SQLite opens lazily: fail here
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=5.0)
                self._migrate(self._db)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open event store {shown(str(path))}: {exc}; expected a Glimpse event store (SQLite)"
            ) from exc

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(f"event store schema version {version} is newer than this Glimpse ({SCHEMA_VERSION})")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.commit()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"event store {str(self.path)!r} is closed")
        return self._db

    def add(self, event: Event) -> bool:
        """Store one event; ``False`` if its id was already stored."""
        row = (event.id, event.onset.timestamp(), event.kind, event.emotion.label, event.confidence)
        with self._lock:
            db = self._conn()
            try:
                cur = db.execute(
                    "INSERT OR IGNORE INTO events (id, onset_ts, kind, label, confidence, payload)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (*row, event.model_dump_json()),
                )
                db.commit()
            except sqlite3.Error as exc:
                if db.in_transaction:  # a failed commit (disk full) must not leave the next write inside it
                    with contextlib.suppress(sqlite3.Error):
                        db.rollback()
                raise StoreError(f"cannot write event {event.id!r} to {str(self.path)!r}: {exc}") from exc
        return cur.rowcount == 1

    def query(
        self, query: EventQuery | None = None, *, limit: int = 100, offset: int = 0, newest_first: bool = True
    ) -> list[Event]:
        """Events matching ``query``, newest first unless told otherwise."""
        if not 0 < limit <= MAX_LIMIT:
            raise StoreError(f"limit {limit!r} out of range; expected 1..{MAX_LIMIT}")
        where, params = (query or EventQuery()).where()
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT payload FROM events{where} ORDER BY onset_ts {order}, seq {order} LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._conn().execute(sql, [*params, limit, max(0, offset)]).fetchall()
        return [Event.model_validate_json(r[0]) for r in rows]

    def query_with_seq(self, query: EventQuery, limit: int = 1000) -> list[tuple[int, Event]]:
        """Events with their insertion sequence number, oldest first (for tailing the store)."""
        where, params = query.where()
        sql = f"SELECT seq, payload FROM events{where} ORDER BY seq ASC LIMIT ?"
        with self._lock:
            rows = self._conn().execute(sql, [*params, limit]).fetchall()
        return [(int(r[0]), Event.model_validate_json(r[1])) for r in rows]

    def count(self, query: EventQuery | None = None) -> int:
        where, params = (query or EventQuery()).where()
        with self._lock:
            return int(self._conn().execute(f"SELECT COUNT(*) FROM events{where}", params).fetchone()[0])

    def counts_by(self, column: str, query: EventQuery | None = None) -> dict[str, int]:
        """Event counts grouped by ``kind`` or ``label``."""
        if column not in {"kind", "label"}:
            raise StoreError(f"cannot group by {column!r}; expected 'kind' or 'label'")
        where, params = (query or EventQuery()).where()
        sql = f"SELECT {column}, COUNT(*) FROM events{where} GROUP BY {column}"
        with self._lock:
            return {str(k): int(n) for k, n in self._conn().execute(sql, params).fetchall()}

    def counts_by_hour(self, query: EventQuery | None = None) -> dict[str, dict[str, int]]:
        """Counts per UTC hour (ISO 'YYYY-MM-DDTHH:00Z') and label."""
        where, params = (query or EventQuery()).where()
        sql = (
            "SELECT strftime('%Y-%m-%dT%H:00Z', onset_ts, 'unixepoch') AS hour, label, COUNT(*)"
            f" FROM events{where} GROUP BY hour, label ORDER BY hour"
        )
        result: dict[str, dict[str, int]] = {}
        with self._lock:
            for hour, label, n in self._conn().execute(sql, params).fetchall():
                result.setdefault(str(hour), {})[str(label)] = int(n)
        return result

    def last_seq(self) -> int:
        with self._lock:
            row = self._conn().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(row[0])

    def enforce_retention(self, now: datetime | None = None) -> int:
        """Delete events older than the retention period; return how many went."""
        if self.retention_days is None:
            return 0
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=self.retention_days)
        with self._lock:
            cur = self._conn().execute("DELETE FROM events WHERE onset_ts < ?", (cutoff.timestamp(),))
            self._conn().commit()
        if cur.rowcount:
            logger.info("retention: deleted %d events older than %s", cur.rowcount, cutoff.isoformat())
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
