"""A durable SQLite outbox: events wait here until the broker acknowledges them.

paho keeps QoS 1 messages only in memory, so a restart or a long outage
would lose them. Each event is committed here (WAL, synchronous=FULL) before
it is published, and deleted only when the broker's PUBACK arrives. Rows are
delivered in insertion order. The object is shared by the output thread
(``add``) and the MQTT pump thread; a lock serialises its one connection.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

from edge.closing import Closeable
from edge.errors import SinkError

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queued (event_id TEXT PRIMARY KEY, t REAL NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
#: How long before the newest queued event the ids of queued events are remembered (for reconciliation).
QUEUED_MEMORY_S = 7 * 24 * 3600.0


class Outbox(Closeable):
    """Append, read in order, and delete acknowledged rows.

    Usage::

        with Outbox(path) as box:
            seq = box.add("e1", "glimpse/dev/events", '{"id": "e1"}')
            for seq, topic, payload in box.pending(after=0, limit=10): ...
            box.delete(seq)
    """

    def __init__(self, path: Path, max_rows: int = 100_000) -> None:
        self.path = path
        self._max_rows = max_rows
        self.dropped = 0
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db: sqlite3.Connection | None = sqlite3.connect(
                str(path), timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: an event acknowledged to the pipeline survives power loss, not only a crash.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('created', ?)", (str(time.time()),))
            # Relative to the newest queued event, not to now: after a long downtime the ids from the end of the
            # last run are exactly the ones the reconciliation needs.
            self._db.execute("DELETE FROM queued WHERE t < (SELECT MAX(t) FROM queued) - ?", (QUEUED_MEMORY_S,))
        except (OSError, sqlite3.Error) as exc:
            raise SinkError(f"cannot open MQTT outbox {str(path)!r}: {exc}; expected a writable SQLite file") from exc

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise SinkError(f"MQTT outbox {str(self.path)!r} is closed")
        return self._db

    def add(self, event_id: str, topic: str, payload: str) -> int:
        """Commit one row and return its sequence number; trims the oldest rows past ``max_rows``."""
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = self._conn.execute(
                        "INSERT INTO outbox (event_id, topic, payload) VALUES (?, ?, ?)", (event_id, topic, payload)
                    )
                    self._conn.execute(
                        "INSERT OR REPLACE INTO queued (event_id, t) VALUES (?, ?)", (event_id, time.time())
                    )
                    self._conn.execute("COMMIT")
                except sqlite3.Error:
                    # SQLite may already have rolled back (a full disk does): a ROLLBACK then fails with
                    # "no transaction is active" and would hide the real error ("database or disk is full").
                    if self._conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            self._conn.execute("ROLLBACK")
                    raise
                seq = int(cur.lastrowid or 0)
                if seq % 100 == 0:
                    self._trim()
            return seq
        except sqlite3.Error as exc:
            raise SinkError(f"cannot write event {event_id!r} to MQTT outbox {str(self.path)!r}: {exc}") from exc

    def _trim(self) -> None:
        excess = int(self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]) - self._max_rows
        if excess > 0:
            self._conn.execute(
                "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)", (excess,)
            )
            self.dropped += excess
            logger.error("MQTT outbox over %d events: dropped the %d oldest undelivered", self._max_rows, excess)

    def pending(self, after: int, limit: int) -> list[tuple[int, str, str]]:
        """Up to ``limit`` rows with ``seq > after``, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        return [(int(s), str(t), str(p)) for s, t, p in rows]

    def delete(self, seq: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    @property
    def created(self) -> float:
        """When this outbox file was first created (Unix time)."""
        with self._lock:
            return float(self._conn.execute("SELECT value FROM meta WHERE key = 'created'").fetchone()[0])

    @property
    def last_queued(self) -> float | None:
        """When the newest event was added (Unix time); None if none was ever added (or remembered)."""
        with self._lock:
            value = self._conn.execute("SELECT MAX(t) FROM queued").fetchone()[0]
        return None if value is None else float(value)

    def never_queued(self, event_ids: list[str]) -> list[str]:
        """The ids among ``event_ids`` that were never added (within the remembered period), in order."""
        with self._lock:
            query = "SELECT 1 FROM queued WHERE event_id = ?"
            return [i for i in event_ids if self._conn.execute(query, (i,)).fetchone() is None]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                db, self._db = self._db, None
                db.close()
