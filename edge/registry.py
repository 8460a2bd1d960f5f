"""Explicit name -> import-path registries, imported only when chosen."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from edge.errors import BackendUnavailable, UnknownBackend, shown


def load_entry(registry: Mapping[str, str], name: str, what: str) -> Any:
    """Import and return the object registered under ``name``.

    ``registry`` maps names to ``"package.module:attribute"``. An unknown
    name raises :class:`UnknownBackend` listing the allowed names; a module
    that cannot import (missing hardware library) raises
    :class:`BackendUnavailable` naming what is missing.
    """
    try:
        target = registry[name]
    except KeyError:
        raise UnknownBackend(f"unknown {what} {shown(name)}; expected one of {sorted(registry)}") from None
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(f"{what} {name!r} cannot load here: {exc}") from exc
    return getattr(module, attr)
