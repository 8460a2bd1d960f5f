"""The event payload: the only thing that leaves the analysis stage.

An event describes an observed facial movement with a confidence and the
action units seen. It is a probabilistic observation, never a verdict on
what a person feels or whether they are truthful. It carries no pixels, no
landmark arrays and no embeddings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Emotion(_Payload):
    """The most likely class and every class score."""

    label: str = Field(description="Most likely class, e.g. 'negative', 'positive', 'surprise' or 'unknown'.")
    scores: dict[str, float] = Field(description="Probability per class; sums to about 1.")


class ActionUnit(_Payload):
    """One FACS action unit seen in the movement."""

    au: int = Field(description="FACS action-unit number, e.g. 12 for the lip-corner puller.")
    name: str = Field(description="FACS name of the action unit.")
    p: float = Field(ge=0.0, le=1.0, description="Probability that the action unit is present.")


class EngineInfo(_Payload):
    """Which backend and model produced the classification."""

    backend: str = Field(description="Inference backend name (onnxruntime, tensorrt or none).")
    model: str = Field(description="Model name.")
    sha256: str = Field(description="sha256 of the model file ('' when no model ran).")


class Event(_Payload):
    """One spotted facial movement (micro- or macro-expression)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Payload schema version.")
    id: str = Field(description="Unique event id; consumers de-duplicate by it.")
    device: str = Field(description="Device id from device.id.")
    source: str = Field(description="Source id: the URI without its query, a file by its name only (file:clip.mp4).")
    kind: Literal["micro", "macro"] = Field(description="micro (<= 500 ms) or macro (longer).")
    onset: datetime = Field(description="Wall-clock time of the onset (ISO 8601, UTC).")
    apex: datetime = Field(description="Wall-clock time of the apex.")
    offset: datetime = Field(description="Wall-clock time of the offset.")
    onset_ns: int = Field(description="Sensor time of the onset in ns.")
    apex_ns: int = Field(description="Sensor time of the apex in ns.")
    offset_ns: int = Field(description="Sensor time of the offset in ns.")
    onset_frame: int = Field(description="Frame number of the onset (1-based).")
    apex_frame: int = Field(description="Frame number of the apex (1-based).")
    offset_frame: int = Field(description="Frame number of the offset (1-based).")
    duration_ms: float = Field(ge=0.0, description="Offset minus onset in ms.")
    emotion: Emotion = Field(description="Emotion class and scores.")
    action_units: list[ActionUnit] = Field(default_factory=list, description="Action units seen.")
    regions: list[str] = Field(default_factory=list, description="Facial regions that moved.")
    confidence: float = Field(ge=0.0, le=1.0, description="Spotting confidence in [0, 1].")
    track: int = Field(description="Face track id.")
    engine: EngineInfo = Field(description="Backend and model that classified the event.")
    latency_ms: float = Field(description="Time from the offset (sensor time) to emission, in ms.")
    truncated: bool = Field(
        default=False,
        description="True when the track or the input ended during the movement (face lost or left, end of "
        "the video): offset and kind are unknown. Such events reach the logs only, not counts, LEDs or MQTT "
        "(bus.truncated).",
    )


class DeviceState(_Payload):
    """What the device is doing now (retained on MQTT, shown on the dashboard)."""

    state: Literal["starting", "running", "paused", "stopped", "error"] = Field(description="Daemon state.")
    capturing: bool = Field(description="True while frames are being analysed (the camera-active light).")
    paused: bool = Field(description="True while a privacy pause is in force.")
    face_present: bool = Field(default=False, description="True while a face is tracked.")
    last_event_id: str | None = Field(default=None, description="Id of the latest event.")
    reason: str = Field(default="", description="Why the state changed (e.g. 'button', 'mqtt', 'dashboard').")
    t: datetime = Field(description="When the state was produced.")
