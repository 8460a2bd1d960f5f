"""The stage builder: one engine model per pipeline, shared by the learned spotter and the classifier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.config import validate
from edge.errors import ModelError
from edge.inference import ort
from edge.stages import build_analyzer


@pytest.mark.parametrize("spotter", ["roiflow", "learned"])
def test_the_engine_model_is_opened_once_and_closed_with_the_analyzer(
    spotter: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Path] = []
    real_init = ort.OrtBackend.__init__

    def counting_init(self: ort.OrtBackend, model_path: Path, *, threads: int = 1) -> None:
        opened.append(model_path)
        real_init(self, model_path, threads=threads)

    monkeypatch.setattr(ort.OrtBackend, "__init__", counting_init)
    analyzer = build_analyzer(validate({"spotting": {"type": spotter}}), "test")
    with analyzer:
        assert [p.name for p in opened].count("glimpse_me.onnx") == 1  # face models are opened too, once each
        engine = analyzer.stages.engine  # what the daemon's stats name
        assert (engine.backend, engine.model, len(engine.sha256)) == ("onnxruntime", "glimpse_me", 64)
        if spotter == "learned":
            x = np.zeros((1, 3, 28, 28), np.float32)
            assert analyzer.stages.spotter._scorer(x).shape == (1,)  # type: ignore[attr-defined]
    if spotter == "learned":  # closing the analyzer closed the one session the spotter used
        with pytest.raises(ModelError, match="closed"):
            analyzer.stages.spotter._scorer(x)  # type: ignore[attr-defined]
    analyzer.close()  # idempotent
