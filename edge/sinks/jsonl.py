"""The JSON-lines event log: ``events.jsonl`` rotated by size and age.

``events.jsonl`` is rotated to ``events.jsonl.1`` (``.1`` -> ``.2`` ...) when a
write would take it past ``logs.max_bytes`` or when its first line is older
than ``logs.rotate_after_h``; at most ``logs.backups`` rotated files are kept
and rotated files last written more than ``logs.max_age_days`` ago are deleted.
"""

from __future__ import annotations

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
from edge.sinks.base import SinkBase
from edge.sinks.config import LogsConfig

logger = logging.getLogger(__name__)

FILENAME = "events.jsonl"
SWEEP_EVERY_S = 60.0


def _first_line_time(path: Path, default: float) -> float:
    """Wall time of the first event in an existing file (its onset), else ``default``."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        return datetime.fromisoformat(json.loads(first)["onset"]).timestamp()
    except (OSError, ValueError, KeyError, TypeError):
        return default


class JsonlSink(SinkBase):
    """Appends one JSON object per event (the :class:`Event` schema) and rotates.

    Usage::

        with JsonlSink(LogsConfig(dir=Path("/tmp/logs"))) as sink:
            sink.on_event(event)
    """

    name = "jsonl"

    def __init__(self, config: LogsConfig, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self.path = config.dir / FILENAME
        self._file: TextIO | None = None
        self._started = 0.0  # wall time of the live file's first line
        self._last_sweep = -float("inf")
        self.failures = 0
        self._closed = False
        try:
            config.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"cannot create log directory {str(config.dir)!r}: {exc.strerror or exc}") from exc
        self._open()
        self._sweep()

    def _open(self) -> None:
        self._file = self.path.open("a", encoding="utf-8")
        self._started = self._clock() if self._file.tell() == 0 else _first_line_time(self.path, self._clock())

    def on_event(self, event: Event) -> None:
        if self._closed:
            return
        line = event.model_dump_json() + "\n"
        try:
            if self._due(len(line.encode("utf-8"))):
                self._rotate()
            assert self._file is not None
            if self._file.tell() == 0:
                self._started = self._clock()
            self._file.write(line)
            self._file.flush()
        except OSError as exc:  # a full disk must not stop the other sinks
            self.failures += 1
            logger.error("event %s not written to %s: %s", event.id, self.path, exc)

    def _due(self, incoming: int) -> bool:
        assert self._file is not None
        size = self._file.tell()
        if size == 0:
            return False
        too_big = size + incoming > self._config.max_bytes
        too_old = self._clock() - self._started > self._config.rotate_after_h * 3600.0
        return too_big or too_old

    def _rotate(self) -> None:
        assert self._file is not None
        self._file.close()
        backups = self._config.backups
        if backups == 0:
            self.path.unlink(missing_ok=True)
        else:
            self._rotated(backups).unlink(missing_ok=True)
            for n in range(backups - 1, 0, -1):
                if self._rotated(n).exists():
                    os.replace(self._rotated(n), self._rotated(n + 1))
            os.replace(self.path, self._rotated(1))
        self._open()

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
        if self._clock() - self._last_sweep >= SWEEP_EVERY_S:
            self._sweep()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
