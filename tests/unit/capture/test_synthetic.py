"""The synthetic frame source: deterministic frames, scheduled timestamps, ground truth."""

from __future__ import annotations

import time

import numpy as np
import pytest

from edge.capture import open_source
from edge.capture.registry import SourceURI
from edge.capture.synthetic import SyntheticSource
from edge.errors import UsageError


def _read_all(uri: str) -> tuple[SyntheticSource, list]:  # type: ignore[type-arg]
    src = open_source(uri)
    assert isinstance(src, SyntheticSource)
    frames = []
    with src:
        while (frame := src.read()) is not None:
            frames.append(frame)
    return src, frames


def test_timestamps_follow_the_schedule() -> None:
    src, frames = _read_all("synthetic:demo?fps=90&seconds=1&width=160&height=120")
    assert len(frames) == 90
    assert [f.index for f in frames] == list(range(90))
    assert [f.t_ns for f in frames] == [round(i * 1e9 / 90) for i in range(90)]
    assert frames[0].gray.shape == (120, 160) and frames[0].gray.dtype == np.uint8
    assert src.dropped_frames == 0
    info = src.open()
    assert (info.width, info.height, info.fps) == (160, 120, 90.0)


def test_same_uri_same_frames_and_seed_changes_them() -> None:
    _, a = _read_all("synthetic:demo?seconds=0.3&width=160&height=120&seed=4")
    _, b = _read_all("synthetic:demo?seconds=0.3&width=160&height=120&seed=4")
    _, c = _read_all("synthetic:demo?seconds=0.3&width=160&height=120&seed=5")
    assert all(np.array_equal(x.gray, y.gray) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x.gray, y.gray) for x, y in zip(a, c, strict=True))


def test_demo_ground_truth_has_micro_and_macro() -> None:
    src = SyntheticSource(SourceURI.parse("synthetic:demo"))
    truth = src.ground_truth
    kinds = [g.kind for g in truth]
    assert kinds.count("micro") >= 3 and kinds.count("macro") >= 1
    assert any(e.kind == "blink" for e in src.plan.events)
    for g in truth:
        assert 1 <= g.onset < g.apex < g.offset <= src.plan.n_frames
        assert g.onset_ns == round((g.onset - 1) * 1e9 / 90)
        if g.kind == "micro":
            assert 40e6 <= g.offset_ns - g.onset_ns <= 500e6


def test_realtime_paces_to_the_schedule() -> None:
    start = time.monotonic_ns()
    _, frames = _read_all("synthetic:demo?fps=50&seconds=0.3&width=160&height=120&realtime=true")
    elapsed = time.monotonic_ns() - start
    assert len(frames) == 15
    assert elapsed >= 0.9 * (frames[-1].t_ns - frames[0].t_ns)
    assert frames[0].t_ns >= start  # realtime timestamps are on the monotonic clock
    assert frames[1].t_ns - frames[0].t_ns == 20_000_000


def test_unknown_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="'nope'"):
        open_source("synthetic:nope")
