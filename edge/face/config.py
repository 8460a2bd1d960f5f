"""Configuration of the face stage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edge.config.base import Section


class FaceConfig(Section):
    """How faces are found, followed and aligned."""

    tracker: Literal["fullframe"] = Field(
        default="fullframe",
        description="Face tracker: 'fullframe' treats the central square of the frame as the face (no model).",
    )
