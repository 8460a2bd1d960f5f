"""Face trackers by name, imported only when chosen."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.face.base import FaceTracker
from edge.registry import load_entry

#: Each entry is a class with ``from_config(config: GlimpseConfig)``.
TRACKERS: dict[str, str] = {
    "mediapipe": "edge.face.tracker:MediaPipeTracker",
    "fullframe": "edge.face.fullframe:FullFrameTracker",
}


def build_tracker(config: GlimpseConfig) -> FaceTracker:
    """The tracker named by ``face.tracker``, with its models on ``engine.backend`` / ``engine.threads``."""
    cls = load_entry(TRACKERS, config.face.tracker, "face tracker")
    tracker: FaceTracker = cls.from_config(config)
    return tracker
