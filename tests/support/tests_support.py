"""Small builders shared by tests (no fixtures with hidden state)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from edge.events.model import ActionUnit, Emotion, EngineInfo, Event

CLIPS = Path(os.environ.get("GLIMPSE_CLIPS", Path(__file__).resolve().parents[3] / "shared" / "clips"))


def make_event(onset: datetime | None = None, kind: str = "micro", label: str = "negative") -> Event:
    """A plausible event payload."""
    onset = onset or datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    return Event(
        id=uuid.uuid4().hex,
        device="test",
        source="unit",
        kind=kind,  # type: ignore[arg-type]
        onset=onset,
        apex=onset + timedelta(milliseconds=80),
        offset=onset + timedelta(milliseconds=200),
        onset_ns=0,
        apex_ns=80_000_000,
        offset_ns=200_000_000,
        onset_frame=1,
        apex_frame=9,
        offset_frame=21,
        duration_ms=200.0,
        emotion=Emotion(label=label, scores={label: 0.8}),
        action_units=[ActionUnit(au=4, name="Brow Lowerer", p=0.7)],
        regions=["inner_brows"],
        confidence=0.6,
        track=1,
        engine=EngineInfo(backend="onnxruntime", model="m", sha256="0" * 64),
        latency_ms=12.0,
    )


#: The CASME II coding-sheet header, blank columns included (DESIGN section 9).
CASME2_HEADER: list[object] = ["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None,
                               "Action Units", "Estimated Emotion"]  # fmt: skip
