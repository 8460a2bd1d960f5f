"""Training-free ROI-flow spotter (in the spirit of He et al., MM'21).

Per region r, F_r(i) is the mean head-compensated flow magnitude from t-k to
t. Its contrast against the neighbourhood, C_r(i) = F_r(i) - (F_r(i-k) +
F_r(i+k)) / 2 with k in ms, removes slow drifts and long (macro) movements.
Each contrast is scaled by a running robust noise estimate (median and MAD
over ``noise_window_ms``); the per-frame score is the largest scaled contrast
over regions. Runs of the score above ``threshold_sigma`` become intervals
(see :mod:`edge.spotting.runs`). The contrast needs F(i+k), so a point is
scored k ms after it was seen; an interval is emitted once its offset is
followed by ``merge_gap_ms`` of quiet.

A displacement from rest (``MotionSample.rest_px``) is not a velocity: an
expression held still is a plateau, not a bump, and the symmetric contrast
would give the stretch k before it a contrast as negative as the plateau is
high, which then inflates the noise estimate. Its contrast is one-sided:
C_r(i) = D_r(i) - min(D_r(i-k), D_r(i+k)), the rise above the lower of the
two neighbours (zero before and after a plateau, its height on it).

Micro- and macro-expressions need different neighbourhoods: a contrast over
a few hundred ms erases a movement that lasts seconds. With
``macro_contrast_k_ms`` > 0 the spotter runs a second, independent pass
(its own k, threshold and merge gap, and by default its own feature: the
displacement from rest, ``MotionSample.rest_px``, so that a held expression
stays high instead of showing a bump at each end) that emits only intervals
longer than ``micro_max_ms``, while the first pass emits only micro intervals; with 0 the
single pass emits both kinds by duration. Intervals then pass the rules of
:mod:`edge.spotting.rules` (blinks, one movement reported once across the passes).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from edge.closing import Closeable
from edge.face.base import Quality
from edge.motion.base import MotionSample
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.held import HeldExpressions
from edge.spotting.noise import RunningMedianMad
from edge.spotting.rules import (
    BlinkHistory,
    FlowHistory,
    RecentIntervals,
    in_longer_movement,
    is_blink,
    is_speech,
    repeats,
    rest_row,
)
from edge.spotting.runs import RunTracker

_MAD_TO_SIGMA = 1.4826
#: Marks a region's displacement-from-rest channel when a pass scores both features (dropped from the output).
REST_SUFFIX = "@rest"
_SIGMA_FLOOR_PX = 0.01


@dataclass(frozen=True, slots=True)
class _Point:
    index: int
    t_ns: int
    flow: list[float]


def channel_configs(config: SpottingConfig) -> list[SpottingConfig]:
    """The configuration of each pass: micro (or both kinds when the macro pass is off), then macro."""
    if config.macro_contrast_k_ms <= 0:
        return [config]
    micro = config.model_copy(update={"max_ms": min(config.max_ms, config.micro_max_ms)})
    macro = config.model_copy(
        update={
            "contrast_k_ms": config.macro_contrast_k_ms,
            "threshold_sigma": config.macro_threshold_sigma,
            "merge_gap_ms": config.macro_merge_gap_ms,
            "hysteresis": config.macro_hysteresis or config.hysteresis,
            "min_ms": max(config.min_ms, config.micro_max_ms),
        }
    )
    return [micro, macro]


def _values(sample: MotionSample, feature: str) -> dict[str, float]:
    """What a pass scores per region (see ``SpottingConfig.macro_feature``)."""
    if feature == "flow" or not sample.rest_px:
        return sample.roi_px
    if feature == "rest":
        return sample.rest_px
    return {**sample.roi_px, **{f"{n}{REST_SUFFIX}": v for n, v in sample.rest_px.items()}}


class RoiFlowSpotter(Closeable):
    """Spots intervals from per-ROI flow magnitude curves without any model.

    Usage::

        spotter = RoiFlowSpotter(SpottingConfig())
        for sample in samples:
            for interval in spotter.update(sample):
                ...
            plot(spotter.score)   # the current per-frame score in noise sigmas (micro pass)
    """

    def __init__(self, config: SpottingConfig) -> None:
        configs = channel_configs(config)
        self._cfg = config
        features = ["flow", config.macro_feature]
        self._passes = [ContrastPass(c, f) for c, f in zip(configs, features, strict=False)]
        self._two_pass = len(self._passes) > 1
        # the oldest frame an emitted interval can still reach: k + merge gap + max duration back, plus slack
        horizon_ns = int(1e6 * max(c.contrast_k_ms + c.merge_gap_ms + c.max_ms + c.offset_shift_ms for c in configs))
        self._blink = BlinkHistory(horizon_ns + 1_000_000_000)
        self._micro = RecentIntervals(horizon_ns + 1_000_000_000)
        self._flow = FlowHistory(horizon_ns + int(config.context_ms * 1e6) + 1_000_000_000)
        self._rest = FlowHistory(horizon_ns + int((config.context_ms + config.held_max_ms) * 1e6) + 1_000_000_000)
        self._held = HeldExpressions(config, self._rest, self._flow)
        self._track_id = -1
        self._now_ns = 0
        self.score = 0.0
        self.score_t_ns = 0

    def _keep(self, k: int, intervals: list[Interval]) -> list[Interval]:
        """Apply the pass filter and the rules of :mod:`edge.spotting.rules` to one pass's new intervals."""
        cfg = self._cfg
        kept: list[Interval] = []
        for i in intervals:
            if (
                (self._two_pass and k > 0 and i.kind != "macro")
                or is_blink(i, self._blink.flags, cfg.blink_max_frac, self._flow)
                or in_longer_movement(i, self._flow, cfg.context_ms, cfg.context_ratio)
                or is_speech(i, self._flow, cfg.speech_bumps)
            ):
                continue
            kept += self._held.push(i)  # the held-expression rule, and held expressions joined
        if k == 0:
            self._micro.add((i for i in kept if i.kind == "micro"), self._now_ns)
        elif self._cfg.cross_pass_iou > 0:
            kept = [i for i in kept if not repeats(i, self._micro.items, self._cfg.cross_pass_iou)]
        return kept

    def update(self, sample: MotionSample) -> list[Interval]:
        if sample.valid and sample.roi_px:
            self._blink.add(sample.frame_index, sample.t_ns, Quality.BLINK in sample.quality)
            self._flow.add(sample.t_ns, sample.roi_px)
            if sample.rest_px:
                self._rest.add(sample.t_ns, rest_row(sample))
            self._now_ns = sample.t_ns
        out: list[Interval] = []
        if sample.track_id != self._track_id:
            out += self._held.flush()  # a new track: a rise the old one held is released as it was
            self._track_id = sample.track_id
        for k, p in enumerate(self._passes):
            out += self._keep(k, p.update(sample))
        out += self._held.tick(self._now_ns)
        self.score, self.score_t_ns = self._passes[0].score, self._passes[0].score_t_ns
        return out

    def flush(self) -> list[Interval]:
        out: list[Interval] = []
        for k, p in enumerate(self._passes):
            out += self._keep(k, p.flush())
        # a rise the passes' flush held back is followed over the samples already seen before it is released
        return out + self._held.tick(self._now_ns) + self._held.flush()

    def reset(self) -> None:
        for p in self._passes:
            p.reset()
        self._blink.clear()
        self._micro.clear()
        self._flow.clear()
        self._rest.clear()
        self._held.reset()
        self._track_id = -1
        self.score = 0.0


class ContrastPass:
    """One pass of the ROI-flow spotter at one neighbourhood k (the algorithm of the module docstring).

    Cost per sample does not grow with k, the noise window or the frame rate: the neighbours at t -/+ k are
    found by binary search over the held times, and the noise statistics are kept sorted
    (:class:`~edge.spotting.noise.RunningMedianMad`).
    """

    def __init__(self, config: SpottingConfig, feature: str = "flow") -> None:
        self._cfg = config
        self._feature = feature  # flow: MotionSample.roi_px; rest: rest_px (when the sample has it); both
        self._k_ns = int(config.contrast_k_ms * 1e6)
        self._warmup_ns = int(config.warmup_ms * 1e6)
        self._runs = RunTracker(config, config.threshold_sigma, config.threshold_sigma * config.hysteresis)
        # held points as parallel lists; positions below _head are dead and compacted away now and then
        self._index: list[int] = []
        self._t: list[int] = []
        self._flow: list[list[float]] = []  # per point, one value per region in _names order
        self._head = 0
        self._noise = RunningMedianMad(int(config.noise_window_ms * 1e6), 0)
        self._names: tuple[str, ...] = ()
        self._from_rest: tuple[bool, ...] = ()  # per region: a displacement from rest (one-sided contrast)
        self._center = 0  # position of the next point to score
        self.score = 0.0
        self.score_t_ns = 0

    def update(self, sample: MotionSample) -> list[Interval]:
        if not sample.valid or not sample.roi_px:
            if sample.track_id != self._runs.track_id and self._t:  # the face was lost: its track has ended
                out = self.flush()
                self.reset()
                return out
            return []
        values = _values(sample, self._feature)
        names = tuple(sorted(values))
        if names != self._names or sample.track_id != self._runs.track_id:
            out = self.flush()  # the old track ended: what it left open is cut short
            self.reset()
            self._names, self._runs.track_id = names, sample.track_id
            self._from_rest = tuple(self._feature == "rest" or n.endswith(REST_SUFFIX) for n in names)
            self._noise = RunningMedianMad(int(self._cfg.noise_window_ms * 1e6), len(names))
        else:
            out = []
        flow = [float(values[n]) for n in names]
        self._index.append(sample.frame_index)
        self._t.append(sample.t_ns)
        self._flow.append(flow)
        while self._center < len(self._t) and self._t[-1] >= self._t[self._center] + self._k_ns:
            out += self._score_point(self._center)
            self._center += 1
        self._trim()
        return out

    def _nearest(self, t_ns: int, lo: int, hi: int) -> list[float]:
        """Flow of the point nearest in time to ``t_ns`` among positions lo..hi-1 (the earlier one on a tie)."""
        pos = bisect_left(self._t, t_ns, lo, hi)
        if pos == hi or (pos > lo and t_ns - self._t[pos - 1] <= self._t[pos] - t_ns):
            pos -= 1
        return self._flow[pos]

    def _score_point(self, pos: int) -> list[Interval]:
        t_ns, flow = self._t[pos], self._flow[pos]
        before = self._nearest(t_ns - self._k_ns, self._head, pos + 1)
        after = self._nearest(t_ns + self._k_ns, pos, len(self._t))
        # A handful of regions: plain float arithmetic (the same IEEE double operations as NumPy's, without the
        # per-call overhead that dominated on arrays this small).
        contrast = [
            f - min(b, a) if rest else f - 0.5 * (b + a)
            for f, b, a, rest in zip(flow, before, after, self._from_rest, strict=True)
        ]
        return self._decide(_Point(self._index[pos], t_ns, flow), contrast, self._scaled(t_ns, contrast))

    def _decide(self, point: _Point, contrast: list[float], z: list[float]) -> list[Interval]:
        """Score a point from its contrast and noise-scaled contrast (z, before ``min_flow_px``) per region."""
        floor = self._cfg.min_flow_px
        z = [0.0 if c < floor else s for c, s in zip(contrast, z, strict=True)]
        best = max(range(len(z)), key=z.__getitem__)  # the first of equal maxima, as np.argmax
        self.score, self.score_t_ns = z[best], point.t_ns
        active = tuple(n.removesuffix(REST_SUFFIX) for n, s in zip(self._names, z, strict=True) if s > self._runs.low)
        return self._runs.push(point.index, point.t_ns, self.score, active)

    def _scaled(self, t_ns: int, contrast: list[float]) -> list[float]:
        self._noise.add(t_ns, contrast)
        if self._noise.span_ns < self._warmup_ns:  # too little history to trust the noise
            return [0.0] * len(contrast)
        median, mad = self._noise.median_mad()
        return [
            (c - m) / max(_MAD_TO_SIGMA * d, _SIGMA_FLOOR_PX) for c, m, d in zip(contrast, median, mad, strict=True)
        ]

    def _trim(self) -> None:
        """Keep 2k of history before the next point to score."""
        if self._center >= len(self._t):
            return
        horizon = self._t[self._center] - 2 * self._k_ns
        while self._center - self._head > 1 and self._t[self._head + 1] <= horizon:
            self._head += 1
        if self._head > 256 and 2 * self._head > len(self._t):  # compact: amortised O(1) per point
            for held in (self._index, self._t, self._flow):
                del held[: self._head]
            self._center -= self._head
            self._head = 0

    def flush(self) -> list[Interval]:
        out: list[Interval] = []
        while self._center < len(self._t):  # score the tail against what exists
            out += self._score_point(self._center)
            self._center += 1
        return out + self._runs.flush()

    def reset(self) -> None:
        for held in (self._index, self._t, self._flow):
            held.clear()
        self._head = self._center = 0
        self._noise.clear()
        self._runs.reset()
        self.score = 0.0
