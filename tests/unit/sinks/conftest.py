"""Fixtures for sink unit tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

import edge.config  # noqa: F401  (section modules import edge.config.base, which needs edge.config first)
from edge.events.model import ActionUnit, DeviceState, Emotion, EngineInfo, Event


def make_event(n: int = 0, label: str = "negative", when: datetime | None = None) -> Event:
    now = when or datetime.now(timezone.utc)
    return Event(
        id=f"ev-{n:06d}",
        device="unit",
        source="test",
        kind="micro",
        onset=now,
        apex=now,
        offset=now,
        onset_ns=n,
        apex_ns=n + 1,
        offset_ns=n + 2,
        onset_frame=1,
        apex_frame=2,
        offset_frame=3,
        duration_ms=180.0,
        emotion=Emotion(label=label, scores={"negative": 0.71, "positive": 0.1, "surprise": 0.19}),
        action_units=[ActionUnit(au=4, name="Brow Lowerer", p=0.8), ActionUnit(au=7, name="Lid Tightener", p=0.6)],
        regions=["brows"],
        confidence=0.64,
        track=1,
        engine=EngineInfo(backend="onnxruntime", model="m", sha256=""),
        latency_ms=5.0,
    )


def make_state(capturing: bool, paused: bool, state: str = "running") -> DeviceState:
    return DeviceState(state=state, capturing=capturing, paused=paused, t=datetime.now(timezone.utc))  # type: ignore[arg-type]


@pytest.fixture
def event() -> Any:
    return make_event


@pytest.fixture
def device_state() -> Any:
    return make_state


def poll(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Wait until ``condition()`` holds (checked every 5 ms), at most ``timeout_s``; its last value."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return condition()
        time.sleep(0.005)
    return True


@pytest.fixture
def wait_until() -> Callable[..., bool]:
    """``wait_until(condition, timeout_s=5.0)``: poll instead of sleeping a fixed time after a timer."""
    return poll
