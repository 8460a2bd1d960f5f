"""Every error Glimpse raises on purpose.

Each class also inherits the matching builtin so callers can catch either.
Messages say what is wrong, show the value with ``!r`` and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence


class GlimpseError(Exception):
    """Base class of every error raised on purpose by Glimpse."""


class ConfigError(GlimpseError, ValueError):
    """The configuration is malformed; ``problems`` lists every finding."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems) if self.problems else "invalid configuration")


class UsageError(GlimpseError, ValueError):
    """A command-line argument is malformed."""


class UnknownBackend(GlimpseError, LookupError):
    """A backend, source scheme or sink name is not registered."""


class BackendUnavailable(GlimpseError, ImportError):
    """A registered backend cannot load here (missing library or hardware)."""


class SourceError(GlimpseError, OSError):
    """A frame source cannot be opened or stopped delivering frames."""


class ModelError(GlimpseError, OSError):
    """A model or asset file is missing, unreadable, or does not match what is expected."""


class OutputError(GlimpseError, OSError):
    """A file or directory Glimpse was asked to write cannot be written."""


class StoreError(GlimpseError, OSError):
    """The event store cannot be opened or written."""


class SinkError(GlimpseError, OSError):
    """An output sink failed in a way the caller should know about."""


class DatasetError(GlimpseError, ValueError):
    """A dataset annotation file does not have the expected layout."""


#: Longest ``repr`` of a user-given value that a message shows in full.
MAX_SHOWN_CHARS = 120


def shown(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters so a 1 MB value is not echoed back.

    >>> shown("x" * 1000, limit=12)
    "'xxxxxxxxxxx... (1000 characters)"
    """
    try:
        text = repr(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deeply to show>"
    if len(text) <= limit:
        return text
    if isinstance(value, (str, bytes)):
        return f"{text[:limit]}... ({len(value)} characters)"
    return f"{text[:limit]}... ({len(text)} characters)"
