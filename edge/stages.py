"""Builds the analysis stages and sinks that a configuration names."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.eventfactory import EventFactory
from edge.events.model import EngineInfo
from edge.metrics import Metrics
from edge.pipeline import Analyzer, Stages


def build_stages(config: GlimpseConfig) -> Stages:
    """Tracker, motion analyzer, spotter and classifier for ``config``.

    The engine model is opened once: the classifier owns it (and closes it),
    and the learned spotter gets its spotting head.
    """
    from edge.engine.factory import build_classifier, build_engine_model
    from edge.face.registry import build_tracker
    from edge.motion.registry import build_motion
    from edge.spotting.registry import build_spotter

    tracker = build_tracker(config)
    try:
        motion = build_motion(config)
        model = build_engine_model(config)
    except BaseException:
        tracker.close()
        raise
    try:
        spotter = build_spotter(config, scorer=model.spot if config.spotting.type == "learned" else None)
    except BaseException:
        model.close()
        tracker.close()
        raise
    engine = EngineInfo(backend=model.backend_name, model=model.name, sha256=model.sha256)
    return Stages(tracker, motion, spotter, build_classifier(config, model), engine)


def build_analyzer(config: GlimpseConfig, source_id: str, metrics: Metrics | None = None) -> Analyzer:
    """An analyzer whose events carry ``device.id`` and ``source_id``."""
    stages = build_stages(config)
    factory = EventFactory(config.device.id, source_id)
    history_ms = config.spotting.max_ms + 1000.0
    return Analyzer(stages, factory, metrics or Metrics(), history_ms=history_ms)
