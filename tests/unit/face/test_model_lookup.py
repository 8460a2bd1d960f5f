"""Face models are found the way an installed device finds them: $GLIMPSE_MODELS, not the working directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edge.config import validate
from edge.errors import ModelError
from edge.face.registry import build_tracker
from edge.face.tracker import resolve_model

REPO_MODELS = Path(__file__).resolve().parents[3] / "models"


def test_models_come_from_glimpse_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "opt" / "models"
    installed.mkdir(parents=True)
    for name in ("face_detector.onnx", "face_landmarks.onnx"):
        shutil.copy(REPO_MODELS / name, installed / name)
    monkeypatch.setenv("GLIMPSE_MODELS", str(installed))
    monkeypatch.chdir(tmp_path)  # systemd starts the daemon outside any checkout
    assert resolve_model("face_detector.onnx") == installed / "face_detector.onnx"
    assert resolve_model("models/face_detector.onnx") == installed / "face_detector.onnx"  # old-style value
    tracker = build_tracker(validate({}))
    tracker.close()


def test_missing_models_name_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLIMPSE_MODELS", str(tmp_path / "empty"))
    with pytest.raises(ModelError, match="empty"):
        build_tracker(validate({}))
