"""Rules that drop spotted intervals which are not expressions (shared by the live spotter and the tuning replay).

Both rules act on an interval when it is emitted and never retract one that was emitted before:

* **blink**: an interval whose frames are mostly flagged ``Quality.BLINK`` by the motion stage (the eyes are
  masked out of the ROI features, but a lid's flow bleeds into the brow regions) is a blink, not an expression
  (``blink_max_frac``);
* **one movement, one event**: the macro pass emits an interval about 3 s after the micro pass would have emitted
  one for the same movement. A macro-pass interval whose frame IoU with an interval the micro pass has *already
  emitted* reaches ``cross_pass_iou`` describes that movement again and is dropped; the earlier (micro) event
  stands, because an emitted event cannot be taken back.

Usage::

    flags = BlinkHistory(horizon_ns)
    flags.add(sample.frame_index, sample.t_ns, Quality.BLINK in sample.quality)
    if blink_fraction(interval, flags.flags) < config.blink_max_frac: ...
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from edge.spotting.base import Interval


def blink_fraction(interval: Interval, blink: Mapping[int, bool]) -> float:
    """Share of the interval's measured frames (onset..offset) that the motion stage flagged as a blink."""
    flags = [blink[i] for i in range(interval.onset_index, interval.offset_index + 1) if i in blink]
    return sum(flags) / len(flags) if flags else 0.0


def is_blink(interval: Interval, blink: Mapping[int, bool], max_frac: float) -> bool:
    """The interval is mostly blink frames (``max_frac`` 0 disables the rule)."""
    return max_frac > 0 and blink_fraction(interval, blink) >= max_frac


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
