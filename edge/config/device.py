"""Device identity."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class DeviceConfig(Section):
    """Who this device is."""

    id: str = Field(
        default="glimpse",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Device id used in MQTT topics and events (letters, digits, '_' and '-').",
    )
