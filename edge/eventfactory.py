"""The last analysis step: a spotted interval and its classification become an :class:`~edge.events.model.Event`.

It sits with the analysis (beside :mod:`edge.pipeline`), so the events
package holds only the payload model and the store and imports no stage.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from edge.engine.base import Classification
from edge.events.model import ActionUnit, Emotion, EngineInfo, Event
from edge.spotting.base import Interval


class SensorClock:
    """Maps sensor time to wall-clock time, anchored at the first frame seen."""

    def __init__(self) -> None:
        self._t0_ns: int | None = None
        self._wall0_ns = 0

    def anchor(self, t_ns: int) -> None:
        if self._t0_ns is None:
            self._t0_ns = t_ns
            self._wall0_ns = time.time_ns()

    def wall(self, t_ns: int) -> datetime:
        t0 = self._t0_ns if self._t0_ns is not None else t_ns
        return datetime.fromtimestamp((self._wall0_ns + (t_ns - t0)) / 1e9, tz=timezone.utc)


class EventFactory:
    """Builds events for one device and source, with wall-clock times from its own :class:`SensorClock`."""

    def __init__(self, device: str, source: str, clock: SensorClock | None = None) -> None:
        self.device = device
        self.source = source
        self.clock = clock or SensorClock()

    def anchor(self, t_ns: int) -> None:
        """The first frame's sensor time: wall-clock times count from it (later calls change nothing)."""
        self.clock.anchor(t_ns)

    def build(self, interval: Interval, result: Classification, latency_ms: float) -> Event:
        return Event(
            id=uuid.uuid4().hex,
            device=self.device,
            source=self.source,
            kind=interval.kind,
            onset=self.clock.wall(interval.onset_ns),
            apex=self.clock.wall(interval.apex_ns),
            offset=self.clock.wall(interval.offset_ns),
            onset_ns=interval.onset_ns,
            apex_ns=interval.apex_ns,
            offset_ns=interval.offset_ns,
            onset_frame=interval.onset_index + 1,
            apex_frame=interval.apex_index + 1,
            offset_frame=interval.offset_index + 1,
            duration_ms=round(max(0.0, interval.duration_ms), 3),
            emotion=Emotion(label=result.emotion, scores={k: round(v, 4) for k, v in result.emotion_scores.items()}),
            action_units=[ActionUnit(au=a.au, name=a.name, p=round(a.p, 4)) for a in result.action_units],
            regions=list(interval.regions),
            confidence=round(min(1.0, max(0.0, interval.confidence)), 4),
            track=interval.track_id,
            engine=EngineInfo(backend=result.backend, model=result.model, sha256=result.model_sha256),
            latency_ms=round(latency_ms, 3),
            truncated=interval.truncated,
        )
