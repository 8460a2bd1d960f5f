"""The JSON-lines event log: ``events.jsonl`` rotated by size and age.

``events.jsonl`` is rotated to ``events.jsonl.1`` (``.1`` -> ``.2`` ...) when a
write would take it past ``logs.max_bytes`` or when its first line is older
than ``logs.rotate_after_h``; at most ``logs.backups`` rotated files are kept
and rotated files last written more than ``logs.max_age_days`` ago are deleted.

Failures (a full or read-only disk) never raise out of :meth:`JsonlSink.on_event`:
the event waits in the sink's :class:`~edge.sinks.backlog.Backlog` (bounded, in
memory) and is written, in order, once a retry succeeds; the handle is reopened
for each retry, and an incomplete last line is dropped on reopening. A rotation
whose renames fail keeps appending to the live file and is retried after
``ROTATE_RETRY_S``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from edge.errors import SinkError
from edge.events.model import Event
from edge.sinks.backlog import Backlog, DurableSink
from edge.sinks.config import LogsConfig

logger = logging.getLogger(__name__)

FILENAME = "events.jsonl"
SWEEP_EVERY_S = 60.0
TAIL_BYTES = 65536  # an event line is at most 16 KiB
ROTATE_RETRY_S = 60.0  # after a failed rotation, keep appending to the live file this long before retrying


def _first_line_time(path: Path, default: float) -> float:
    """Wall time of the first event in an existing file (its onset), else ``default``."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        return datetime.fromisoformat(json.loads(first)["onset"]).timestamp()
    except (OSError, ValueError, KeyError, TypeError):
        return default


def _drop_partial_line(path: Path) -> None:
    """Truncate a last line that a failed write (full disk, crash) left without its newline."""
    try:
        with path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            start = max(0, size - TAIL_BYTES)
            handle.seek(start)
            cut = handle.read().rfind(b"\n")
            if cut < 0 and start > 0:
                return  # a line longer than TAIL_BYTES: not one of ours, leave it
            keep = start + cut + 1
            handle.truncate(keep)
    except FileNotFoundError:
        return
    logger.warning("dropped an incomplete last line (%d bytes) of %s", size - keep, path)


class JsonlSink(DurableSink):
    """Appends one JSON object per event (the :class:`Event` schema) and rotates.

    Usage::

        with JsonlSink(LogsConfig(dir=Path("/tmp/logs"))) as sink:
            sink.on_event(event)
    """

    name = "jsonl"
    takes_truncated = True

    def __init__(self, config: LogsConfig, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self.path = config.dir / FILENAME
        self._file: TextIO | None = None  # None after a failed rotation or reopen: the next event retries
        self._started = 0.0  # wall time of the live file's first line
        self._last_sweep = -float("inf")
        self._rotate_after = -float("inf")  # no rotation attempt before this wall time (after a failure)
        self._closed = False
        self.backlog = Backlog(self.name, str(self.path), self._append, (OSError, ValueError))
        try:
            config.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"cannot create log directory {str(config.dir)!r}: {exc.strerror or exc}") from exc
        try:
            self._open()
        except OSError as exc:
            raise SinkError(f"cannot open {str(self.path)!r} for appending: {exc.strerror or exc}") from exc
        self._sweep()

    def _open(self) -> None:
        _drop_partial_line(self.path)
        self._file = self.path.open("a", encoding="utf-8")
        self._started = self._clock() if self._file.tell() == 0 else _first_line_time(self.path, self._clock())

    @property
    def failures(self) -> int:
        """Events lost: more than the backlog could hold waited, or they were still waiting at close."""
        return self.backlog.dropped

    def _append(self, event: Event) -> None:
        """Write one line; on failure drop the handle (the retry reopens it and cuts a partial line) and raise."""
        if self._closed:
            return
        try:
            self._write(event.model_dump_json() + "\n")
        except (OSError, ValueError):  # ValueError: I/O on a handle that a failure left closed
            file, self._file = self._file, None
            if file is not None:
                with contextlib.suppress(OSError, ValueError):  # the unwritten rest of the line goes with it
                    file.close()
            raise

    def _write(self, line: str) -> None:
        if self._file is None:
            self._open()
        if self._due(len(line.encode("utf-8"))):
            self._rotate()
        assert self._file is not None  # _open either set it or raised
        if self._file.tell() == 0:
            self._started = self._clock()
        self._file.write(line)
        self._file.flush()

    def _due(self, incoming: int) -> bool:
        assert self._file is not None
        size = self._file.tell()
        if size == 0 or self._clock() < self._rotate_after:
            return False
        too_big = size + incoming > self._config.max_bytes
        too_old = self._clock() - self._started > self._config.rotate_after_h * 3600.0
        return too_big or too_old

    def _rotate(self) -> None:
        """Shift the files; if that fails, go on appending to the live file and retry rotation later."""
        assert self._file is not None
        file, self._file = self._file, None
        file.close()
        try:
            self._shift()
        except OSError as exc:
            self._rotate_after = self._clock() + ROTATE_RETRY_S
            logger.error("cannot rotate %s: %s; appending to it and retrying in %.0f s", self.path, exc, ROTATE_RETRY_S)
        self._open()  # if this raises, _file stays None and the next event tries again

    def _shift(self) -> None:
        backups = self._config.backups
        if backups == 0:
            self.path.unlink(missing_ok=True)
            return
        self._rotated(backups).unlink(missing_ok=True)
        for n in range(backups - 1, 0, -1):
            if self._rotated(n).exists():
                os.replace(self._rotated(n), self._rotated(n + 1))
        os.replace(self.path, self._rotated(1))

    def _rotated(self, n: int) -> Path:
        return self.path.with_name(f"{FILENAME}.{n}")

    def _sweep(self) -> None:
        """Delete rotated files beyond ``backups`` or older than ``max_age_days``."""
        self._last_sweep = self._clock()
        limit = self._clock() - self._config.max_age_days * 86400.0
        for item in self._config.dir.glob(f"{FILENAME}.*"):
            suffix = item.name.rsplit(".", 1)[-1]
            if not suffix.isdigit():
                continue
            try:
                if int(suffix) > self._config.backups or item.stat().st_mtime < limit:
                    item.unlink()
            except OSError as exc:
                logger.warning("cannot remove old log %s: %s", item, exc)

    def on_stats(self, stats: Mapping[str, Any]) -> None:
        self.backlog.retry()
        if self._clock() - self._last_sweep >= SWEEP_EVERY_S:
            self._sweep()

    def close(self) -> None:
        if self._closed:
            return
        self.backlog.close()
        self._closed = True
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError as exc:  # buffered data is flushed per line; a failure here loses nothing more
                logger.warning("closing %s failed: %s", self.path, exc)
