"""The base every configuration section derives from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A configuration section: unknown keys are errors, every field is described."""

    model_config = ConfigDict(extra="forbid", validate_default=True, use_attribute_docstrings=False)
