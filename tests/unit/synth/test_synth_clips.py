"""Clips: determinism by seed, micro amplitude bound, timing in ms, the ground-truth CSV layout."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edge.errors import UsageError
from edge.synth import ClipSpec, bench_preset, clip_preset, generate_clip, make_pairs, plan_clip
from edge.synth.output import GT_COLUMNS, write_set
from edge.synth.render import Renderer

SMALL = ClipSpec(name="t", fps=60.0, seconds=8.0, width=320, height=240, n_micro=3, n_macro=1, n_talk=0)


def test_same_seed_same_frames_other_seed_other_clip() -> None:
    frames_a, truth_a = generate_clip(SMALL, seed=5)
    frames_b, truth_b = generate_clip(SMALL, seed=5)
    _, truth_c = generate_clip(SMALL, seed=6)
    assert truth_a == truth_b and truth_a != truth_c
    for k, (a, b) in enumerate(zip(frames_a, frames_b, strict=True)):
        if k % 40 == 0:
            assert np.array_equal(a, b)
            assert a.shape == (240, 320) and a.dtype == np.uint8


def test_random_access_matches_sequential_rendering() -> None:
    renderer = Renderer(plan_clip(SMALL, 5))
    frames, _ = generate_clip(SMALL, seed=5)
    sequential = list(frames)
    for i in (0, 77, 250, len(sequential) - 1):
        assert np.array_equal(renderer.frame(i), sequential[i])


def _reference_frame(renderer: Renderer, i: int) -> np.ndarray:
    """Frame ``i`` composed with plain full-size expressions (what the in-place renderer must equal)."""
    import math

    import cv2

    spec, plan = renderer.plan.spec, renderer.plan
    size, m = (spec.width, spec.height), renderer.pose(i)
    face = cv2.warpAffine(renderer.face(i), m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.warpAffine(renderer._alpha, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    bg = renderer._background
    img = bg + alpha * (face - bg)
    t = i / spec.fps
    gain = 1.0 + spec.light_drift * math.sin(2 * math.pi * t / 9.0 + plan.light_phase)
    gain += spec.flicker * math.sin(2 * math.pi * plan.flicker_hz * t)
    side = 0.5 * spec.light_drift * math.sin(2 * math.pi * t / 13.0 + 2 * plan.light_phase)
    ramp = np.broadcast_to(renderer._ramp, (spec.height, spec.width))
    img *= np.float32(gain) * (1.0 + np.float32(side) * ramp)
    img += np.roll(renderer._noise[(i * 5) % len(renderer._noise)], (i * 37) % spec.height, axis=0)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if spec.jpeg_quality == 0:
        return out
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, spec.jpeg_quality])
    assert ok
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), np.uint8)


@pytest.mark.parametrize("jpeg_quality", [0, 90])
def test_in_place_rendering_equals_the_plain_composition_and_leaves_the_subject_cache_alone(
    jpeg_quality: int,
) -> None:
    plan = plan_clip(replace(SMALL, subject="S04", jpeg_quality=jpeg_quality), 5)
    renderer = Renderer(plan)
    cached = set(renderer.subject._fields)
    event = next(e for e in plan.events if e.kind != "blink")
    for i in (0, 1, event.onset + 1, event.apex, event.offset - 1, plan.n_frames - 1):
        assert np.array_equal(renderer.frame(i), _reference_frame(renderer, i))
    assert renderer._ramp.shape == (1, SMALL.width)  # one row, not a full frame
    assert set(renderer.subject._fields) == cached  # event fields only; the shared subject keeps no new AU field


def test_micro_amplitude_is_bounded_and_nonzero() -> None:
    spec = replace(SMALL, n_micro=6, n_macro=0, seconds=10.0, micro_amp_fw=(0.01, 0.03))
    renderer = Renderer(plan_clip(spec, 11))
    fw = renderer.subject.face_width_px
    events = renderer.plan.ground_truth
    assert len(events) == 6 and {e.kind for e in events} == {"micro"}  # the loop below checks every one
    peaks = [max(float(np.sqrt((d**2).sum(axis=0)).max()) for i in range(event.onset, event.offset + 1)
                 if (d := renderer.displacement(i)) is not None) for event in events]  # fmt: skip
    assert all(0.009 * fw <= peak <= 0.03 * fw * 1.001 for peak in peaks), [p / fw for p in peaks]
    assert all(renderer.displacement(event.onset) is None for event in events)  # onset frame is the rest state


@pytest.mark.parametrize("fps", [30.0, 90.0, 200.0])
def test_timing_in_ms_matches_fps(fps: float) -> None:
    plan = plan_clip(replace(SMALL, fps=fps, seconds=12.0), 3)
    assert plan.n_frames == round(12.0 * fps)
    for e in plan.ground_truth:
        duration_ms = (e.offset - e.onset) * 1000.0 / fps
        lo, hi = SMALL.micro_ms if e.kind == "micro" else SMALL.macro_ms
        half_frame = 500.0 / fps
        assert lo - half_frame <= duration_ms <= hi + half_frame, (fps, e)
        assert e.onset < e.apex < e.offset


def test_ground_truth_csv_layout(tmp_path: Path) -> None:
    spec = replace(SMALL, name="gt", fps=30.0, seconds=6.0, n_micro=2, n_macro=0, width=160, height=120)
    csv_path = write_set([(spec, 1)], tmp_path, fmt="frames")
    assert b"\r" not in csv_path.read_bytes()  # LF line endings, like every other file Glimpse writes
    with csv_path.open() as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == GT_COLUMNS
        rows = list(reader)
    assert len(rows) == 2
    frames = sorted((tmp_path / "gt").glob("img*.png"))
    assert len(frames) == 180 and frames[0].name == "img00001.png"
    for row in rows:
        onset, apex, offset = int(row["onset"]), int(row["apex"]), int(row["offset"])
        assert 1 <= onset < apex < offset <= 180
        assert float(row["onset_ms"]) == pytest.approx((onset - 1) * 1000.0 / 30.0, abs=1e-3)
        assert float(row["offset_ms"]) == pytest.approx((offset - 1) * 1000.0 / 30.0, abs=1e-3)
        assert row["kind"] == "micro" and row["video"] == "gt" and row["subject"] == "S01"
        assert row["label"] == (row["composite"] or f"AU{row['aus']}")
    meta = json.loads((tmp_path / "gt.json").read_text())
    assert meta["n_frames"] == 180 and meta["frame_index_base"] == 0


def test_events_that_do_not_fit_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="does not fit"):
        plan_clip(replace(SMALL, seconds=2.0, n_macro=3), 0)


def test_presets_resolve() -> None:
    ci = bench_preset("bench-ci")
    specs = ci.clip_specs()
    assert len(specs) == 6 and specs[0][0].name == "bench-ci_01" and specs[0][0].fps == 100.0
    assert len({s.subject for s, _ in specs}) == 6
    assert clip_preset("bench-ci_02") == specs[1]
    assert bench_preset("bench-full").clips == 20
    with pytest.raises(UsageError, match="bench-ci"):
        bench_preset("nope")


def test_make_pairs_face_crops_and_labels() -> None:
    pairs = make_pairs(4, seed=2, fps=200.0)
    again = make_pairs(4, seed=2, fps=200.0)
    assert len(pairs) == 4
    for (onset, apex, labels), (onset2, _, labels2) in zip(pairs, again, strict=True):
        assert onset.shape == apex.shape == (128, 128) and onset.dtype == np.uint8
        assert np.array_equal(onset, onset2) and labels == labels2
        assert not np.array_equal(onset, apex)
        assert set(labels) >= {"aus", "emotion", "composite", "subject", "kind"}
        assert labels["composite"] in ("negative", "positive", "surprise", "")
    assert {p[2]["subject"] for p in pairs} == {"S01", "S02", "S03", "S04"}


def test_held_macro_expressions_plateau_at_apex_and_leave_other_clips_alone() -> None:
    spec = ClipSpec(fps=30.0, n_micro=1, n_macro=3, n_talk=0, macro_hold=(0.3, 0.8))
    plan = plan_clip(spec, 7)
    macros = [e for e in plan.events if e.kind == "macro"]
    assert macros and all(e.hold > 0 for e in macros)
    for e in macros:
        held = [e.intensity(i) for i in range(e.apex, e.apex + e.hold + 1)]
        assert held == [1.0] * len(held)  # still at apex for the whole hold
        assert 0.0 < e.intensity(e.apex + e.hold + 1) < 1.0 or e.apex + e.hold + 1 >= e.offset  # then relaxes
        assert e.intensity(e.offset) == 0.0
    assert all(e.hold == 0 for e in plan.events if e.kind != "macro")


def test_benchmark_plans_are_unchanged_by_the_hold_option() -> None:
    """bench-ci_01 as planned before ``macro_hold`` existed (its cached ground-truth JSON): with the hold off the
    generator draws nothing more, so every later draw (blinks, head motion) and every benchmark clip is the same."""
    spec, seed = bench_preset("bench-ci").clip_specs()[0]
    assert (spec.macro_hold, seed) == ((0.0, 0.0), 1000)
    assert [(e.kind, e.onset, e.apex, e.offset) for e in plan_clip(spec, seed).events] == [
        ("micro", 45, 52, 63), ("micro", 141, 157, 183), ("micro", 272, 280, 293), ("blink", 409, 419, 441),
        ("blink", 464, 472, 489), ("blink", 508, 514, 527), ("blink", 719, 727, 744), ("macro", 800, 902, 1094),
        ("micro", 1134, 1143, 1156), ("talk", 1287, 1480, 1673), ("blink", 1443, 1454, 1478),
        ("macro", 1807, 1888, 1956),
    ]  # fmt: skip


def test_talking_over_expressions_leaves_their_placement_alone_and_may_overlap_them() -> None:
    """``talk_over`` lays the talking bouts over the clip after the expressions are placed: the expressions are
    exactly those of the same clip without talking, and over a few seeds some bout overlaps an expression."""
    base = ClipSpec(fps=30.0, n_micro=3, n_macro=3, n_talk=0)
    talking = replace(base, n_talk=4, talk_over=True, talk_amp_fw=(0.04, 0.08))
    overlaps = 0
    for seed in range(5):
        quiet, busy = plan_clip(base, seed), plan_clip(talking, seed)
        assert busy.ground_truth == quiet.ground_truth
        talks = [e for e in busy.events if e.kind == "talk"]
        assert len(talks) == 4 and all(0.04 <= e.amplitude <= 0.08 and 0 <= e.onset < e.offset < busy.n_frames
                                        for e in talks)  # fmt: skip
        overlaps += sum(t.onset <= g.offset and g.onset <= t.offset for t in talks for g in busy.ground_truth)
    assert overlaps > 0


def test_head_motion_spread_follows_the_spec() -> None:
    calm = ClipSpec(fps=30.0, n_micro=1, n_macro=0, n_talk=0, head_turns_per_min=60.0)
    lively = replace(calm, turn_roll_deg=10.0, turn_yaw=0.1, drift_hz=(1.0, 2.0), turn_ms=(300.0, 300.0))
    a, b = plan_clip(calm, 3), plan_clip(lively, 3)
    assert len(a.head_turns) == len(b.head_turns) > 5
    rolls_a, rolls_b = (np.std([t.roll_deg for t in p.head_turns]) for p in (a, b))
    assert rolls_b == pytest.approx(4.0 * rolls_a)  # same normal draws, 4x the spread
    assert all(1.0 <= hz <= 2.0 for _, _, hz, _ in b.drift) and all(t.end - t.start == 9 for t in b.head_turns)
