"""Small builders shared by tests (no fixtures with hidden state)."""

from __future__ import annotations

import importlib.util
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import numpy as np

from edge.events.model import ActionUnit, Emotion, EngineInfo, Event
from edge.motion.base import MotionSample

CLIPS = Path(os.environ.get("GLIMPSE_CLIPS", Path(__file__).resolve().parents[3] / "shared" / "clips"))


def load_script(path: Path, name: str) -> ModuleType:
    """A script that is not part of a package (``scripts/*.py``, fixture makers), imported from its path."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_event(onset: datetime | None = None, kind: str = "micro", label: str = "negative") -> Event:
    """A plausible event payload."""
    onset = onset or datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    return Event(
        id=uuid.uuid4().hex,
        device="test",
        source="unit",
        kind=kind,  # type: ignore[arg-type]
        onset=onset,
        apex=onset + timedelta(milliseconds=80),
        offset=onset + timedelta(milliseconds=200),
        onset_ns=0,
        apex_ns=80_000_000,
        offset_ns=200_000_000,
        onset_frame=1,
        apex_frame=9,
        offset_frame=21,
        duration_ms=200.0,
        emotion=Emotion(label=label, scores={label: 0.8}),
        action_units=[ActionUnit(au=4, name="Brow Lowerer", p=0.7)],
        regions=["inner_brows"],
        confidence=0.6,
        track=1,
        engine=EngineInfo(backend="onnxruntime", model="m", sha256="0" * 64),
        latency_ms=12.0,
    )


#: The CASME II coding-sheet header, blank columns included (DESIGN section 9).
CASME2_HEADER: list[object] = ["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None,
                               "Action Units", "Estimated Emotion"]  # fmt: skip


def mouth_curve(n: int, events: list[tuple[int, int, float]], seed: int = 0) -> np.ndarray:
    """Noise plus triangular bumps (start frame, length, peak px) in the mouth ROI."""
    rng = np.random.default_rng(seed)
    mouth = np.abs(rng.normal(0.05, 0.02, n))
    for start, length, peak in events:
        mouth[start : start + length] += peak * np.bartlett(length)
    return mouth


def roi_samples(
    mouth: np.ndarray,
    period_ns: int,
    rest_mouth: np.ndarray | None = None,
    *,
    seed: int = 1,
    rest_brow: float | None = None,
    rest_epoch_ns: int = -1,
) -> list[MotionSample]:
    """One valid sample a frame of track 1: the mouth ROI's flow from ``mouth``, the brows' noise.

    With ``rest_mouth`` the samples also carry ``rest_px``: the mouth's from it, the brows'
    ``rest_brow`` or, when None, noise drawn after each sample's flow noise.
    """
    rng = np.random.default_rng(seed)
    out: list[MotionSample] = []
    for i, m in enumerate(mouth):
        flow = {"mouth_left": float(m), "brow_left": float(abs(rng.normal(0.05, 0.02)))}
        rest: dict[str, float] = {}
        if rest_mouth is not None:
            brow = rest_brow if rest_brow is not None else float(abs(rng.normal(0.3, 0.05)))
            rest = {"mouth_left": float(rest_mouth[i]), "brow_left": brow}
        out.append(MotionSample(i, i * period_ns, True, flow, track_id=1, rest_px=rest, rest_epoch_ns=rest_epoch_ns))
    return out
