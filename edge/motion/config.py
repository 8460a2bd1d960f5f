"""Configuration of the motion stage."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class MotionConfig(Section):
    """Optical flow of the aligned face."""

    k_ms: float = Field(
        default=100.0, gt=0, le=1000, description="Flow is computed between the frame at t - k_ms and t."
    )
