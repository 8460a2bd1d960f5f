"""Spotters by name (``spotting.type``), imported only when chosen."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.registry import load_entry
from edge.spotting.base import Spotter
from edge.spotting.learned import SpotScorer

SPOTTERS: dict[str, str] = {
    "roiflow": "edge.spotting.roiflow:RoiFlowSpotter",
    "learned": "edge.spotting.learned:LearnedSpotter",
}


def build_spotter(config: GlimpseConfig, scorer: SpotScorer | None = None) -> Spotter:
    """The spotter named by ``spotting.type``.

    The learned spotter needs the engine's spotting head: pass ``scorer`` (a
    callable [N, 3, 28, 28] -> [N]) or let it open ``engine.model`` on
    ``engine.backend``.
    """
    cls = load_entry(SPOTTERS, config.spotting.type, "spotter")
    if config.spotting.type != "learned":
        spotter: Spotter = cls(config.spotting)
        return spotter
    if scorer is None:
        from edge.engine.factory import build_engine_model

        scorer = build_engine_model(config).spot
    learned: Spotter = cls(config.spotting, scorer)
    return learned
