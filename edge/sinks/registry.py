"""Builds the sinks a configuration enables (disabled outputs are left out)."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.control import Controller
from edge.events.store import EventStore
from edge.sinks.base import Sink
from edge.sinks.store import StoreSink


def build_sinks(config: GlimpseConfig, controller: Controller) -> list[Sink]:
    """The enabled sinks, store first (it is what the dashboard and `glimpse events` read)."""
    sinks: list[Sink] = [StoreSink(EventStore(config.store.path, config.store.retention_days))]
    return sinks
