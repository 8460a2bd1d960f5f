"""Building the engine's run-time objects from configuration."""

from __future__ import annotations

from edge.config import GlimpseConfig
from edge.engine.base import Classifier
from edge.engine.model import EngineModel, open_model


def build_engine_model(config: GlimpseConfig) -> EngineModel:
    """The engine model named by ``engine.model`` on ``engine.backend`` (missing model: ModelError)."""
    engine = config.engine
    return open_model(engine.model, engine.backend, engine.precision, engine.threads)


def build_classifier(config: GlimpseConfig, model: EngineModel | None = None) -> Classifier:
    """The per-interval classifier on ``model`` (default: the configured one, opened here); it closes the model."""
    from edge.engine.classifier import EngineClassifier

    return EngineClassifier(model if model is not None else build_engine_model(config), config.engine.flow_method)
