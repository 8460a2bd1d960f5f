"""What happens when in a synthetic clip: expression events and distractors.

Every time is quantised to frames at planning, so the ground truth in frames
and in milliseconds agree exactly: frame ``i`` (0-based) is exposed at
``i * 1000 / fps`` ms, and the CSV writes it as ``i + 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from edge.errors import UsageError
from edge.synth.aus import COMPOSITE, EMOTION_RECIPES, NEGATIVE_RECIPES, SINGLE_AUS

_TALK_MS = (1500.0, 4000.0)


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """Everything that defines one synthetic clip (with a seed, it is reproducible)."""

    name: str = "clip"
    fps: float = 100.0
    seconds: float = 20.0
    width: int = 640
    height: int = 480
    subject: str = "S01"
    n_micro: int = 4
    n_macro: int = 2
    n_talk: int = 1
    blinks_per_min: float = 15.0
    head_turns_per_min: float = 4.0
    head_drift_px: float = 3.0
    face_width_frac: float = 0.3
    micro_amp_fw: tuple[float, float] = (0.012, 0.03)
    macro_amp_fw: tuple[float, float] = (0.04, 0.08)
    micro_ms: tuple[float, float] = (100.0, 500.0)
    macro_ms: tuple[float, float] = (700.0, 3000.0)
    light_drift: float = 0.08
    flicker: float = 0.01
    noise_sigma: float = 2.0
    jpeg_quality: int = 0  # 0 = no in-process JPEG round trip
    single_au_frac: float = 0.3
    clip_background: bool = False  # a blurred frame of ../shared/clips (if present) behind the face
    #: Macro-expressions held still at apex for this share (drawn uniformly) of the time from apex to offset, the
    #: way a posed or social smile rises, holds and relaxes; (0, 0) = the raised-cosine profile with no hold
    #: (every benchmark set; drawing nothing keeps their clips identical).
    macro_hold: tuple[float, float] = (0.0, 0.0)
    #: Ongoing head motion, for sets that move like real people in conversation (every benchmark set keeps the
    #: defaults, which draw exactly what they always did): the drift's frequency range (Hz), the spread (sd) of
    #: each head turn's roll (deg) and yaw (horizontal squash), and each turn's duration range (ms).
    drift_hz: tuple[float, float] = (0.05, 0.4)
    turn_roll_deg: float = 2.5
    turn_yaw: float = 0.03
    turn_ms: tuple[float, float] = (400.0, 1500.0)
    #: Talking bouts placed anywhere, over the expressions as well (people smile and frown while they speak);
    #: False places them between expressions, the way every benchmark set does.
    talk_over: bool = False
    #: Jaw and lip movement of a talking bout, peak displacement as a fraction of face width.
    talk_amp_fw: tuple[float, float] = (0.02, 0.04)


@dataclass(frozen=True, slots=True)
class Event:
    """One onset-apex-offset movement; frames are 0-based indices."""

    kind: str  # micro | macro | blink | talk
    recipe: str  # AU recipe, e.g. "1+4+15"
    emotion: str  # happiness ... or "" for single AUs and distractors
    onset: int
    apex: int
    offset: int
    amplitude: float  # peak displacement as a fraction of face width (blink: lid closure 0-1)
    cycle_hz: float = 0.0  # talking: jaw cycles per second
    fps: float = 100.0
    hold: int = 0  # frames held at full intensity after the apex (the fall starts at apex + hold)

    @property
    def composite(self) -> str:
        return COMPOSITE.get(self.emotion, "")

    @property
    def label(self) -> str:
        """Composite class for emotional events, else the AU recipe (``AU1+4``)."""
        return self.composite or f"AU{self.recipe}"

    def intensity(self, i: float) -> float:
        """Raised-cosine onset-apex-offset profile at (fractional) frame ``i``; 0 outside."""
        if i <= self.onset or i >= self.offset:
            return 0.0
        if self.kind == "talk":
            ramp = min(1.0, (i - self.onset) / 5.0, (self.offset - i) / 5.0)
            return ramp * 0.5 * (1.0 - math.cos(2.0 * math.pi * self.cycle_hz * (i - self.onset) / self.fps))
        if i <= self.apex:
            return 0.5 - 0.5 * math.cos(math.pi * (i - self.onset) / max(self.apex - self.onset, 1e-9))
        fall = self.apex + self.hold
        if i <= fall:
            return 1.0
        return 0.5 + 0.5 * math.cos(math.pi * (i - fall) / max(self.offset - fall, 1e-9))


@dataclass(frozen=True, slots=True)
class HeadTurn:
    """A smooth step of in-plane roll (deg) and yaw (as horizontal squash) between two frames."""

    start: int
    end: int
    roll_deg: float
    yaw: float


@dataclass
class Plan:
    """The planned clip: events, head turns and per-clip random constants."""

    spec: ClipSpec
    seed: int
    n_frames: int
    events: list[Event] = field(default_factory=list)
    head_turns: list[HeadTurn] = field(default_factory=list)
    drift: list[tuple[float, float, float, float]] = field(default_factory=list)  # (ax, ay, hz, phase)
    light_phase: float = 0.0
    flicker_hz: float = 0.0

    @property
    def ground_truth(self) -> list[Event]:
        """Micro and macro expressions (what a spotter must find), in time order."""
        return [e for e in self.events if e.kind in ("micro", "macro")]


def _pick_recipe(rng: np.random.Generator, single_frac: float) -> tuple[str, str]:
    if rng.random() < single_frac:
        return str(SINGLE_AUS[rng.integers(len(SINGLE_AUS))]), ""
    pool = [*EMOTION_RECIPES, *(["repression"] * 4)]
    emotion = pool[rng.integers(len(pool))]
    if emotion == "repression":
        return NEGATIVE_RECIPES[rng.integers(len(NEGATIVE_RECIPES))], emotion
    return EMOTION_RECIPES[emotion], emotion


def _frames(ms: float, fps: float) -> int:
    return max(2, round(ms * fps / 1000.0))


def draw_expression(rng: np.random.Generator, spec: ClipSpec, kind: str) -> tuple[str, str, int, int, float]:
    lo, hi = spec.micro_ms if kind == "micro" else spec.macro_ms
    a_lo, a_hi = spec.micro_amp_fw if kind == "micro" else spec.macro_amp_fw
    recipe, emotion = _pick_recipe(rng, spec.single_au_frac)
    length = _frames(float(rng.uniform(lo, hi)), spec.fps)
    apex = max(1, min(length - 1, round(length * float(rng.uniform(0.3, 0.6)))))
    return recipe, emotion, length, apex, float(rng.uniform(a_lo, a_hi))


def draw_hold(rng: np.random.Generator, spec: ClipSpec, kind: str, length: int, apex: int) -> int:
    """Frames a macro-expression holds at apex (:attr:`ClipSpec.macro_hold`); 0, drawing nothing, when off."""
    lo, hi = spec.macro_hold
    if kind != "macro" or hi <= 0:
        return 0
    return min(length - apex - 2, round((length - apex) * float(rng.uniform(lo, hi)))) if length - apex > 2 else 0


def worst_case_seconds(spec: ClipSpec) -> float:
    """The clip length that fits the longest possible events and the gaps between them."""
    n_talk = 0 if spec.talk_over else spec.n_talk  # talking over the expressions needs no room of its own
    count = spec.n_micro + spec.n_macro + n_talk
    if count == 0:
        return 0.0
    longest_ms = spec.n_micro * spec.micro_ms[1] + spec.n_macro * spec.macro_ms[1] + n_talk * _TALK_MS[1]
    return (longest_ms + 400.0 * (count + 1)) / 1000.0 + 3.0 / spec.fps * count


def plan_clip(spec: ClipSpec, seed: int) -> Plan:
    """Place micro/macro expressions and talking bouts without overlap, then blinks and head turns."""
    if not 1.0 <= spec.fps <= 1000.0 or spec.seconds <= 0:
        raise UsageError(f"clip {spec.name!r}: fps={spec.fps!r}, seconds={spec.seconds!r}; expected 1-1000 fps, > 0 s")
    worst_s = worst_case_seconds(spec)
    if worst_s > spec.seconds:
        raise UsageError(
            f"clip {spec.name!r}: its events may need {worst_s:.1f} s, which does not fit in {spec.seconds!r} s; "
            "lower the counts or lengthen the clip"
        )
    rng = np.random.default_rng(seed)
    n = max(1, round(spec.seconds * spec.fps))
    plan = Plan(spec, seed, n)
    n_talk_between = 0 if spec.talk_over else spec.n_talk
    kinds = ["micro"] * spec.n_micro + ["macro"] * spec.n_macro + ["talk"] * n_talk_between
    rng.shuffle(kinds)
    items: list[tuple[str, str, str, int, int, float]] = []
    for kind in kinds:
        if kind == "talk":
            length = _frames(float(rng.uniform(*_TALK_MS)), spec.fps)
            items.append((kind, "25+26", "", length, length // 2, float(rng.uniform(*spec.talk_amp_fw))))
        else:
            items.append((kind, *draw_expression(rng, spec, kind)))
    gap_min = _frames(400.0, spec.fps)
    free = n - sum(it[3] for it in items) - gap_min * (len(items) + 1)
    free = max(free, 0)  # rounding only; worst_case_seconds() guarantees the fit
    gaps = rng.dirichlet(np.ones(len(items) + 1)) * free if items else np.zeros(1)
    start = gap_min + int(gaps[0])
    for k, (kind, recipe, emotion, length, apex, amp) in enumerate(items):
        hz = float(rng.uniform(3.0, 5.0)) if kind == "talk" else 0.0
        hold = draw_hold(rng, spec, kind, length, apex)
        plan.events.append(
            Event(kind, recipe, emotion, start, start + apex, start + length, amp, hz, spec.fps, max(hold, 0))
        )
        start += length + gap_min + int(gaps[k + 1])
    if spec.talk_over:
        _add_talk_over(plan, rng)
    _add_blinks(plan, rng)
    add_head_motion(plan, rng)
    plan.events.sort(key=lambda e: e.onset)
    return plan


def _add_talk_over(plan: Plan, rng: np.random.Generator) -> None:
    """Talking bouts at random starts, overlapping expressions or each other (``ClipSpec.talk_over``)."""
    spec = plan.spec
    for _ in range(spec.n_talk):
        length = min(_frames(float(rng.uniform(*_TALK_MS)), spec.fps), plan.n_frames - 1)
        onset = int(rng.integers(0, max(1, plan.n_frames - length)))
        amp, hz = float(rng.uniform(*spec.talk_amp_fw)), float(rng.uniform(3.0, 5.0))
        plan.events.append(Event("talk", "25+26", "", onset, onset + length // 2, onset + length, amp, hz, spec.fps))


def _busy(plan: Plan, lo: int, hi: int) -> bool:
    return any(e.onset - 2 <= hi and lo <= e.offset + 2 for e in plan.events if e.kind in ("micro", "macro"))


def _add_blinks(plan: Plan, rng: np.random.Generator) -> None:
    spec = plan.spec
    count = int(rng.poisson(spec.blinks_per_min * spec.seconds / 60.0))
    for _ in range(count):
        length = _frames(float(rng.uniform(150.0, 350.0)), spec.fps)
        onset = int(rng.integers(0, max(1, plan.n_frames - length)))
        if _busy(plan, onset, onset + length):
            continue  # keep expression ground truth free of blinks; blinks elsewhere are distractors
        apex = onset + max(1, length // 3)
        plan.events.append(Event("blink", "45", "", onset, apex, onset + length, float(rng.uniform(0.8, 1.0))))


def add_head_motion(plan: Plan, rng: np.random.Generator) -> None:
    spec = plan.spec
    for _ in range(3):
        amp = spec.head_drift_px * float(rng.uniform(0.3, 1.0))
        plan.drift.append(
            (amp, amp * float(rng.uniform(0.3, 1.0)), float(rng.uniform(*spec.drift_hz)), float(rng.uniform(0, 6.3)))
        )
    count = int(rng.poisson(spec.head_turns_per_min * spec.seconds / 60.0))
    for _ in range(count):
        length = _frames(float(rng.uniform(*spec.turn_ms)), spec.fps)
        start = int(rng.integers(0, max(1, plan.n_frames - length)))
        roll, yaw = float(rng.normal(0, spec.turn_roll_deg)), float(rng.normal(0, spec.turn_yaw))
        plan.head_turns.append(HeadTurn(start, start + length, roll, yaw))
    plan.light_phase = float(rng.uniform(0, 6.3))
    plan.flicker_hz = float(rng.uniform(0.5, 3.0))  # mains flicker aliased by the frame rate
