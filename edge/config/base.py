"""The base every configuration section derives from, and shared field types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Section(BaseModel):
    """A configuration section: unknown keys are errors, every field is described."""

    model_config = ConfigDict(extra="forbid", validate_default=True, use_attribute_docstrings=False)


def _named_path(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError(f"got {value!r}; expected a path (an empty one would mean the working directory)")
    return value


#: A path that must be spelled out: ``""`` is refused rather than read as the working directory.
NamedPath = Annotated[Path, BeforeValidator(_named_path)]
