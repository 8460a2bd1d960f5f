"""Both spotters on synthetic ROI curves / scores with known intervals."""

from __future__ import annotations

import numpy as np
import pytest

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.config import GlimpseConfig
from edge.errors import ConfigError
from edge.motion.base import FlowField, MotionSample
from edge.spotting.config import SpottingConfig
from edge.spotting.learned import LearnedSpotter
from edge.spotting.registry import build_spotter
from edge.spotting.roiflow import RoiFlowSpotter

FPS = 200
PERIOD_NS = 1_000_000_000 // FPS


def _curve(n: int, events: list[tuple[int, int, float]], seed: int = 0) -> np.ndarray:
    """Noise plus triangular bumps (start frame, length, peak px) in the mouth ROI."""
    rng = np.random.default_rng(seed)
    mouth = np.abs(rng.normal(0.05, 0.02, n))
    for start, length, peak in events:
        mouth[start : start + length] += peak * np.bartlett(length)
    return mouth


def _samples(mouth: np.ndarray) -> list[MotionSample]:
    rng = np.random.default_rng(1)
    return [
        MotionSample(
            i,
            i * PERIOD_NS,
            True,
            {"mouth_left": float(m), "brow_left": float(abs(rng.normal(0.05, 0.02)))},
            track_id=1,
        )
        for i, m in enumerate(mouth)
    ]


def _run(spotter: RoiFlowSpotter | LearnedSpotter, samples: list[MotionSample]) -> list[tuple[int, object]]:
    out = []
    for s in samples:
        out += [(s.frame_index, iv) for iv in spotter.update(s)]
    return out + [(-1, iv) for iv in spotter.flush()]


def test_roiflow_finds_micro_and_macro_by_duration_and_emits_soon_after_offset() -> None:
    cfg = SpottingConfig(offset_shift_ms=0.0, contrast_k_ms=1200.0, noise_window_ms=8000.0)
    mouth = _curve(4000, [(1000, 60, 1.5), (2200, 200, 1.5)])  # 300 ms and 1000 ms
    found = _run(RoiFlowSpotter(cfg), _samples(mouth))
    assert len(found) == 2
    (emit_micro, micro), (_, macro) = found
    assert micro.kind == "micro" and macro.kind == "macro"  # type: ignore[attr-defined]
    assert 990 <= micro.onset_index <= 1030 and 1030 <= micro.offset_index <= 1070  # type: ignore[attr-defined]
    assert micro.regions == ("mouth_left",) and 0.5 <= micro.confidence <= 1.0  # type: ignore[attr-defined]
    latency_ms = (emit_micro - micro.offset_index) * 1000 / FPS  # type: ignore[attr-defined]
    assert 0 < latency_ms <= cfg.contrast_k_ms + cfg.merge_gap_ms + 10


def test_roiflow_stays_quiet_on_noise_and_exposes_score() -> None:
    spotter = RoiFlowSpotter(SpottingConfig())
    assert _run(spotter, _samples(_curve(2000, []))) == []
    assert isinstance(spotter.score, float)


def test_roiflow_duration_filter_drops_long_movements() -> None:
    mouth = _curve(3000, [(800, 200, 1.5)])
    assert _run(RoiFlowSpotter(SpottingConfig(max_ms=500.0, contrast_k_ms=1200.0)), _samples(mouth)) == []


def test_roiflow_ignores_invalid_samples_and_new_track_flushes() -> None:
    spotter = RoiFlowSpotter(SpottingConfig())
    assert spotter.update(MotionSample(0, 0, False)) == []


def _flow(level: float) -> FlowField:
    u = np.full((128, 128), level, np.float32)
    return FlowField(u, np.zeros_like(u), np.zeros_like(u))


def test_learned_spotter_peaks_and_threshold_crossings() -> None:
    def scorer(x: np.ndarray) -> np.ndarray:
        return np.clip((x[:, 0].mean(axis=(1, 2)) - 0.5) * 4.0, 0.0, 1.0).astype(np.float32)

    spotter = LearnedSpotter(SpottingConfig(type="learned", smooth_ms=10.0, offset_shift_ms=0.0), scorer)
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


def test_learned_spotter_requires_flow() -> None:
    spotter = LearnedSpotter(SpottingConfig(type="learned"), lambda x: np.zeros(len(x), np.float32))
    with pytest.raises(ConfigError, match="keep_flow"):
        spotter.update(MotionSample(0, 0, True, {"a": 1.0}))


def test_registry_builds_both() -> None:
    assert isinstance(build_spotter(GlimpseConfig()), RoiFlowSpotter)
    learned = build_spotter(GlimpseConfig.model_validate({"spotting": {"type": "learned"}}))
    assert isinstance(learned, LearnedSpotter)
