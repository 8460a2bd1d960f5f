"""The interval contract and the spotter interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from edge.motion.base import MotionSample

Kind = Literal["micro", "macro"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A spotted facial movement: onset, apex and offset frames and times."""

    onset_index: int
    apex_index: int
    offset_index: int
    onset_ns: int
    apex_ns: int
    offset_ns: int
    kind: Kind
    confidence: float
    regions: tuple[str, ...] = ()
    track_id: int = -1
    #: The movement had not ended when the track or the stream did (face lost or left, end of input): its
    #: offset and kind are unknown, so it is reported apart (see docs/outputs.md) and never as an expression.
    truncated: bool = False

    @property
    def duration_ms(self) -> float:
        return (self.offset_ns - self.onset_ns) / 1e6


class Spotter(Protocol):
    """Finds onset/apex/offset intervals in a stream of motion samples."""

    #: The current per-frame score (what the dashboard's timeline plots); 0.0 before the first sample.
    score: float

    def update(self, sample: MotionSample) -> list[Interval]:
        """Feed one sample; return the intervals whose offset is now known."""

    def flush(self) -> list[Interval]:
        """End of stream: return the intervals still pending."""

    def reset(self) -> None:
        """Forget history (after a pause or a lost track)."""

    def close(self) -> None:
        """Release what the spotter owns; idempotent (a model it was handed stays open: its owner closes it)."""
