"""Fast replay of the ROI-flow spotter for tuning: per-pass curves recorded once, runs and rules replayed.

:func:`edge.train.tuning.replay` runs the live spotter; here each pass's contrast and noise-scaled contrast
are recorded once per (k, feature) (:func:`record_curves`, independent of the thresholds), and the runs and
the rules are replayed over them for every grid point (:func:`replay_fast`). ``check_fast_replay`` in
:mod:`edge.train.tuning` asserts both give the same intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from edge.motion.base import MotionSample
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.rules import FlowHistory


class _Recorder:
    """Records the spotter's per-point contrast and noise-scaled contrast per track segment (no runs)."""

    def __init__(self, config: SpottingConfig, feature: str) -> None:
        from edge.spotting.roiflow import ContrastPass

        segments: list[list[tuple[int, int, Any, Any]]] = [[]]
        names: list[tuple[str, ...]] = [()]

        class Spotter(ContrastPass):
            def _decide(self, point: Any, contrast: Any, z: Any) -> list[Interval]:
                segments[-1].append((point.index, point.t_ns, contrast, z))
                names[-1] = self._names
                return []

            def reset(self) -> None:
                super().reset()
                if segments[-1]:
                    segments.append([])
                    names.append(())

        self.spotter = Spotter(config, feature)
        self.segments = segments
        self.names = names


#: Per track segment: index [n], t_ns [n], contrast [n, R], z [n, R] and the R region names (the pass's columns).
Curves = list[tuple[Any, Any, Any, Any, tuple[str, ...]]]


def record_curves(samples: Sequence[MotionSample], contrast_k_ms: float, feature: str = "flow") -> Curves:
    """Per-point contrast and z of one ROI-flow pass at ``contrast_k_ms`` on ``feature`` (flow or rest)."""
    import numpy as np

    rec = _Recorder(SpottingConfig(type="roiflow", contrast_k_ms=contrast_k_ms), feature)
    for sample in samples:
        rec.spotter.update(sample)
    rec.spotter.flush()
    return [
        (
            np.array([p[0] for p in seg]),
            np.array([p[1] for p in seg]),
            np.stack([p[2] for p in seg]),
            np.stack([p[3] for p in seg]),
            names,
        )
        for seg, names in zip(rec.segments, rec.names, strict=True)
        if seg
    ]


def replay_curves(curves: Curves, config: SpottingConfig) -> list[Interval]:
    """What one pass of :func:`replay` gives for ``config``, from curves recorded at its ``contrast_k_ms`` (fast)."""
    return [iv for _, iv in replay_curves_timed(curves, config)]


def replay_curves_timed(curves: Curves, config: SpottingConfig) -> list[tuple[tuple[int, float], Interval]]:
    """:func:`replay_curves` with each interval's emission key: (track segment, stream time of the live sample
    that emits it; ``inf`` when the segment's flush does)."""
    import numpy as np

    from edge.spotting.runs import RunTracker

    out: list[tuple[tuple[int, float], Interval]] = []
    thr, k_ns = config.threshold_sigma, int(config.contrast_k_ms * 1e6)
    low = thr * config.hysteresis
    for seg, (index, t_ns, contrast, z, names) in enumerate(curves):
        masked = np.where(contrast < config.min_flow_px, 0.0, z)
        score = masked.max(axis=1)
        active = masked > low  # the regions each point adds to a run it extends, as the live pass records them
        emit = np.searchsorted(t_ns, t_ns + k_ns, side="left")  # the sample that makes each point scorable
        runs = RunTracker(config, thr, low)
        found: list[tuple[tuple[int, float], Interval]] = []
        for j, (i, t, s) in enumerate(zip(index.tolist(), t_ns.tolist(), score.tolist(), strict=True)):
            when = float(t_ns[emit[j]]) if emit[j] < len(t_ns) else math.inf
            found += [((seg, when), iv) for iv in runs.push(i, t, s, (str(j),))]  # a run collects its points
        found += [((seg, math.inf), iv) for iv in runs.flush()]
        out += [(when, _named(iv, active, names)) for when, iv in found]
    return out


def _named(interval: Interval, active: Any, names: tuple[str, ...]) -> Interval:
    """``interval`` with the names of the regions active at the points it collected (its ``regions`` hold their
    row numbers), as :class:`~edge.spotting.roiflow.ContrastPass` names them."""
    from dataclasses import replace

    from edge.spotting.roiflow import REST_SUFFIX

    rows = [int(r) for r in interval.regions]
    on = active[rows].any(axis=0)
    regions = sorted({n.removesuffix(REST_SUFFIX) for n, a in zip(names, on.tolist(), strict=True) if a})
    return replace(interval, regions=tuple(regions))


def flow_history(samples: Sequence[MotionSample], rest: bool = False) -> FlowHistory:
    """The per-region flow (``rest``: displacement from rest) of every sample the spotter scores (what the live
    spotter's rules look at)."""
    from edge.spotting.rules import FlowHistory, rest_row

    history = FlowHistory(2**62)
    for s in samples:
        if s.valid and s.roi_px and (s.rest_px or not rest):
            history.add(s.t_ns, rest_row(s) if rest else s.roi_px)
    return history


def blink_flags(samples: Sequence[MotionSample]) -> dict[int, bool]:
    """The motion stage's blink flag of every sample the spotter scores, by frame index."""
    from edge.face.base import Quality

    return {s.frame_index: Quality.BLINK in s.quality for s in samples if s.valid and s.roi_px}


#: A time after every sample (the end of the input).
_END_NS = 2**62


def combine_passes(
    passes: Sequence[Sequence[tuple[tuple[int, float], Interval]]],
    blink: Mapping[int, bool],
    config: SpottingConfig,
    flow: FlowHistory,
    rest: FlowHistory | None = None,
) -> list[Interval]:
    """What :class:`RoiFlowSpotter` emits from its passes' timed intervals (pass filter and rules, emission order)."""
    from edge.spotting.held import HeldExpressions
    from edge.spotting.rules import FlowHistory, in_longer_movement, is_blink, is_speech, repeats

    timed = sorted(((when, k, iv) for k, p in enumerate(passes) for when, iv in p), key=lambda x: (x[0], x[1]))
    last_seg = max((when[0] for when, _, _ in timed), default=0)
    held = HeldExpressions(config, rest if rest is not None else FlowHistory(0), flow)
    out: list[Interval] = []
    micro: list[Interval] = []
    for (seg, when_ns), k, iv in timed:
        # what the live spotter does between samples: follow the held expression, release it at a track's end
        if math.isinf(when_ns):
            out += held.tick(_END_NS)
            if seg < last_seg:
                out += held.flush()
        else:  # the live spotter pushes a sample's intervals before it follows the held expression to that sample
            out += held.tick(int(when_ns) - 1)
        if (len(passes) > 1 and k > 0 and iv.kind != "macro") or is_blink(iv, blink, config.blink_max_frac, flow):
            continue
        if in_longer_movement(iv, flow, config.context_ms, config.context_ratio) or is_speech(
            iv, flow, config.speech_bumps
        ):
            continue
        kept = held.push(iv)
        if k > 0:
            kept = [i for i in kept if not repeats(i, micro, config.cross_pass_iou)]
        if k == 0:
            micro += [i for i in kept if i.kind == "micro"]
        out += kept
    return out + held.tick(_END_NS) + held.flush()


def pass_keys(config: SpottingConfig) -> list[tuple[float, str]]:
    """(contrast k, feature) of each pass of ``config``: the curves it needs."""
    from edge.spotting.roiflow import channel_configs

    passes = channel_configs(config)
    return [(c.contrast_k_ms, f) for c, f in zip(passes, ["flow", config.macro_feature], strict=False)]


def replay_fast(
    curves: Mapping[tuple[float, str], Curves],
    blink: Mapping[int, bool],
    config: SpottingConfig,
    flow: FlowHistory,
    rest: FlowHistory | None = None,
) -> list[Interval]:
    """What :func:`replay` gives for the whole two-pass spotter, from curves recorded for each pass (fast)."""
    from edge.spotting.roiflow import channel_configs

    keys = pass_keys(config)
    passes = [replay_curves_timed(curves[key], c) for key, c in zip(keys, channel_configs(config), strict=True)]
    return combine_passes(passes, blink, config, flow, rest)
