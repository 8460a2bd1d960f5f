"""Both spotters on synthetic ROI curves / scores with known intervals."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.config import GlimpseConfig
from edge.errors import ConfigError
from edge.face.base import Quality
from edge.motion.base import FlowField, MotionSample
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.learned import LearnedSpotter
from edge.spotting.registry import build_spotter
from edge.spotting.roiflow import RoiFlowSpotter
from edge.spotting.runs import RunTracker

from tests_support import mouth_curve, roi_samples

FPS = 200
PERIOD_NS = 1_000_000_000 // FPS


def _samples(mouth: np.ndarray) -> list[MotionSample]:
    return roi_samples(mouth, PERIOD_NS)


def _run(spotter: RoiFlowSpotter | LearnedSpotter, samples: list[MotionSample]) -> list[tuple[int, Interval]]:
    out: list[tuple[int, Interval]] = []
    for s in samples:
        out += [(s.frame_index, iv) for iv in spotter.update(s)]
    return out + [(-1, iv) for iv in spotter.flush()]


def test_roiflow_finds_micro_and_macro_by_duration_and_emits_soon_after_offset() -> None:
    cfg = SpottingConfig(offset_shift_ms=0.0, onset_shift_ms=0.0, contrast_k_ms=1200.0, noise_window_ms=8000.0)
    mouth = mouth_curve(4000, [(1000, 60, 1.5), (2200, 200, 1.5)])  # 300 ms and 1000 ms
    found = _run(RoiFlowSpotter(cfg), _samples(mouth))
    assert len(found) == 2
    (emit_micro, micro), (_, macro) = found
    assert micro.kind == "micro" and macro.kind == "macro"
    assert 990 <= micro.onset_index <= 1030 and 1030 <= micro.offset_index <= 1070
    assert micro.regions == ("mouth_left",) and 0.5 <= micro.confidence <= 1.0
    latency_ms = (emit_micro - micro.offset_index) * 1000 / FPS
    assert 0 < latency_ms <= cfg.contrast_k_ms + cfg.merge_gap_ms + 10


def test_roiflow_stays_quiet_on_noise_and_exposes_score() -> None:
    spotter = RoiFlowSpotter(SpottingConfig())
    assert _run(spotter, _samples(mouth_curve(2000, []))) == []
    assert isinstance(spotter.score, float)


def test_roiflow_duration_filter_drops_long_movements() -> None:
    mouth = mouth_curve(3000, [(800, 200, 1.5)])
    assert _run(RoiFlowSpotter(SpottingConfig(max_ms=500.0, contrast_k_ms=1200.0)), _samples(mouth)) == []


def test_roiflow_ignores_invalid_samples_and_new_track_flushes() -> None:
    spotter = RoiFlowSpotter(SpottingConfig())
    assert spotter.update(MotionSample(0, 0, False)) == []


def _flow(level: float) -> FlowField:
    u = np.full((128, 128), level, np.float32)
    return FlowField(u, np.zeros_like(u), np.zeros_like(u))


def test_learned_spotter_peaks_and_threshold_crossings() -> None:
    def scorer(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.clip((x[:, 0].mean(axis=(1, 2)) - 0.5) * 4.0, 0.0, 1.0).astype(np.float32)
        return out

    cfg = SpottingConfig(type="learned", smooth_ms=10.0, offset_shift_ms=0.0, onset_shift_ms=0.0)
    spotter = LearnedSpotter(cfg, scorer)
    levels = np.zeros(600)
    levels[200:260] = np.bartlett(60) * 4.0  # a 300 ms bump in u
    samples = [
        MotionSample(i, i * PERIOD_NS, True, {"mouth_left": lv}, track_id=1, flow=_flow(lv))
        for i, lv in enumerate(levels)
    ]
    found = [iv for _, iv in _run(spotter, samples)]
    assert len(found) == 1
    iv = found[0]
    assert iv.kind == "micro" and 200 <= iv.onset_index <= 220 and 240 <= iv.offset_index <= 262
    assert iv.onset_index < iv.apex_index < iv.offset_index


def test_apex_is_the_peak_of_the_first_movement_phase_and_onset_shift_moves_the_onset() -> None:
    # onset-to-apex motion (bump at 20-40), a pause at the apex, then a faster, larger relaxation (bump at 46-56)
    score = np.zeros(120)
    score[20:41] = 6.0 * np.bartlett(21)
    score[46:57] = 9.0 * np.bartlett(11)
    cfg = SpottingConfig(merge_gap_ms=100.0, offset_shift_ms=0.0, onset_shift_ms=0.0, min_ms=0.0)
    shifted = cfg.model_copy(update={"onset_shift_ms": 50.0})  # 10 frames at 200 fps
    found = []
    for config in (cfg, shifted):
        tracker = RunTracker(config, high=2.0, low=1.0)
        out = [iv for i, s in enumerate(score) for iv in tracker.push(i, i * PERIOD_NS, float(s))]
        found.append(out + tracker.flush())
    (plain,), (moved,) = found
    assert plain.apex_index == 30 and 20 < plain.onset_index < 30 and plain.offset_index >= 50
    assert moved.onset_index == plain.onset_index - 10 and moved.onset_ns == plain.onset_ns - 10 * PERIOD_NS
    assert moved.apex_index == plain.apex_index and moved.offset_index == plain.offset_index


def test_roiflow_macro_pass_finds_long_movements_the_micro_pass_drops() -> None:
    mouth = mouth_curve(4000, [(1500, 400, 1.5)])  # a 2 s movement
    base = SpottingConfig(contrast_k_ms=250.0, noise_window_ms=8000.0)
    one_pass = [
        iv for _, iv in _run(RoiFlowSpotter(base.model_copy(update={"macro_contrast_k_ms": 0.0})), _samples(mouth))
    ]
    two_pass = [iv for _, iv in _run(RoiFlowSpotter(base), _samples(mouth))]
    assert not any(iv.kind == "macro" for iv in one_pass)  # a short neighbourhood cuts it into pieces
    macro = [iv for iv in two_pass if iv.kind == "macro"]
    assert len(macro) == 1 and macro[0].onset_index < 1600 and macro[0].offset_index > 1800


def test_learned_spotter_requires_flow() -> None:
    spotter = LearnedSpotter(SpottingConfig(type="learned"), lambda x: np.zeros(len(x), np.float32))
    with pytest.raises(ConfigError, match="keep_flow"):
        spotter.update(MotionSample(0, 0, True, {"a": 1.0}))


def test_registry_builds_both() -> None:
    assert isinstance(build_spotter(GlimpseConfig()), RoiFlowSpotter)
    learned_config = GlimpseConfig.model_validate({"spotting": {"type": "learned"}})
    learned = build_spotter(learned_config, scorer=lambda x: np.zeros(len(x), np.float32))
    assert isinstance(learned, LearnedSpotter)
    with pytest.raises(ConfigError, match="spotting head"):
        build_spotter(learned_config)  # the stage builder hands it the engine model's head; it opens nothing


def test_roiflow_spots_nothing_before_the_noise_estimate_warms_up() -> None:
    early = mouth_curve(2000, [(20, 30, 0.8)])  # 100-250 ms after the track starts, judged on almost no history
    late = mouth_curve(2000, [(1000, 60, 1.5)])
    cfg = SpottingConfig(warmup_ms=500.0, macro_contrast_k_ms=0.0)
    assert _run(RoiFlowSpotter(cfg), _samples(early)) == []
    assert len(_run(RoiFlowSpotter(cfg), _samples(late))) == 1
    assert len(_run(RoiFlowSpotter(cfg.model_copy(update={"warmup_ms": 0.0})), _samples(early))) >= 1


def _blinked(samples: list[MotionSample], start: int, stop: int) -> list[MotionSample]:
    flag = frozenset({Quality.BLINK})
    return [replace(s, quality=flag) if start <= s.frame_index < stop else s for s in samples]


def test_roiflow_drops_intervals_made_mostly_of_blink_frames() -> None:
    cfg = SpottingConfig(macro_contrast_k_ms=0.0, blink_max_frac=0.5)
    mouth = _samples(mouth_curve(2000, [(1000, 60, 1.5)]))
    # the same bump in the brows (where a blink's flow bleeds), the mouth still
    brows = [
        replace(s, roi_px={"mouth_left": s.roi_px["brow_left"], "brow_left": s.roi_px["mouth_left"]}) for s in mouth
    ]
    assert len(_run(RoiFlowSpotter(cfg), brows)) == 1
    assert _run(RoiFlowSpotter(cfg), _blinked(brows, 990, 1070)) == []  # the whole movement is a blink
    assert len(_run(RoiFlowSpotter(cfg), _blinked(brows, 1040, 1050))) == 1  # a blink inside a movement
    off = cfg.model_copy(update={"blink_max_frac": 0.0})
    assert len(_run(RoiFlowSpotter(off), _blinked(brows, 990, 1070))) == 1
    # the mouth moved more than the brows: a smile that narrows the eyes, not a blink
    assert len(_run(RoiFlowSpotter(cfg), _blinked(mouth, 990, 1070))) == 1


def test_macro_pass_interval_repeating_an_emitted_micro_one_is_dropped() -> None:
    from edge.spotting.rules import frame_iou, repeats

    micro = Interval(100, 110, 130, 0, 0, 0, "micro", 1.0)
    macro = Interval(100, 120, 145, 0, 0, 0, "macro", 1.0)
    assert frame_iou(micro, macro) == pytest.approx(31 / 46)
    assert repeats(macro, [micro], 0.5) and not repeats(macro, [micro], 0.7) and not repeats(macro, [micro], 0.0)
    # a 600 ms movement: the micro pass reports it first (<= 500 ms with its shifts), the macro pass again later
    samples = _samples(mouth_curve(4000, [(1500, 120, 1.5)]))
    base = SpottingConfig(contrast_k_ms=250.0, noise_window_ms=8000.0, macro_threshold_sigma=3.0)
    kept = [iv.kind for _, iv in _run(RoiFlowSpotter(base.model_copy(update={"cross_pass_iou": 0.0})), samples)]
    dedup = [iv.kind for _, iv in _run(RoiFlowSpotter(base.model_copy(update={"cross_pass_iou": 0.3})), samples)]
    assert sorted(kept) == ["macro", "micro"] and dedup == ["micro"]


def test_running_median_mad_equals_numpy_over_a_sliding_window() -> None:
    from edge.spotting.noise import RunningMedianMad

    rng = np.random.default_rng(5)
    window_ns = 37 * PERIOD_NS
    stats = RunningMedianMad(window_ns, 3)
    held: list[tuple[int, np.ndarray]] = []
    for i in range(400):
        values = np.round(rng.normal(0.0, 1.0, 3), int(rng.integers(0, 3)))  # rounding makes ties
        stats.add(i * PERIOD_NS, values.tolist())
        held = [(t, v) for t, v in [*held, (i * PERIOD_NS, values)] if t >= i * PERIOD_NS - window_ns]
        window = np.stack([v for _, v in held])
        median = np.median(window, axis=0)
        got_median, got_mad = stats.median_mad()
        assert np.array_equal(got_median, median)
        assert np.array_equal(got_mad, np.median(np.abs(window - median), axis=0))
    assert stats.span_ns == window_ns and len(stats) == 38


def test_a_movement_the_lost_track_cuts_short_is_flagged_truncated_at_the_loss() -> None:
    cfg = SpottingConfig(macro_contrast_k_ms=0.0)
    samples = _samples(mouth_curve(1500, [(1170, 60, 1.5)]))[:1200]  # the face is lost at the movement's peak
    lost = [MotionSample(i, i * PERIOD_NS, False, track_id=-1) for i in range(1200, 1300)]
    spotter = RoiFlowSpotter(cfg)
    for s in samples:
        assert [iv for iv in spotter.update(s) if iv.onset_index >= 900] == []
    at_loss = spotter.update(lost[0])
    assert len(at_loss) == 1 and at_loss[0].truncated and at_loss[0].onset_index >= 1140  # reported at once
    assert all(spotter.update(s) == [] for s in lost[1:]) and spotter.flush() == []
    # the same movement seen to its end and followed by quiet is a complete (untruncated) interval
    whole = _run(RoiFlowSpotter(cfg), _samples(mouth_curve(1500, [(1170, 60, 1.5)])))
    assert whole and not any(iv.truncated for _, iv in whole)


def test_intervals_file_marks_truncated_rows(tmp_path: Path) -> None:
    from edge.sinks.intervals import IntervalFileSink

    from tests_support import make_event

    with IntervalFileSink(tmp_path, "clip") as sink:
        sink.on_event(make_event())
        sink.on_event(make_event().model_copy(update={"truncated": True}))
    rows = (tmp_path / "intervals.csv").read_text().splitlines()
    assert rows[0].endswith(",truncated") and rows[1].endswith(",0") and rows[2].endswith(",1")


def test_a_pause_mid_movement_reports_nothing() -> None:
    samples = _samples(mouth_curve(2400, [(1170, 60, 1.5)]))
    spotter = RoiFlowSpotter(SpottingConfig(macro_contrast_k_ms=0.0))
    before = [iv for s in samples[:1200] for iv in spotter.update(s)]
    spotter.reset()  # the analyzer resets the spotter on a privacy pause
    after = [iv for s in samples[1400:] for iv in spotter.update(s)] + spotter.flush()
    assert [iv for iv in before + after if iv.onset_index >= 1100] == []
