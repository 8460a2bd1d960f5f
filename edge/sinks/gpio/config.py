"""Configuration of LEDs, buzzer and buttons."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class GpioConfig(Section):
    """GPIO outputs and inputs (BCM pin numbers)."""

    enabled: bool = Field(default=False, description="Drive LEDs, buzzer and read buttons on GPIO.")
