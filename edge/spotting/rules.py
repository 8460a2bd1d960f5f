"""Rules that drop spotted intervals which are not expressions (shared by the live spotter and the tuning replay).

Both rules act on an interval when it is emitted and never retract one that was emitted before:

* **blink**: an interval whose frames are mostly flagged ``Quality.BLINK`` by the motion stage (the eyes are
  masked out of the ROI features, but a lid's flow bleeds into the brow regions) is a blink, not an expression
  (``blink_max_frac``);
* **one movement, one event**: the macro pass emits an interval about 3 s after the micro pass would have emitted
  one for the same movement. A macro-pass interval whose frame IoU with an interval the micro pass has *already
  emitted* reaches ``cross_pass_iou`` describes that movement again and is dropped; the earlier (micro) event
  stands, because an emitted event cannot be taken back.

* **part of a longer movement**: a micro interval whose regions moved, within ``context_ms`` before its onset or
  after its offset, at least ``context_ratio`` times as much as at its own peak is the rise or the fall of a
  macro-expression, a stretch of speech (mouth-only, periodic) or a head-motion residue, not a brief isolated
  movement. The flow after the offset is known when the interval is emitted (the contrast waits
  ``contrast_k_ms + merge_gap_ms`` anyway), so the rule adds no latency;
* **speech**: an interval in which the mouth led (it moved more than the brows) and whose mouth flow rose
  through half its peak at least ``speech_bumps`` times is jaw movement of speech (each syllable opens and
  closes the jaw: two bumps of the t-k flow), not an expression, which rises and relaxes once;
* **held expression** (``rest_context_ratio``): a micro interval after which the face did not come back to
  where it was before it (the displacement from rest, ``MotionSample.rest_px``, changed across it by a good
  share of its own rise) is the rise or the fall of an expression held still, not a brief movement
  (:func:`rest_step` and :func:`rest_change`; the spotters apply it through
  :class:`edge.spotting.held.HeldExpressions`, which also joins such a rise to its relaxation);
* a blink moves the lids (and, through the flow, the brows), never the mouth: the blink rule spares an interval
  whose mouth regions moved more than its brows (a smile that narrows the eyes, AU6).

Usage::

    flags = BlinkHistory(horizon_ns)
    flags.add(sample.frame_index, sample.t_ns, Quality.BLINK in sample.quality)
    if blink_fraction(interval, flags.flags) < config.blink_max_frac: ...
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from edge.motion.base import MotionSample
from edge.spotting.base import Interval

#: Regions a blink never moves, and the regions its flow bleeds into.
MOUTH_ROIS = ("mouth_left", "mouth_right", "chin")
BROW_ROIS = ("brow_left", "brow_right")
#: Pseudo-regions of a displacement-from-rest history: its reference epoch (see rest_step) and frame index.
REST_EPOCH = "@epoch_ns"
REST_INDEX = "@index"
#: Flow near the run's edges still belongs to it (the t-k flow trails the movement by the motion stage's k).
CONTEXT_SKIP_NS = 100_000_000


def blink_fraction(interval: Interval, blink: Mapping[int, bool]) -> float:
    """Share of the interval's measured frames (onset..offset) that the motion stage flagged as a blink."""
    flags = [blink[i] for i in range(interval.onset_index, interval.offset_index + 1) if i in blink]
    return sum(flags) / len(flags) if flags else 0.0


def is_blink(interval: Interval, blink: Mapping[int, bool], max_frac: float, flow: FlowHistory | None = None) -> bool:
    """The interval is mostly blink frames and its mouth moved less than its brows (``max_frac`` 0: off)."""
    if not (max_frac > 0 and blink_fraction(interval, blink) >= max_frac):
        return False
    if flow is None:
        return True
    return flow.peak(interval.onset_ns, interval.offset_ns, MOUTH_ROIS) <= flow.peak(
        interval.onset_ns, interval.offset_ns, BROW_ROIS
    )


def in_longer_movement(interval: Interval, flow: FlowHistory, context_ms: float, ratio: float) -> bool:
    """A micro interval whose regions moved nearly as much just before or after it (``ratio`` 0: off)."""
    if ratio <= 0 or interval.kind != "micro":
        return False
    regions = interval.regions or flow.names
    own = flow.peak(interval.onset_ns, interval.offset_ns, regions)
    span_ns = int(context_ms * 1e6)
    before = flow.peak(interval.onset_ns - span_ns, interval.onset_ns - CONTEXT_SKIP_NS, regions)
    after = flow.peak(interval.offset_ns + CONTEXT_SKIP_NS, interval.offset_ns + span_ns, regions)
    return max(before, after) >= ratio * own > 0


def rest_row(sample: MotionSample) -> dict[str, float]:
    """What a displacement-from-rest history holds of a sample: its regions, epoch and frame index."""
    return {**sample.rest_px, REST_EPOCH: float(sample.rest_epoch_ns), REST_INDEX: float(sample.frame_index)}


def rest_regions(rest: FlowHistory) -> tuple[str, ...]:
    """The face regions of a displacement-from-rest history (its pseudo-regions left out)."""
    return tuple(n for n in rest.names if not n.startswith("@"))


@dataclass(frozen=True, slots=True)
class RestStep:
    """The face's mean displacement from rest just before and just after an interval, and the interval's rise."""

    before: float
    after: float
    rise: float  # the interval's peak displacement above the lower of the two levels
    epoch: float  # the rest reference both levels were measured against


def rest_step(interval: Interval, rest: FlowHistory, context_ms: float) -> RestStep | None:
    """Levels before the onset and after the offset (``context_ms``, skipping the ``CONTEXT_SKIP_NS`` next to
    the interval), over every region; ``None`` when a side holds no sample or the rest reference changed
    meanwhile (``REST_EPOCH``, ``MotionSample.rest_epoch_ns``: levels of two epochs are not comparable)."""
    regions = rest_regions(rest)  # all of them: the fast tuning replay has no regions
    span_ns = int(context_ms * 1e6)
    refs = rest.series(interval.onset_ns - span_ns, interval.offset_ns + span_ns, (REST_EPOCH,))
    if not refs or min(refs) != max(refs):
        return None
    before = rest.series(interval.onset_ns - span_ns, interval.onset_ns - CONTEXT_SKIP_NS, regions)
    after = rest.series(interval.offset_ns + CONTEXT_SKIP_NS, interval.offset_ns + span_ns, regions)
    if not before or not after:
        return None
    level_before, level_after = sum(before) / len(before), sum(after) / len(after)
    rise = rest.peak(interval.onset_ns, interval.offset_ns, regions) - min(level_before, level_after)
    return RestStep(level_before, level_after, rise, refs[0])


def rest_change(step: RestStep | None, ratio: float, min_change_px: float = 0.0) -> float:
    """The level's change across an interval (after - before, px) when it is at least ``ratio`` times the
    interval's own rise and at least ``min_change_px``; 0.0 when the face came back (or ``ratio`` is 0, or the
    levels are not comparable). Positive: a rise the face stayed up after; negative: a fall it stayed down after."""
    if step is None or ratio <= 0 or step.rise <= 0:
        return 0.0
    change = step.after - step.before
    return change if abs(change) >= max(ratio * step.rise, min_change_px) else 0.0


def frame_iou(a: Interval, b: Interval) -> float:
    """IoU of two intervals as inclusive frame ranges (the scoring protocol's measure)."""
    inter = min(a.offset_index, b.offset_index) - max(a.onset_index, b.onset_index) + 1
    if inter <= 0:
        return 0.0
    union = (a.offset_index - a.onset_index + 1) + (b.offset_index - b.onset_index + 1) - inter
    return inter / union


def repeats(macro: Interval, emitted_micro: Iterable[Interval], min_iou: float) -> bool:
    """The macro-pass interval describes a movement the micro pass already reported (``min_iou`` 0: off)."""
    return min_iou > 0 and any(frame_iou(macro, m) >= min_iou for m in emitted_micro)


class BlinkHistory:
    """The blink flag of recent valid samples by frame index, kept for ``horizon_ns`` of stream time."""

    def __init__(self, horizon_ns: int) -> None:
        self._horizon_ns = horizon_ns
        self._order: deque[tuple[int, int]] = deque()  # (t_ns, frame index), oldest first
        self.flags: dict[int, bool] = {}

    def add(self, index: int, t_ns: int, blink: bool) -> None:
        self._order.append((t_ns, index))
        self.flags[index] = blink
        while self._order and self._order[0][0] < t_ns - self._horizon_ns:
            self.flags.pop(self._order.popleft()[1], None)

    def clear(self) -> None:
        self._order.clear()
        self.flags.clear()


class RecentIntervals:
    """Intervals emitted within the last ``horizon_ns`` of their offset (what a later interval may repeat)."""

    def __init__(self, horizon_ns: int) -> None:
        self._horizon_ns = horizon_ns
        self.items: deque[Interval] = deque()

    def add(self, intervals: Iterable[Interval], now_ns: int) -> None:
        self.items.extend(intervals)
        while self.items and self.items[0].offset_ns < now_ns - self._horizon_ns:
            self.items.popleft()

    def clear(self) -> None:
        self.items.clear()


def is_speech(interval: Interval, flow: FlowHistory, min_bumps: int) -> bool:
    """The mouth led the interval and moved in at least ``min_bumps`` bumps (``min_bumps`` 0: off)."""
    if min_bumps <= 0:
        return False
    mouth = flow.series(interval.onset_ns, interval.offset_ns, MOUTH_ROIS)
    top = max(mouth, default=0.0)
    if top <= flow.peak(interval.onset_ns, interval.offset_ns, BROW_ROIS):
        return False
    level = 0.5 * top
    rises = sum(1 for a, b in pairwise(mouth) if a < level <= b)
    return rises + (1 if mouth and mouth[0] >= level else 0) >= min_bumps


class FlowHistory:
    """The per-region flow (``MotionSample.roi_px``) of recent valid samples, kept for ``horizon_ns``.

    Usage::

        history = FlowHistory(horizon_ns)
        history.add(sample.t_ns, sample.roi_px)
        history.peak(t0_ns, t1_ns, ("mouth_left", "chin"))   # largest flow of those regions in [t0, t1]
    """

    def __init__(self, horizon_ns: int) -> None:
        self._horizon_ns = horizon_ns
        self._t: list[int] = []
        self._rows: list[tuple[float, ...]] = []
        self._head = 0
        self.names: tuple[str, ...] = ()

    def add(self, t_ns: int, roi_px: Mapping[str, float]) -> None:
        names = tuple(sorted(roi_px))
        if names != self.names or (self._t and t_ns <= self._t[-1]):
            self.clear()
            self.names = names
        self._t.append(t_ns)
        self._rows.append(tuple(roi_px[n] for n in names))
        while self._t[self._head] < t_ns - self._horizon_ns:
            self._head += 1
        if self._head > 256 and 2 * self._head > len(self._t):  # compact now and then: amortised O(1)
            del self._t[: self._head], self._rows[: self._head]
            self._head = 0

    def peak(self, t0_ns: int, t1_ns: int, regions: Iterable[str]) -> float:
        """The largest flow of ``regions`` (those this history holds) between ``t0_ns`` and ``t1_ns``."""
        cols = [self.names.index(r) for r in regions if r in self.names]
        lo = bisect_left(self._t, t0_ns, self._head)
        hi = bisect_right(self._t, t1_ns, lo)
        return max((row[c] for row in self._rows[lo:hi] for c in cols), default=0.0)

    def series(self, t0_ns: int, t1_ns: int, regions: Iterable[str]) -> list[float]:
        """Per sample between ``t0_ns`` and ``t1_ns``: the largest flow of ``regions``."""
        cols = [self.names.index(r) for r in regions if r in self.names]
        lo = bisect_left(self._t, t0_ns, self._head)
        hi = bisect_right(self._t, t1_ns, lo)
        return [max((row[c] for c in cols), default=0.0) for row in self._rows[lo:hi]]

    def timed(self, t0_ns: int, t1_ns: int, regions: Iterable[str]) -> list[tuple[int, float]]:
        """:meth:`series` with each sample's time: (t_ns, largest flow of ``regions``)."""
        lo = bisect_left(self._t, t0_ns, self._head)
        hi = bisect_right(self._t, t1_ns, lo)
        return list(zip(self._t[lo:hi], self.series(t0_ns, t1_ns, regions), strict=True))

    def clear(self) -> None:
        self._t.clear()
        self._rows.clear()
        self._head = 0
