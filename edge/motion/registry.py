"""Motion analyzers by name (``motion.type``), imported only when chosen."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.motion.base import MotionAnalyzer
from edge.registry import load_entry

ANALYZERS: dict[str, str] = {
    "dis": "edge.motion.dis:DisMotionAnalyzer",
}


def uses_rest(config: GlimpseConfig) -> bool:
    """Whether the configured spotter reads ``MotionSample.rest_px`` (the roiflow macro pass or its rule)."""
    spotting = config.spotting
    return spotting.type == "roiflow" and (spotting.macro_feature != "flow" or spotting.rest_context_ratio > 0)


def build_motion(config: GlimpseConfig) -> MotionAnalyzer:
    """The analyzer named by ``motion.type``; the learned spotter needs dense flow, so it turns ``keep_flow`` on.

    The displacement from rest (``motion.rest_every_ms``) is measured only when the spotter reads it.
    """
    from edge.motion.rois import load_landmark_table

    motion = config.motion
    if config.spotting.type == "learned" and not motion.keep_flow:
        motion = motion.model_copy(update={"keep_flow": True})
    if not uses_rest(config) and motion.rest_every_ms > 0:
        motion = motion.model_copy(update={"rest_every_ms": 0.0})  # nobody reads it: do not pay for it
    cls = load_entry(ANALYZERS, motion.type, "motion analyzer")
    analyzer: MotionAnalyzer = cls(motion, load_landmark_table())
    return analyzer
