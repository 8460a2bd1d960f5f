"""Configuration of the MQTT output."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class MqttConfig(Section):
    """MQTT broker connection and topics."""

    enabled: bool = Field(default=False, description="Publish events, state and stats to an MQTT broker.")
    host: str = Field(default="127.0.0.1", description="Broker host name or address.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port.")
    topic_prefix: str = Field(default="glimpse", description="Topics are <topic_prefix>/<device.id>/...")
