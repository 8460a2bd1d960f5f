"""The micro-expression engine: one ONNX graph with spotting, emotion and AU heads.

Public entry points::

    from edge.engine import COMPOSITE_CLASSES, classify_flow, flow_representation
    x = flow_representation(onset_crop, apex_crop)[None]   # [1, 3, 28, 28]
    probs = classify_flow(x)                                # [1, 3], negative / positive / surprise

Heavy modules (onnxruntime, torch, tensorrt) are imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS
from edge.facs import AU_NAMES

if TYPE_CHECKING:
    from edge.engine.model import classify_flow
    from edge.motion.features import canonical_representation, flow_representation

__all__ = [
    "AU_NAMES",
    "COMPOSITE_CLASSES",
    "ENGINE_AUS",
    "canonical_representation",
    "classify_flow",
    "flow_representation",
]

_LAZY = {
    "classify_flow": "edge.engine.model",
    "flow_representation": "edge.motion.features",
    "canonical_representation": "edge.motion.features",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'edge.engine' has no attribute {name!r}")
