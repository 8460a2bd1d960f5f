"""Held expressions: the rise, the hold and the fall of one expression, reported as one event.

The spotter's passes score the t - k flow, how fast the face moves. A smile that rises, holds still for two
seconds and relaxes is two bumps of that flow with nothing between them, so the passes report its rise and
its fall as two movements (or the held-expression rule drops them as micro-expressions; see
:meth:`HeldExpressions.push`), and neither event spans the expression. The displacement from rest
(``MotionSample.rest_px``) tells what happened between the bumps: after the rise the face stays away from
where it was, and it comes back when the expression relaxes, slowly or not.

:class:`HeldExpressions` sits after the other rules. An interval after which the face stayed away from rest
(a **rise**: its :func:`edge.spotting.rules.rest_step` rose by the held-expression rule's change) is held
back instead of emitted. The displacement from rest is then followed sample by sample: once it has come down
past half the rise's height and then to a quarter of it (or stayed below half for ``context_ms``), the face has
relaxed. If the face held still in between (its t - k flow stayed below ``held_still_ratio`` of the rise's
peak until the fall began), one interval from the rise's onset to that sample, with the apex where the rise
ended (the face reached its held level), is emitted; if it did not, the rise is released as below. Later
intervals lying mostly inside it (the other pass's copy of the rise, the fall's own bump) are dropped as parts
of it. A rise the face has not relaxed from by ``held_max_ms`` after its onset, or whose rest reference
changed meanwhile (the levels are no longer comparable), or whose track ended, is released as it was: a macro
interval is emitted, late; a micro one dropped, as the held-expression rule did before. Nothing the passes
found is lost.

The live spotter and the tuning replay drive it the same way, so both give the same intervals::

    held = HeldExpressions(config, rest_history, flow_history)   # rest_row(sample) and roi_px per sample
    emitted += held.push(interval)                 # each interval the other rules kept
    emitted += held.tick(now_ns)                   # after each sample: follows the level, closes or releases
    emitted += held.flush()                        # the track ended
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.rules import (
    CONTEXT_SKIP_NS,
    REST_EPOCH,
    REST_INDEX,
    FlowHistory,
    RestStep,
    rest_change,
    rest_regions,
    rest_step,
)

#: A later interval that lies at least this share inside an emitted held expression is a part of it.
_INSIDE_FRAC = 0.5
#: The face has relaxed once its level came down past this share of the rise's height ...
_HALF = 0.5
#: ... and then to this share (the end of the fall).
_DOWN = 0.25


@dataclass(slots=True)
class _Pending:
    rise: Interval
    step: RestStep
    scanned_ns: int  # samples up to here have been followed
    half_ns: int = -1  # when the level first came down past _HALF of the height (-1: not yet)


class HeldExpressions:
    """Joins the rise, hold and fall of an expression held still into one interval (see the module docstring)."""

    def __init__(self, config: SpottingConfig, rest: FlowHistory, flow: FlowHistory) -> None:
        self._cfg = config
        self._rest = rest
        self._flow = flow
        self._max_ns = int(config.held_max_ms * 1e6)
        self._context_ns = int(config.context_ms * 1e6)
        self._pending: _Pending | None = None
        self._joined: deque[Interval] = deque(maxlen=8)

    @property
    def enabled(self) -> bool:
        return self._max_ns > 0 and self._cfg.rest_context_ratio > 0

    def push(self, interval: Interval) -> list[Interval]:
        """One interval the other rules kept; applies the held-expression rule (``rest_context_ratio``: a micro
        interval after which the face did not come back is dropped) and, when on, the joining."""
        cfg = self._cfg
        step = rest_step(interval, self._rest, cfg.context_ms) if cfg.rest_context_ratio > 0 else None
        change = rest_change(step, cfg.rest_context_ratio, cfg.rest_context_min_px)
        held_back = interval.kind == "micro" and change != 0.0
        if not self.enabled:
            return [] if held_back else [interval]
        if any(_inside(interval, j) for j in self._joined):
            return []  # a part of an expression already reported whole
        pending = self._pending
        if pending is not None and _overlap(interval, pending.rise):
            return []  # the rise again (the other pass's copy): absorbed; an earlier movement reported late is not
        if pending is None and step is not None and change > 0 and not interval.truncated:
            self._pending = _Pending(interval, step, interval.offset_ns + CONTEXT_SKIP_NS)
            return []
        return [] if held_back else [interval]

    def tick(self, now_ns: int) -> list[Interval]:
        """Follow the displacement from rest up to ``now_ns``: close the held expression once the face relaxed,
        release its rise when it is held too long or the rest reference changed."""
        pending = self._pending
        if pending is None or now_ns <= pending.scanned_ns:
            return []
        t0 = pending.scanned_ns + 1
        levels = self._rest.timed(t0, now_ns, rest_regions(self._rest))
        epochs = self._rest.series(t0, now_ns, (REST_EPOCH,))
        indices = self._rest.series(t0, now_ns, (REST_INDEX,))
        step = pending.step
        height = step.after - step.before
        for (t_ns, level), epoch, index in zip(levels, epochs, indices, strict=True):
            if epoch != step.epoch or t_ns - pending.rise.onset_ns > self._max_ns:
                return self.flush()
            pending.scanned_ns = t_ns
            if pending.half_ns < 0:
                if level <= step.before + _HALF * height:
                    pending.half_ns = t_ns
                continue
            if level <= step.before + _DOWN * height or t_ns - pending.half_ns >= self._context_ns:
                return self._close(pending, t_ns, int(index)) if self._held_still(pending) else self.flush()
        return []

    def flush(self) -> list[Interval]:
        """Release a held rise as it was: a macro interval is emitted, a micro one dropped (the track ended)."""
        pending, self._pending = self._pending, None
        if pending is None or pending.rise.kind != "macro":
            return []
        return [pending.rise]

    def reset(self) -> None:
        self._pending = None
        self._joined.clear()

    def _held_still(self, pending: _Pending) -> bool:
        """Between the rise and the fall the face moved less than ``held_still_ratio`` of the rise's peak flow (the
        fall taken as long as the rise, before the level came down past half): a hold, not more movements."""
        rise = pending.rise
        start_ns = rise.offset_ns + CONTEXT_SKIP_NS
        end_ns = pending.half_ns - (rise.offset_ns - rise.onset_ns)
        if end_ns <= start_ns or self._cfg.held_still_ratio <= 0:
            return True
        names = self._flow.names
        return self._flow.peak(start_ns, end_ns, names) < self._cfg.held_still_ratio * self._flow.peak(
            rise.onset_ns, rise.offset_ns, names
        )

    def _close(self, pending: _Pending, offset_ns: int, offset_index: int) -> list[Interval]:
        """One interval from the rise's onset to ``offset``; the apex where the rise ended; kind by duration."""
        self._pending = None
        rise = pending.rise
        micro = (offset_ns - rise.onset_ns) / 1e6 <= self._cfg.micro_max_ms
        joined = replace(
            rise,
            apex_index=rise.offset_index,
            apex_ns=rise.offset_ns,
            offset_index=offset_index,
            offset_ns=offset_ns,
            kind="micro" if micro else "macro",
        )
        self._joined.append(joined)
        return [joined]


def _overlap(a: Interval, b: Interval) -> bool:
    return a.onset_index <= b.offset_index and b.onset_index <= a.offset_index


def _inside(interval: Interval, joined: Interval) -> bool:
    inter = min(interval.offset_index, joined.offset_index) - max(interval.onset_index, joined.onset_index) + 1
    return inter > 0 and inter >= _INSIDE_FRAC * (interval.offset_index - interval.onset_index + 1)
