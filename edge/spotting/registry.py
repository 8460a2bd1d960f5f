"""Spotters by name (``spotting.type``), imported only when chosen."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.errors import ConfigError
from edge.registry import load_entry
from edge.spotting.base import Spotter
from edge.spotting.learned import SpotScorer

SPOTTERS: dict[str, str] = {
    "roiflow": "edge.spotting.roiflow:RoiFlowSpotter",
    "learned": "edge.spotting.learned:LearnedSpotter",
}


def build_spotter(config: GlimpseConfig, scorer: SpotScorer | None = None) -> Spotter:
    """The spotter named by ``spotting.type``.

    The learned spotter needs the engine's spotting head: ``scorer`` (a
    callable [N, 3, 28, 28] -> [N]), which the stage builder
    (:func:`edge.stages.build_stages`) takes from the engine model it opens
    once for the spotter and the classifier.
    """
    cls = load_entry(SPOTTERS, config.spotting.type, "spotter")
    if config.spotting.type != "learned":
        spotter: Spotter = cls(config.spotting)
        return spotter
    if scorer is None:
        raise ConfigError(
            [
                "spotting.type: got 'learned' without the engine's spotting head; expected a scorer "
                "(edge.stages.build_stages passes the engine model's)"
            ]
        )
    learned: Spotter = cls(config.spotting, scorer)
    return learned
