"""Learned spotter: the engine's spotting head on every sample, then temporal post-processing.

Each valid sample's dense flow (t-k to t) becomes the fixed-scale spotting
input (:func:`edge.motion.features.spot_input`); the head's probability is
smoothed by a moving average over ``smooth_ms``; runs above
``learned_threshold`` are peaks whose onset and offset are the crossings of
``learned_threshold * hysteresis`` (see :mod:`edge.spotting.runs`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from edge.closing import Closeable
from edge.errors import ConfigError
from edge.motion.base import MotionSample
from edge.motion.features import spot_input
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.runs import RunTracker

#: Maps a ``[N, 3, 28, 28]`` spotting input to N probabilities.
SpotScorer = Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]]


class LearnedSpotter(Closeable):
    """Spots intervals from the engine's spotting head.

    Usage::

        spotter = LearnedSpotter(SpottingConfig(type="learned"), scorer)
        intervals = spotter.update(sample)   # sample.flow must be kept (motion.keep_flow)
        spotter.score                        # current smoothed probability
    """

    def __init__(self, config: SpottingConfig, scorer: SpotScorer) -> None:
        self._cfg = config
        self._scorer = scorer
        thr = config.learned_threshold
        self._runs = RunTracker(config, thr, thr * config.hysteresis)
        self._window: deque[tuple[int, float]] = deque()
        self._smooth_ns = int(config.smooth_ms * 1e6)
        self.raw_score = 0.0
        self.score = 0.0
        self.score_t_ns = 0

    def update(self, sample: MotionSample) -> list[Interval]:
        if not sample.valid:
            if sample.track_id != self._runs.track_id:  # the face was lost: what its track left open is cut short
                return self._end_track()
            return []
        if sample.flow is None:
            raise ConfigError(
                [
                    "spotting.type: got 'learned' but motion samples carry no flow; expected "
                    "motion.keep_flow = true (build_motion sets it for the learned spotter)"
                ]
            )
        out: list[Interval] = []
        if sample.track_id != self._runs.track_id:
            out = self._end_track()
            self._runs.track_id = sample.track_id
        flow = sample.flow
        x = spot_input(flow.u, flow.v, flow.strain)[None]
        self.raw_score = float(np.asarray(self._scorer(x)).reshape(-1)[0])
        self.score = self._smooth(sample.t_ns, self.raw_score)
        self.score_t_ns = sample.t_ns
        return out + self._runs.push(sample.frame_index, sample.t_ns, self.score, _regions(sample))

    def _end_track(self) -> list[Interval]:
        out = self._runs.flush()
        self.reset()
        return out

    def _smooth(self, t_ns: int, p: float) -> float:
        self._window.append((t_ns, p))
        while self._window[0][0] < t_ns - self._smooth_ns:
            self._window.popleft()
        return sum(v for _, v in self._window) / len(self._window)

    def flush(self) -> list[Interval]:
        return self._runs.flush()

    def reset(self) -> None:
        self._runs.reset()
        self._window.clear()
        self.score = self.raw_score = 0.0


def _regions(sample: MotionSample) -> tuple[str, ...]:
    """Regions moving at least half as much as the most moving one."""
    if not sample.roi_px:
        return ()
    top = max(sample.roi_px.values())
    return tuple(sorted(n for n, v in sample.roi_px.items() if top > 0 and v >= 0.5 * top))
