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
    model: str = Field(
        default="glimpse_me",
        description="Engine model: a name in the models folder (glimpse_me -> glimpse_me.onnx / .int8.onnx) or a "
        "path to an .onnx (onnxruntime) or .engine/.plan file (tensorrt).",
    )
    precision: Literal["fp32", "int8"] = Field(
        default="fp32",
        description="Which export of a named model to load: fp32, or int8 (QDQ; pays only inside TensorRT).",
    )
    flow_method: Literal["farneback", "dis_medium", "dis_fast", "dis_ultrafast"] = Field(
        default="dis_medium",
        description="Optical flow for the once-per-event onset-to-apex classification input; the shipped model "
        "was trained with dis_medium (~5 ms per event, docs/engine.md).",
    )
