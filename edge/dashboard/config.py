"""Configuration of the local web dashboard."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class DashboardConfig(Section):
    """The local web dashboard."""

    enabled: bool = Field(default=True, description="Serve the dashboard while the daemon runs.")
    host: str = Field(default="127.0.0.1", description="Address to bind; anything but loopback needs a password.")
    port: int = Field(default=8321, ge=0, le=65535, description="TCP port (0 picks a free one).")
