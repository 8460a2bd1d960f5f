"""The root configuration: one section per stage, each defined beside its code."""

from __future__ import annotations

from pydantic import Field

from edge.capture.config import CaptureConfig, SourceConfig
from edge.config.base import Section
from edge.config.device import DeviceConfig
from edge.dashboard.config import DashboardConfig
from edge.engine.config import EngineConfig
from edge.events.config import BusConfig, StoreConfig
from edge.face.config import FaceConfig
from edge.motion.config import MotionConfig
from edge.sinks.config import LogsConfig
from edge.sinks.gpio.config import GpioConfig
from edge.sinks.mqtt.config import MqttConfig
from edge.spotting.config import SpottingConfig


class GlimpseConfig(Section):
    """Everything Glimpse can be told. Defaults run the demo with no file."""

    device: DeviceConfig = Field(default_factory=DeviceConfig, description="Device identity.")
    source: SourceConfig = Field(default_factory=SourceConfig, description="Frame source.")
    capture: CaptureConfig = Field(default_factory=CaptureConfig, description="Capture thread and ring.")
    face: FaceConfig = Field(default_factory=FaceConfig, description="Face detection, tracking and alignment.")
    motion: MotionConfig = Field(default_factory=MotionConfig, description="Optical flow of the aligned face.")
    spotting: SpottingConfig = Field(default_factory=SpottingConfig, description="Interval spotting.")
    engine: EngineConfig = Field(default_factory=EngineConfig, description="Inference backend and models.")
    store: StoreConfig = Field(default_factory=StoreConfig, description="SQLite event store.")
    bus: BusConfig = Field(default_factory=BusConfig, description="Output queue and stats period.")
    logs: LogsConfig = Field(default_factory=LogsConfig, description="JSON-lines event log.")
    mqtt: MqttConfig = Field(default_factory=MqttConfig, description="MQTT output.")
    gpio: GpioConfig = Field(default_factory=GpioConfig, description="LEDs, buzzer and buttons.")
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig, description="Local web dashboard.")
