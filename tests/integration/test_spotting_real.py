"""The whole analyzer (face, motion, spotting, classification) on real and generated footage (issue 13).

A movement the track or the input cuts short is never reported as a micro-expression: it is flagged
``truncated`` (logged apart, never counted). Speech is not an expression; a broad smile from a neutral face is.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from edge.capture.base import Frame
from edge.config import GlimpseConfig
from edge.events.model import Event
from edge.stages import build_analyzer
from edge.synth.render import Renderer
from edge.synth.timeline import ClipSpec, Plan, plan_clip
from edge.synth.timeline import Event as Planned

pytestmark = pytest.mark.integration

CLIPS = Path(os.environ.get("GLIMPSE_CLIPS", Path(__file__).resolve().parents[2].parent / "shared" / "clips"))
#: d14: a woman; from about frame 264 her lips start to pout (a movement still going on at frame 271).
CLIP, MID_MOVEMENT = "expressive/d14.mp4", 271


def _analyze(frames: Iterable[Frame], config: GlimpseConfig | None = None) -> tuple[list[Event], float]:
    analyzer = build_analyzer(config or GlimpseConfig(), "test")
    try:
        events = [e for f in frames for e in analyzer.process(f)] + analyzer.flush()
    finally:
        analyzer.stages.close()
    return events, analyzer.face_found_rate


def _real_frames(name: str, last: int) -> list[Frame]:
    from edge.capture.registry import open_source

    path = CLIPS / name
    if not path.is_file():
        pytest.skip(f"real clip {str(path)!r} absent (set GLIMPSE_CLIPS to the folder holding it)")
    with open_source(f"file:{path}?realtime=false") as source:
        frames = []
        while (frame := source.read()) is not None and frame.index <= last:
            frames.append(frame)
    return frames


def _slid_out(frame: Frame, k: int, steps: int) -> Frame:
    """The frame shifted right by k/steps of its width (black behind): the person walks out of the picture."""
    w = frame.gray.shape[1]
    shift = min(w, k * w // steps)
    gray = np.zeros_like(frame.gray)
    gray[:, shift:] = frame.gray[:, : w - shift]
    return Frame(frame.index, frame.t_ns, gray, frame.source)


def _cut_short(events: list[Event], last_frame: int) -> tuple[list[Event], list[Event]]:
    """(counted micro events ending near ``last_frame``, truncated events there) with 1-based frames."""
    near = [e for e in events if e.offset_frame >= last_frame - 10]
    return [e for e in near if e.kind == "micro" and not e.truncated], [e for e in near if e.truncated]


#: The defaults (one alignment per flow pair, a 4-sigma micro pass) do not see this pout start at all; the
#: previous defaults (each crop aligned on its own, keyframes every 100 ms, 3 sigma) see it as a micro run, so
#: the second run shows a movement that is seen, flagged and not counted rather than one that is missed.
SENSITIVE = GlimpseConfig.model_validate(
    {
        "face": {"follow": "full", "keyframe_interval_ms": 100.0},
        "motion": {"reference": "own"},
        "spotting": {"threshold_sigma": 3.0},
    }
)


@pytest.mark.parametrize("config", [None, SENSITIVE], ids=["defaults", "previous-defaults"])
def test_face_leaving_mid_movement_gives_no_micro_event(config: GlimpseConfig | None) -> None:
    frames = _real_frames(CLIP, MID_MOVEMENT + 40)
    cut = [f if f.index <= MID_MOVEMENT else _slid_out(f, f.index - MID_MOVEMENT, 4) for f in frames]
    events, found = _analyze(cut, config)
    assert found < 0.95  # the face really left
    counted, truncated = _cut_short(events, MID_MOVEMENT + 1)
    assert counted == []
    if config is SENSITIVE:
        assert truncated and all(e.kind == "micro" for e in truncated)  # seen, flagged, not counted


@pytest.mark.parametrize("config", [None, SENSITIVE], ids=["defaults", "previous-defaults"])
def test_clip_ending_mid_movement_gives_no_micro_event(config: GlimpseConfig | None) -> None:
    events, found = _analyze(_real_frames(CLIP, MID_MOVEMENT), config)
    assert found > 0.98
    counted, truncated = _cut_short(events, MID_MOVEMENT + 1)
    assert counted == []
    if config is SENSITIVE:
        assert truncated


def _generated(plan: Plan) -> list[Frame]:
    renderer = Renderer(plan)
    period_ns = 1e9 / plan.spec.fps
    return [Frame(i, int(i * period_ns), renderer.frame(i), plan.spec.name) for i in range(plan.n_frames)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_talking_bout_without_expressions_gives_no_event(seed: int) -> None:
    spec = ClipSpec(name="talk", fps=30.0, seconds=8.0, n_micro=0, n_macro=0, n_talk=1, head_turns_per_min=0.0)
    plan = plan_clip(spec, seed)
    assert [e.kind for e in plan.events if e.kind != "blink"] == ["talk"]
    events, _ = _analyze(_generated(plan))
    assert [e for e in events if not e.truncated] == []


def test_generated_broad_smile_from_neutral_at_30_fps_gives_a_macro_event() -> None:
    fps, onset, length = 30.0, 75, 36  # 1.2 s, apex in the middle, 2.5 s of neutral face before
    spec = ClipSpec(name="smile", fps=fps, seconds=6.0, n_micro=0, n_macro=1, n_talk=0, blinks_per_min=0.0)
    smile = Planned("macro", "6+12", "happiness", onset, onset + length // 2, onset + length, 0.07, 0.0, fps)
    events, _ = _analyze(_generated(Plan(spec, 0, int(6 * fps), events=[smile])))
    macro = [e for e in events if e.kind == "macro" and not e.truncated]
    assert len(macro) == 1
    m = macro[0]
    inter = min(m.offset_frame, onset + length + 1) - max(m.onset_frame, onset + 1) + 1
    assert inter / (m.offset_frame - m.onset_frame + 1 + length + 1 - inter) >= 0.5  # the MEGC IoU
    assert [e for e in events if e.kind == "micro" and not e.truncated] == []  # its rise and fall are not micro


class _Held(Planned):
    """A smile that rises for ``ramp`` frames, holds its apex still, and relaxes for ``ramp`` frames."""

    __slots__ = ()
    ramp = 9

    def intensity(self, i: float) -> float:
        if i <= self.onset or i >= self.offset:
            return 0.0
        edge = min(i - self.onset, self.offset - i, self.ramp) / self.ramp
        return 0.5 - 0.5 * math.cos(math.pi * edge)


def test_generated_broad_smile_held_still_from_neutral_at_30_fps_gives_one_macro_event() -> None:
    """The t - k flow sees a bump, 1.5 s of a still face and a bump; the displacement from rest stays up.

    With ``spotting.macro_feature = "rest"`` (not the default: tune-ci chose ``flow``, see docs/benchmarks.md)
    the macro pass spans the held smile, and the held-expression rule keeps its rise and fall from being
    reported as micro-expressions.
    """
    fps, onset, length = 30.0, 75, 63  # 0.3 s rise, 1.5 s held still, 0.3 s relaxing
    spec = ClipSpec(name="held", fps=fps, seconds=6.0, n_micro=0, n_macro=1, n_talk=0, blinks_per_min=0.0)
    smile = _Held("macro", "6+12", "happiness", onset, onset + 9, onset + length, 0.07, 0.0, fps)
    frames = _generated(Plan(spec, 0, int(6 * fps), events=[smile]))
    rest = {"macro_feature": "rest", "macro_hysteresis": 0.35, "rest_context_ratio": 0.5}  # the opt-in settings
    config = GlimpseConfig.model_validate({"spotting": rest})
    events, _ = _analyze(frames, config)
    counted = [e for e in events if not e.truncated]
    assert [e.kind for e in counted] == ["macro"]  # one event, no micro event on its rise or fall
    m = counted[0]
    inter = min(m.offset_frame, onset + length + 1) - max(m.onset_frame, onset + 1) + 1
    assert inter / (m.offset_frame - m.onset_frame + 1 + length + 1 - inter) >= 0.5  # the MEGC IoU
