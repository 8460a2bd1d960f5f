"""Configuration of the frame source and the capture ring."""

from __future__ import annotations

from pydantic import Field

from edge.config.base import Section


class SourceConfig(Section):
    """Where frames come from."""

    uri: str = Field(
        default="synthetic:demo",
        description="Source URI: picamera2:0, argus:0, v4l2:/dev/video0, file:PATH[?fps=&realtime=], synthetic:NAME.",
    )
    width: int = Field(default=640, ge=16, le=8192, description="Requested frame width in pixels (cameras).")
    height: int = Field(default=480, ge=16, le=8192, description="Requested frame height in pixels (cameras).")
    fps: float = Field(default=90.0, gt=0, le=1000, description="Requested frame rate (cameras and synthetic sources).")


class CaptureConfig(Section):
    """The capture thread and its ring buffer."""

    ring_frames: int = Field(
        default=64, ge=2, le=4096, description="Frames the capture ring holds; on overflow the oldest is dropped."
    )
    reopen_backoff_s: float = Field(
        default=1.0, gt=0, le=60, description="First wait before reopening a camera that failed; doubles up to 30 s."
    )
    stall_timeout_s: float = Field(
        default=2.0, gt=0, le=60, description="A camera that delivers no frame for this long is reopened."
    )
