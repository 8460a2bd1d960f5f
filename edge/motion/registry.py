"""Motion analyzers by name (``motion.type``), imported only when chosen."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.motion.base import MotionAnalyzer
from edge.registry import load_entry

ANALYZERS: dict[str, str] = {
    "dis": "edge.motion.dis:DisMotionAnalyzer",
}


def build_motion(config: GlimpseConfig) -> MotionAnalyzer:
    """The analyzer named by ``motion.type``; the learned spotter needs dense flow, so it turns ``keep_flow`` on."""
    from edge.motion.rois import load_landmark_table

    motion = config.motion
    if config.spotting.type == "learned" and not motion.keep_flow:
        motion = motion.model_copy(update={"keep_flow": True})
    cls = load_entry(ANALYZERS, motion.type, "motion analyzer")
    analyzer: MotionAnalyzer = cls(motion, load_landmark_table())
    return analyzer
