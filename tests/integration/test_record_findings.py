"""scripts/record_findings.py --frames: every frame's stage outputs on a real clip, and the diff that reads them."""

from __future__ import annotations

import copy
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.support.tests_support import CLIPS, load_script

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "record_findings.py"


Recorded = tuple[ModuleType, dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def recorded() -> Recorded:
    """The script, and two recordings of single_face.mp4 with every frame's outputs."""
    clip = CLIPS / "single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"real clip {str(clip)!r} absent (set GLIMPSE_CLIPS to the folder holding it)")
    findings = load_script(SCRIPT, "record_findings")
    return findings, findings.record(clip, frames=True), findings.record(clip, frames=True)


def test_two_runs_record_the_same_outputs_on_every_frame(
    recorded: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    findings, first, second = recorded
    frames = first["per_frame"]
    assert len(frames) == first["frames"] == 72 and first["faces"] == 72
    assert all(set(f) == {"face", "motion", "score"} for f in frames)
    valid = [f["motion"] for f in frames if f["motion"][0]]
    assert len(valid) > 50 and all(m[3] and np.isfinite(list(m[3].values())).all() for m in valid)
    assert findings.diff({"c": first}, {"c": second}) == 0
    assert "same" in capsys.readouterr().out


def test_the_diff_names_the_first_changed_frame_and_the_largest_motion_change(
    recorded: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    findings, first, _ = recorded
    after = copy.deepcopy(first)
    frame = next(i for i, f in enumerate(after["per_frame"]) if f["motion"][0])
    region = next(iter(after["per_frame"][frame]["motion"][3]))
    after["per_frame"][frame]["motion"][3][region] += 2e-7
    after["per_frame"][40]["score"] += 1e-6
    assert findings.diff({"c": copy.deepcopy(first)}, {"c": after}) == 1
    out = capsys.readouterr().out
    assert "score differs from frame 40 on" in out and f"up to 2e-07 px (frame {frame})" in out
    after["per_frame"][5]["face"] = "0" * 16
    findings.diff({"c": copy.deepcopy(first)}, {"c": after})
    assert "face differs from frame 5 on" in capsys.readouterr().out
