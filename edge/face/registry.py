"""Face trackers by name, imported only when chosen."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.face.base import FaceTracker
from edge.registry import load_entry

TRACKERS: dict[str, str] = {
    "fullframe": "edge.face.fullframe:FullFrameTracker",
}


def build_tracker(config: GlimpseConfig) -> FaceTracker:
    """The tracker named by ``face.tracker``."""
    cls = load_entry(TRACKERS, config.face.tracker, "face tracker")
    tracker: FaceTracker = cls()
    return tracker
