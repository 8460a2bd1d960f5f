"""Held expressions reported as one event from the rise to the fall (``edge/spotting/held.py``)."""

from __future__ import annotations

import numpy as np

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.motion.base import MotionSample
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.held import HeldExpressions
from edge.spotting.roiflow import RoiFlowSpotter
from edge.spotting.rules import FlowHistory, rest_row
from edge.train.replay import blink_flags, flow_history, pass_keys, record_curves, replay_fast
from edge.train.tuning import check_fast_replay

from tests_support import roi_samples

PERIOD_NS = 33_333_333  # 30 fps
N, ONSET, OFFSET = 300, 120, 180  # a 0.1 s rise, 1.8 s held still, a 0.1 s fall


def _held_smile(*, relax: bool = True, moves_between: bool = False, seed: int = 1) -> list[MotionSample]:
    """A face that rises to a level, holds it still and (``relax``) comes back: t - k flow bumps at each end."""
    rng = np.random.default_rng(seed)
    rest = np.abs(rng.normal(0.3, 0.05, N))
    end = OFFSET if relax else N
    rest[ONSET:end] += 3.0
    flow = np.abs(rng.normal(0.05, 0.02, N))
    flow[ONSET : ONSET + 3] += 2.0
    if relax:
        flow[OFFSET : OFFSET + 3] += 2.0
    if moves_between:  # a second movement as large as the rise in the middle of the "hold"
        flow[150:153] += 2.5
    return roi_samples(flow, PERIOD_NS, rest, seed=0, rest_epoch_ns=0)


#: Joining is built on the passes of the t - k flow, which see a held expression as two bumps; the default macro
#: pass scores the displacement from rest, which spans a held expression by itself (the last test).
FLOW = {"macro_feature": "flow"}


def _run(samples: list[MotionSample], **update: float | str) -> list[Interval]:
    spotter = RoiFlowSpotter(SpottingConfig().model_copy(update={**FLOW, **update}))
    out = [i for s in samples for i in spotter.update(s)] + spotter.flush()
    return [i for i in out if not i.truncated]


def _iou(i: Interval, onset: int, offset: int) -> float:
    inter = min(i.offset_index, offset) - max(i.onset_index, onset) + 1
    return max(inter, 0) / ((i.offset_index - i.onset_index + 1) + (offset - onset + 1) - max(inter, 0))


def test_a_held_expression_is_one_macro_event_from_its_rise_to_its_fall() -> None:
    (event,) = _run(_held_smile())
    assert event.kind == "macro"
    assert _iou(event, ONSET, OFFSET + 3) >= 0.8
    assert ONSET <= event.apex_index <= ONSET + 10  # where the rise ended, not in the fall


def test_without_joining_the_held_expression_has_no_event_that_spans_it() -> None:
    found = _run(_held_smile(), held_max_ms=0.0)
    assert all(_iou(i, ONSET, OFFSET + 3) < 0.5 for i in found)  # the rise and fall: dropped or apart


def test_a_rise_the_face_never_relaxes_from_is_released_as_it_was() -> None:
    samples = _held_smile(relax=False)
    assert [i.kind for i in _run(samples)] == [i.kind for i in _run(samples, held_max_ms=0.0)]
    assert all(i.offset_index < ONSET + 20 for i in _run(samples))  # nothing reaches to the end of the clip


def test_a_face_that_moved_during_the_hold_is_not_joined() -> None:
    found = _run(_held_smile(moves_between=True))
    assert all(_iou(i, ONSET, OFFSET + 3) < 0.5 for i in found)
    assert any(_iou(i, ONSET, OFFSET + 3) >= 0.8 for i in _run(_held_smile(moves_between=True), held_still_ratio=0.0))


def test_the_fast_tuning_replay_joins_held_expressions_as_the_spotter_does() -> None:
    clips = {"held": _held_smile(), "kept": _held_smile(relax=False), "moved": _held_smile(moves_between=True)}
    check_fast_replay(clips)  # raises when the fast replay's intervals differ from the live spotter's


def test_an_earlier_movement_reported_late_is_not_absorbed_by_a_held_rise() -> None:
    # the macro pass reports a movement ~1.9 s after it ended: it arrives while a later rise is held back
    rest, flow = FlowHistory(2**62), FlowHistory(2**62)
    for s in _held_smile(relax=False):
        rest.add(s.t_ns, rest_row(s))
        flow.add(s.t_ns, s.roi_px)
    held = HeldExpressions(SpottingConfig(), rest, flow)
    rise = Interval(
        ONSET, ONSET + 1, ONSET + 3, ONSET * PERIOD_NS, (ONSET + 1) * PERIOD_NS, (ONSET + 3) * PERIOD_NS, "micro", 1
    )
    assert held.push(rise) == []  # a rise the face stayed away after: held back
    earlier = Interval(40, 50, 70, 40 * PERIOD_NS, 50 * PERIOD_NS, 70 * PERIOD_NS, "macro", 1)
    assert held.push(earlier) == [earlier]
    copy = Interval(
        ONSET - 2,
        ONSET + 1,
        ONSET + 30,
        (ONSET - 2) * PERIOD_NS,
        ONSET * PERIOD_NS,
        (ONSET + 30) * PERIOD_NS,
        "macro",
        1,
    )
    assert held.push(copy) == []  # the other pass's copy of the rise: absorbed


def test_a_held_expression_whose_rise_the_end_of_the_input_flushes_out_is_joined_when_its_fall_was_seen() -> None:
    """A slow rise (1 s: only the macro pass sees it, and its 1.5 s neighbourhood reaches past the end of the
    input, so the rise comes out of the final flush), held still, and the fall before the input ends: the spotter
    follows the level over the samples it has before releasing the rise, as the tuning replay does."""
    rng = np.random.default_rng(1)
    n, onset, top, fall = 180, 120, 150, 170
    rest = np.abs(rng.normal(0.3, 0.05, n))
    rest[onset:top] += np.linspace(0.0, 3.0, top - onset)
    rest[top:fall] += 3.0
    flow = np.abs(rng.normal(0.05, 0.02, n))
    flow[onset:top] += 1.0
    flow[fall : fall + 3] += 2.0
    samples = roi_samples(flow, PERIOD_NS, rest, seed=0, rest_epoch_ns=0)
    (event,) = _run(samples)
    assert event.kind == "macro" and _iou(event, onset, fall + 3) >= 0.8  # released, it ends with the rise: IoU 0.54
    config = SpottingConfig(macro_feature="flow")
    curves = {k: record_curves(samples, *k) for k in set(pass_keys(config))}
    fast = replay_fast(curves, blink_flags(samples), config, flow_history(samples), flow_history(samples, True))
    assert [(i.onset_index, i.apex_index, i.offset_index) for i in fast if not i.truncated] == [
        (event.onset_index, event.apex_index, event.offset_index)
    ]


def test_the_default_macro_pass_on_the_displacement_from_rest_spans_a_held_expression_by_itself() -> None:
    spotter = RoiFlowSpotter(SpottingConfig(held_max_ms=0.0))
    samples = _held_smile()
    found = [i for i in [i for s in samples for i in spotter.update(s)] + spotter.flush() if not i.truncated]
    assert [i.kind for i in found] == ["macro"] and _iou(found[0], ONSET, OFFSET + 3) >= 0.8
