"""Configuration: pydantic models (one section per stage) and the loader.

Names are resolved lazily so that a stage's ``config.py`` can import
:mod:`edge.config.base` without importing every other section first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.lazy import lazy_exports

if TYPE_CHECKING:
    from edge.config.loader import apply_overrides, load_config, read_file, validate
    from edge.config.model import GlimpseConfig

__all__ = ["GlimpseConfig", "apply_overrides", "load_config", "read_file", "validate"]

__getattr__ = lazy_exports(
    __name__,
    {
        "GlimpseConfig": "edge.config.model",
        "apply_overrides": "edge.config.loader",
        "load_config": "edge.config.loader",
        "read_file": "edge.config.loader",
        "validate": "edge.config.loader",
    },
)
