"""Where Glimpse finds its shipped files (models)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MODELS_ENV = "GLIMPSE_MODELS"
SYSTEM_MODELS = Path("/opt/glimpse/models")


def models_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The models folder: ``$GLIMPSE_MODELS``, else ``<repo>/models`` beside ``edge/``, else ``/opt/glimpse/models``.

    The folder is not required to exist; callers that open a model raise
    :class:`edge.errors.ModelError` naming the path they tried.
    """
    env = os.environ if environ is None else environ
    if env.get(MODELS_ENV):
        return Path(env[MODELS_ENV])
    beside_package = Path(__file__).resolve().parent.parent / "models"
    if beside_package.is_dir():
        return beside_package
    return SYSTEM_MODELS
