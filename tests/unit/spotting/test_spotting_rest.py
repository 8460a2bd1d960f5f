"""The roiflow spotter's use of the displacement from rest (``MotionSample.rest_px``)."""

from __future__ import annotations

import numpy as np

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.held import HeldExpressions
from edge.spotting.roiflow import RoiFlowSpotter
from edge.spotting.rules import REST_EPOCH, FlowHistory

from tests_support import roi_samples

PERIOD_NS = 33_333_333  # 30 fps


def _history(levels: list[float], epochs: list[int] | None = None) -> FlowHistory:
    history = FlowHistory(2**62)
    for i, level in enumerate(levels):
        epoch = float(epochs[i] if epochs else 0)
        history.add(i * PERIOD_NS, {"mouth_left": level, "brow_left": 0.2, REST_EPOCH: epoch})
    return history


def _micro(onset: int, offset: int) -> Interval:
    return Interval(
        onset, onset + 2, offset, onset * PERIOD_NS, (onset + 2) * PERIOD_NS, offset * PERIOD_NS, "micro", 1
    )


def _dropped(interval: Interval, rest: FlowHistory, context_ms: float, ratio: float, min_px: float = 0.0) -> bool:
    """The held-expression rule as the spotters apply it (:meth:`HeldExpressions.push`, joining off): dropped?"""
    config = SpottingConfig(
        context_ms=context_ms, rest_context_ratio=ratio, rest_context_min_px=min_px, held_max_ms=0.0
    )
    return HeldExpressions(config, rest, FlowHistory(2**62)).push(interval) == []


def test_held_expression_rule_drops_a_rise_and_a_fall_but_not_a_brief_movement() -> None:
    rise = [0.2] * 30 + [0.5, 1.5, 2.5, 3.0] + [3.0] * 30
    fall = [3.0] * 30 + [2.5, 1.5, 0.5, 0.2] + [0.2] * 30
    brief = [0.2] * 30 + [1.5, 3.0, 1.5, 0.2] + [0.2] * 30
    assert _dropped(_micro(30, 34), _history(rise), 300.0, 0.5)
    assert _dropped(_micro(30, 34), _history(fall), 300.0, 0.5)
    assert not _dropped(_micro(30, 34), _history(brief), 300.0, 0.5)
    assert not _dropped(_micro(30, 34), _history(rise), 300.0, 0.0)  # off
    jump = [0] * 32 + [32] * 32  # the reference jumped within the interval: no comparison, no drop
    assert not _dropped(_micro(30, 34), _history(rise, jump), 300.0, 0.5)


def test_held_expression_rule_floor_spares_a_faint_micro_expression_on_a_drifting_face() -> None:
    # a 0.4 px micro-expression while the level drifts by 0.3 px: the ratio alone (0.5 x 0.55 px rise) drops it
    faint = [0.2] * 30 + [0.3, 0.6, 0.75, 0.5] + [0.5] * 30
    assert _dropped(_micro(30, 34), _history(faint), 300.0, 0.5)
    assert not _dropped(_micro(30, 34), _history(faint), 300.0, 0.5, min_px=0.6)
    held = [0.2] * 30 + [0.5, 1.5, 2.5, 3.0] + [3.0] * 30  # a held smile's rise changes the level by 2.8 px
    assert _dropped(_micro(30, 34), _history(held), 300.0, 0.5, min_px=0.6)


def test_macro_pass_sees_a_held_expression_on_the_rest_feature_only() -> None:
    n, onset, offset = 300, 120, 180  # 30 fps: 2 s held between a 0.1 s rise and a 0.1 s fall
    rng = np.random.default_rng(1)
    rest = np.abs(rng.normal(0.3, 0.05, n))
    rest[onset:offset] += 3.0
    flow = np.abs(rng.normal(0.05, 0.02, n))
    flow[onset : onset + 3] += 2.0  # the t - k flow: a bump at each end, a still face in between
    flow[offset : offset + 3] += 2.0
    samples = roi_samples(flow, PERIOD_NS, rest, seed=0, rest_epoch_ns=0)

    def macro(feature: str) -> list[tuple[int, int]]:
        # held_max_ms 0: the pass alone, without joining a rise to its fall (test_spotting_held.py)
        spotter = RoiFlowSpotter(SpottingConfig(macro_feature=feature, held_max_ms=0.0))  # type: ignore[arg-type]
        out = [i for s in samples for i in spotter.update(s)] + spotter.flush()
        return [(i.onset_index, i.offset_index) for i in out if i.kind == "macro" and not i.truncated]

    (found,) = macro("rest")
    inter = min(found[1], offset - 1) - max(found[0], onset) + 1
    assert inter / (found[1] - found[0] + 1 + (offset - onset) - inter) >= 0.5
    assert macro("flow") == []
