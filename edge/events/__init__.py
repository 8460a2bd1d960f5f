"""Events: the payload model, the bus that fans them out, and the store."""

from edge.events.model import ActionUnit, DeviceState, Emotion, EngineInfo, Event

__all__ = ["ActionUnit", "DeviceState", "Emotion", "EngineInfo", "Event"]
