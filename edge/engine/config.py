"""Configuration of the inference engine."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edge.config.base import Section


class EngineConfig(Section):
    """Which backend runs the models, with which threads."""

    backend: Literal["onnxruntime", "tensorrt"] = Field(
        default="onnxruntime", description="Inference backend: onnxruntime (CPU) or tensorrt (Jetson)."
    )
    threads: int = Field(default=1, ge=1, le=64, description="Threads each model may use.")
