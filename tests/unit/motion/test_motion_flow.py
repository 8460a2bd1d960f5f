"""The flow helpers that stand in for NumPy calls on the hot path give NumPy's exact values."""

from __future__ import annotations

import numpy as np
import pytest

from edge.motion.flow import flow_medians, mean_of


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (3, 5), (4, 4), (13, 18), (17, 17)])
def test_flow_medians_equal_numpys_median_of_each_channel(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    for _ in range(50):
        flow = rng.normal(0.0, 2.0, (*shape, 2)).astype(np.float32)
        flow[rng.random(shape) < 0.2] = 0.5  # ties, as DIS gives in flat regions
        patch = np.pad(flow, ((2, 2), (3, 3), (0, 0)))[2:-2, 3:-3]  # a strided view, as the callers pass
        assert flow_medians(patch) == (float(np.median(flow[..., 0])), float(np.median(flow[..., 1])))


def test_mean_of_equals_the_array_method_on_strided_float32_slices() -> None:
    rng = np.random.default_rng(7)
    image = np.abs(rng.normal(0.0, 1.5, (128, 128))).astype(np.float32)
    for _ in range(500):
        y0, x0 = rng.integers(0, 120, 2)
        y1, x1 = y0 + rng.integers(1, 60), x0 + rng.integers(1, 60)
        box = image[y0:y1, x0:x1]
        assert mean_of(box) == float(box.mean())
