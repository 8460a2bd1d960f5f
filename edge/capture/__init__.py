"""Frame sources: cameras, files and synthetic frames behind one interface."""

from edge.capture.base import Frame, FrameSource, SourceInfo
from edge.capture.registry import SOURCES, open_source

__all__ = ["SOURCES", "Frame", "FrameSource", "SourceInfo", "open_source"]
