"""Context-manager behaviour shared by every source, backend, store and sink (they all have ``close()``)."""

from __future__ import annotations

from typing import TypeVar

_T = TypeVar("_T", bound="Closeable")


class Closeable:
    """``with obj:`` closes ``obj`` on exit; subclasses implement an idempotent :meth:`close`."""

    def close(self) -> None:
        """Release what the object holds; idempotent."""

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
