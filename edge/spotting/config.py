"""Configuration of the spotter."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edge.config.base import Section


class SpottingConfig(Section):
    """How intervals are found in the motion curves."""

    type: Literal["roiflow"] = Field(default="roiflow", description="Spotter: 'roiflow' (training-free ROI flow).")
    micro_max_ms: float = Field(
        default=500.0, gt=0, le=2000, description="Intervals up to this duration are micro, longer ones macro."
    )
    min_ms: float = Field(default=40.0, ge=0, le=1000, description="Shorter intervals are discarded as noise.")
    max_ms: float = Field(default=4000.0, gt=0, le=20000, description="Longer intervals are discarded.")
