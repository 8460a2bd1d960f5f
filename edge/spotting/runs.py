"""Turning a per-sample score curve into intervals (shared by both spotters).

A run starts when the score exceeds ``high``; its onset extends back and its
end forward while the score stays above ``low`` (hysteresis); runs closer than
``merge_gap_ns`` merge. A run is closed, filtered by duration and emitted as
soon as the score has stayed below ``low`` for ``merge_gap_ns``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from edge.spotting.base import Interval, Kind
from edge.spotting.config import SpottingConfig


@dataclass(slots=True)
class _Run:
    onset_index: int
    onset_ns: int
    apex_index: int
    apex_ns: int
    peak: float
    end_index: int
    end_ns: int
    regions: set[str] = field(default_factory=set)


class RunTracker:
    """Hysteresis run detection over (index, t_ns, score) points with ms-based filters."""

    def __init__(self, config: SpottingConfig, high: float, low: float, track_id: int = -1) -> None:
        self._cfg = config
        self.high, self.low = high, low
        self._gap_ns = int(config.merge_gap_ms * 1e6)
        self._shift_ns = int(config.offset_shift_ms * 1e6)
        self._below: deque[tuple[int, int]] = deque(maxlen=4096)  # recent points above low, before a run
        self._run: _Run | None = None
        self.track_id = track_id

    def push(self, index: int, t_ns: int, score: float, regions: tuple[str, ...] = ()) -> list[Interval]:
        """Feed one point; return the interval closed by it, if any."""
        run = self._run
        if run is not None:
            if score > self.low:
                self._extend(run, index, t_ns, score, regions)
                return []
            if t_ns - run.end_ns <= self._gap_ns:
                return []
            self._run = None
            self._below.clear()
            return self._emit(run)
        if score > self.high:
            onset_index, onset_ns = self._below[0] if self._below else (index, t_ns)
            self._run = _Run(onset_index, onset_ns, index, t_ns, score, index, t_ns, set(regions))
        elif score > self.low:
            self._below.append((index, t_ns))
        else:
            self._below.clear()
        return []

    @staticmethod
    def _extend(run: _Run, index: int, t_ns: int, score: float, regions: tuple[str, ...]) -> None:
        run.end_index, run.end_ns = index, t_ns
        run.regions.update(regions)
        if score > run.peak:
            run.peak, run.apex_index, run.apex_ns = score, index, t_ns

    def flush(self) -> list[Interval]:
        """End of stream: close the open run."""
        run, self._run = self._run, None
        self._below.clear()
        return self._emit(run) if run is not None else []

    def reset(self) -> None:
        self._run = None
        self._below.clear()

    def _emit(self, run: _Run) -> list[Interval]:
        offset_ns = max(run.apex_ns, run.end_ns - self._shift_ns)
        # frame index of the shifted offset, assuming locally even frame spacing
        span_ns = max(run.end_ns - run.apex_ns, 1)
        frac = (offset_ns - run.apex_ns) / span_ns
        offset_index = run.apex_index + round(frac * (run.end_index - run.apex_index))
        duration_ms = (offset_ns - run.onset_ns) / 1e6
        if not self._cfg.min_ms <= duration_ms <= self._cfg.max_ms:
            return []
        kind: Kind = "micro" if duration_ms <= self._cfg.micro_max_ms else "macro"
        confidence = 1.0 / (1.0 + math.exp(-(run.peak - self.high) / max(0.5 * self.high, 1e-6)))
        return [
            Interval(
                run.onset_index,
                run.apex_index,
                offset_index,
                run.onset_ns,
                run.apex_ns,
                offset_ns,
                kind,
                round(confidence, 4),
                tuple(sorted(run.regions)),
                self.track_id,
            )
        ]
