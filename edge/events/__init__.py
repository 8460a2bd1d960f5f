"""Events: the payload model, the factory that builds them from the analysis, and the store."""

from edge.events.model import ActionUnit, DeviceState, Emotion, EngineInfo, Event

__all__ = ["ActionUnit", "DeviceState", "Emotion", "EngineInfo", "Event"]
