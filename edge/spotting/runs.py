"""Turning a per-sample score curve into intervals (shared by both spotters).

A run starts when the score exceeds ``high``; its onset extends back and its
end forward while the score stays above ``low`` (hysteresis); runs closer than
``merge_gap_ns`` merge. A run is closed, filtered by duration and emitted as
soon as the score has stayed below ``low`` for ``merge_gap_ns``.

A run closed by :meth:`RunTracker.flush` instead (the track ended: face lost or left, new face, end of the
input) is **truncated**: its offset was never confirmed by ``merge_gap_ns`` of observed quiet, so the
movement may have gone on (or the score fell only because the face was leaving). Its interval carries
``truncated=True``; the event bus keeps such events out of counts, LEDs and MQTT by default.

The apex is the peak of the run's *first* movement phase: both spotters score
the t-k to t flow, which has one bump while the face moves to the apex and a
second one while it relaxes, often the larger because relaxation is faster.
The apex is taken as the highest point before the score first falls below
``APEX_DIP`` of its running maximum (the pause at the apex), so that the
classifier sees onset-to-apex motion, not apex-to-rest motion. The onset is
moved back by ``onset_shift_ms``: the score crosses the threshold only once
the face has moved enough.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from edge.spotting.base import Interval, Kind
from edge.spotting.config import SpottingConfig

#: A fall of the score below this fraction of its running maximum ends the first movement phase (the apex).
APEX_DIP = 0.5


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
    first: tuple[int, int, float] = (0, 0, 0.0)  # highest point of the first movement phase so far
    first_done: bool = False  # the score has dipped below APEX_DIP of ``first``: the first phase is over


class RunTracker:
    """Hysteresis run detection over (index, t_ns, score) points with ms-based filters."""

    def __init__(self, config: SpottingConfig, high: float, low: float, track_id: int = -1) -> None:
        self._cfg = config
        self.high, self.low = high, low
        self._gap_ns = int(config.merge_gap_ms * 1e6)
        self._shift_ns = int(config.offset_shift_ms * 1e6)
        self._onset_shift_ns = int(config.onset_shift_ms * 1e6)
        self._below: deque[tuple[int, int]] = deque(maxlen=4096)  # recent points above low, before a run
        self._run: _Run | None = None
        self.track_id = track_id

    def push(self, index: int, t_ns: int, score: float, regions: tuple[str, ...] = ()) -> list[Interval]:
        """Feed one point; return the interval closed by it, if any."""
        run = self._run
        if run is not None:
            _track_first_peak(run, index, t_ns, score)
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
            self._run = _Run(onset_index, onset_ns, index, t_ns, score, index, t_ns, set(regions), (index, t_ns, score))
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
        """End of the track or the stream: close the open run as a truncated interval."""
        run, self._run = self._run, None
        self._below.clear()
        return self._emit(run, truncated=True) if run is not None else []

    def reset(self) -> None:
        self._run = None
        self._below.clear()

    def _emit(self, run: _Run, truncated: bool = False) -> list[Interval]:
        run.apex_index, run.apex_ns = run.first[0], run.first[1]
        _shift_onset(run, self._onset_shift_ns)
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
                truncated,
            )
        ]


def _track_first_peak(run: _Run, index: int, t_ns: int, score: float) -> None:
    """Follow the highest point until the score first dips below ``APEX_DIP`` of it (the apex pause)."""
    if run.first_done:
        return
    if score > run.first[2]:
        run.first = (index, t_ns, score)
    elif score < APEX_DIP * run.first[2]:
        run.first_done = True


def _shift_onset(run: _Run, shift_ns: int) -> None:
    """Move the onset ``shift_ns`` earlier, converting to frames at the run's own frame spacing."""
    if shift_ns <= 0 or run.end_index <= run.onset_index:
        return
    period_ns = (run.end_ns - run.onset_ns) / (run.end_index - run.onset_index)
    frames = min(run.onset_index, round(shift_ns / period_ns)) if period_ns > 0 else 0
    run.onset_index -= frames
    run.onset_ns -= round(frames * period_ns)
