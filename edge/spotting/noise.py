"""Running robust statistics for the spotters: exact median and MAD over a sliding time window.

The window holds one value per sample per region for ``window_ns`` of stream time (about 800 values at
200 fps over 4 s). Recomputing ``np.median`` of the whole window on every sample costs time proportional to
the window length times the frame rate; here each region keeps its values in a sorted list, so a sample costs
an insertion and a removal (a binary search plus a pointer move) and the median is read by index. The MAD is
the median of ``|x - median|``: the deviations of the values below and above the median are two sorted
sequences, so their k-th smallest is found by a binary search over the split point, without building them.
Results equal ``np.median(window, axis=0)`` and ``np.median(np.abs(window - median), axis=0)`` bit for bit.

Usage::

    stats = RunningMedianMad(window_ns=4_000_000_000, regions=3)
    stats.add(t_ns, values)             # values: one float per region
    median, mad = stats.median_mad()    # two lists of ``regions`` floats
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Sequence


class RunningMedianMad:
    """Exact sliding-window median and median absolute deviation of several series sharing one time axis."""

    def __init__(self, window_ns: int, regions: int) -> None:
        self._window_ns = window_ns
        self._sorted: list[list[float]] = [[] for _ in range(regions)]
        self._order: deque[tuple[int, tuple[float, ...]]] = deque()  # (t_ns, values), oldest first

    def __len__(self) -> int:
        return len(self._order)

    @property
    def span_ns(self) -> int:
        """Stream time between the oldest and the newest value held."""
        return self._order[-1][0] - self._order[0][0] if self._order else 0

    def add(self, t_ns: int, values: Sequence[float]) -> None:
        """Add one value per region at ``t_ns``; forget values older than ``t_ns - window_ns``."""
        row = tuple(map(float, values))
        self._order.append((t_ns, row))
        for series, v in zip(self._sorted, row, strict=True):
            insort(series, v)
        horizon = t_ns - self._window_ns
        while self._order[0][0] < horizon:
            _, old = self._order.popleft()
            for series, v in zip(self._sorted, old, strict=True):
                del series[bisect_left(series, v)]

    def median_mad(self) -> tuple[list[float], list[float]]:
        """Per-region median and MAD of the values held (the window must not be empty)."""
        medians = [_median(series) for series in self._sorted]
        return medians, [_median_abs_dev(series, m) for series, m in zip(self._sorted, medians, strict=True)]

    def clear(self) -> None:
        self._order.clear()
        for series in self._sorted:
            series.clear()


def _median(s: list[float]) -> float:
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _median_abs_dev(s: list[float], m: float) -> float:
    """Median of ``|x - m|`` over the sorted ``s``, as ``np.median`` computes it."""
    n = len(s)
    split = bisect_right(s, m)  # s[:split] <= m < s[split:]
    if n % 2:
        return _kth_deviation(s, m, split, n // 2)[1]
    below, middle = _kth_deviation(s, m, split, n // 2)  # an even count: one search gives both middle values
    return (below + middle) / 2


def _kth_deviation(s: list[float], m: float, split: int, k: int) -> tuple[float, float]:
    """The (k-1)-th and k-th smallest (0-based) of ``|x - m|`` (the first is -inf when k is 0).

    The deviations are a merge of ``left(i) = m - s[split-1-i]`` and ``right(j) = s[split+j] - m``, both
    ascending; a binary search finds how many of the k + 1 smallest come from each. The k-th is the larger of
    the two last taken; the (k-1)-th is the largest of the rest.
    """
    a, b = split, len(s) - split  # lengths of the left (below) and right (above) deviation sequences
    # left(i) and right(j) are written inline (this loop runs about 10 times per region per frame; the calls
    # cost more than the arithmetic); take i from the left and k + 1 - i from the right
    lo, hi = max(0, k + 1 - b), min(a, k + 1)
    below, above = split - 1, split + k
    while lo < hi:
        i = (lo + hi) // 2
        if m - s[below - i] < s[above - i] - m:  # left's (i+1)-th is smaller than right's (k+1-i)-th: take more
            lo = i + 1
        else:
            hi = i
    i, j = lo, k + 1 - lo
    inf = float("inf")
    left = m - s[below - (i - 1)] if i > 0 else -inf  # the last taken from each side
    right = s[split + j - 1] - m if j > 0 else -inf
    if left >= right:  # the k-th came from the left: the one before it there, or the right's last
        return max(m - s[below - (i - 2)] if i > 1 else -inf, right), left
    return max(left, s[split + j - 2] - m if j > 1 else -inf), right
