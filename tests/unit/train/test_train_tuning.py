"""The offline grid search's fast replay gives the live spotter's intervals."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np

from edge.face.base import Quality
from edge.motion.base import MotionSample
from edge.spotting.config import SpottingConfig
from edge.train.replay import blink_flags, flow_history, pass_keys, record_curves, replay_curves, replay_fast
from edge.train.tuning import check_fast_replay, load_sets, replay

from tests_support import mouth_curve, roi_samples

FPS = 200
PERIOD_NS = 1_000_000_000 // FPS


def _samples(mouth: np.ndarray) -> list[MotionSample]:
    rest = np.convolve(mouth, np.ones(50), "same") / 10  # the macro pass's feature: a held version
    return roi_samples(mouth, PERIOD_NS, rest, rest_brow=0.1)


def test_tuning_fast_replay_matches_the_live_spotter() -> None:
    both = SpottingConfig(
        contrast_k_ms=250.0,
        blink_max_frac=0.3,
        cross_pass_iou=0.3,
        context_ratio=0.5,
        speech_bumps=4,
        rest_context_ratio=0.5,
        macro_feature="rest",
    )  # curves use the default noise window
    long = _samples(mouth_curve(4000, [(600, 60, 1.5), (1500, 400, 1.5), (2600, 90, 1.5)]))
    long = [s if not 600 <= s.frame_index < 640 else replace(s, quality=frozenset({Quality.BLINK})) for s in long]
    assert pass_keys(both) == [(250.0, "flow"), (both.macro_contrast_k_ms, "rest")]
    curves = {k: record_curves(long, *k) for k in pass_keys(both)}
    live_both = [(i.onset_index, i.apex_index, i.offset_index, i.kind) for i in replay(long, both)]
    fast_both = replay_fast(curves, blink_flags(long), both, flow_history(long), flow_history(long, rest=True))
    assert [(i.onset_index, i.apex_index, i.offset_index, i.kind) for i in fast_both] == live_both
    assert len(live_both) >= 2

    samples = _samples(mouth_curve(3000, [(600, 60, 1.5), (1500, 40, 0.8), (2200, 80, 1.2)]))
    for update in ({}, {"threshold_sigma": 3.0, "hysteresis": 0.5, "onset_shift_ms": 40.0}, {"min_flow_px": 2.0}):
        cfg = SpottingConfig(macro_contrast_k_ms=0.0, blink_max_frac=0.0, context_ratio=0.0, speech_bumps=0)
        cfg = cfg.model_copy(update=update)
        live = [(i.onset_index, i.apex_index, i.offset_index, i.kind) for i in replay(samples, cfg)]
        fast = replay_curves(record_curves(samples, cfg.contrast_k_ms), cfg)
        assert [(i.onset_index, i.apex_index, i.offset_index, i.kind) for i in fast] == live
    assert live == []  # min_flow_px above every bump: nothing
    check_fast_replay({"long": long, "short": samples})  # what the tuning scripts assert before every search


def test_tuning_sets_are_pooled_one_cache_per_folder(tmp_path: Path) -> None:
    folders, caches = [], []
    for name in ("tune-a", "tune-b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "ground_truth.csv").write_text(f"video,onset,offset,kind,label\n{name}_01,10,20,micro,AU1\n")
        cache = tmp_path / f"{name}.pkl"
        with cache.open("wb") as fh:
            pickle.dump({f"{name}_01": [MotionSample(0, 0, False)]}, fh)
        folders.append(folder)
        caches.append(cache)
    clips, gt = load_sets(folders, caches)
    assert clips is not None and sorted(clips) == ["tune-a_01", "tune-b_01"]
    assert [(row.video, row.onset, row.kind) for row in gt] == [("tune-a_01", 10, "micro"), ("tune-b_01", 10, "micro")]
    assert load_sets(folders, caches[:1]) == (None, [])  # a cache for one folder of two is refused
