"""Configuration: pydantic models (one section per stage) and the loader."""

from edge.config.loader import apply_overrides, load_config, read_file, validate
from edge.config.model import GlimpseConfig

__all__ = ["GlimpseConfig", "apply_overrides", "load_config", "read_file", "validate"]
