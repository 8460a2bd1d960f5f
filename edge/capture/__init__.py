"""Frame sources: cameras, files and synthetic frames behind one interface.

Names are resolved lazily so that reading the configuration (which imports
``edge.capture.config``) does not pull in numpy: the standalone dashboard stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.lazy import lazy_exports

if TYPE_CHECKING:
    from edge.capture.base import Frame, FrameSource, SourceInfo
    from edge.capture.registry import SOURCES, open_source

__all__ = ["SOURCES", "Frame", "FrameSource", "SourceInfo", "open_source"]

__getattr__ = lazy_exports(
    __name__,
    {
        "Frame": "edge.capture.base",
        "FrameSource": "edge.capture.base",
        "SourceInfo": "edge.capture.base",
        "SOURCES": "edge.capture.registry",
        "open_source": "edge.capture.registry",
    },
)
