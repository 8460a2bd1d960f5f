"""One source of truth per seam: every config ``Literal`` names exactly its registry's entries, and every entry builds.

A backend whose hardware library is absent here is skipped, saying which library.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from pydantic import BaseModel

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.capture.registry import CAMERA_SCHEMES, SOURCES, open_source
from edge.config import GlimpseConfig, validate
from edge.doctor.checks.engine import BACKEND_MODULES
from edge.engine.config import EngineConfig
from edge.face.config import FaceConfig
from edge.face.registry import TRACKERS, build_tracker
from edge.inference.registry import BACKENDS, load_backend
from edge.motion.config import MotionConfig
from edge.motion.features import FLOW_METHODS
from edge.motion.registry import ANALYZERS, build_motion
from edge.sinks.gpio.config import GpioConfig
from edge.sinks.gpio.sink import BACKENDS as GPIO_BACKENDS
from edge.sinks.gpio.sink import open_backend
from edge.spotting.config import SpottingConfig
from edge.spotting.registry import SPOTTERS, build_spotter

REPO = Path(__file__).resolve().parents[2]


def _choices(model: type[BaseModel], field: str) -> set[str]:
    return set(get_args(model.model_fields[field].annotation))


@pytest.mark.parametrize(
    ("model", "field", "registry"),
    [
        (FaceConfig, "tracker", TRACKERS),
        (MotionConfig, "type", ANALYZERS),
        (SpottingConfig, "type", SPOTTERS),
        (EngineConfig, "backend", BACKENDS),
        (EngineConfig, "flow_method", dict.fromkeys(FLOW_METHODS)),
        (GpioConfig, "backend", GPIO_BACKENDS),
    ],
    ids=["face.tracker", "motion.type", "spotting.type", "engine.backend", "engine.flow_method", "gpio.backend"],
)
def test_config_literal_names_exactly_the_registry(
    model: type[BaseModel], field: str, registry: dict[str, Any]
) -> None:
    assert _choices(model, field) == set(registry)


def test_doctor_checks_the_modules_of_every_inference_backend() -> None:
    assert set(BACKEND_MODULES) == set(BACKENDS)


def _require(*modules: str) -> None:
    for module in modules:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"{module} is not installed here (hardware library); the backend cannot load")


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_inference_backend_runs_the_engine_model(name: str) -> None:
    _require(*BACKEND_MODULES[name])
    model = REPO / "models" / ("glimpse_me.onnx" if name == "onnxruntime" else "glimpse_me.int8.onnx")
    with load_backend(name, model) as backend:
        assert backend.name == name
        assert [i.name for i in backend.inputs] == ["x"]
        out = backend.run({"x": np.zeros((2, 3, 28, 28), np.float32)})
        assert {o.name for o in backend.outputs} == set(out) and out["emotion"].shape == (2, 3)
        backend.close()  # idempotent: the context exit closes it again


@pytest.mark.parametrize("name", sorted(TRACKERS))
def test_every_tracker_builds_and_processes_a_frame(name: str) -> None:
    from edge.capture.base import Frame

    tracker = build_tracker(validate({"face": {"tracker": name}}))
    try:
        seen = tracker.process(Frame(0, 0, np.full((240, 320), 128, np.uint8), "test"))
        assert seen.frame_index == 0
    finally:
        tracker.close()
        tracker.close()


@pytest.mark.parametrize("name", sorted(ANALYZERS))
def test_every_motion_analyzer_builds(name: str) -> None:
    analyzer = build_motion(validate({"motion": {"type": name}}))
    analyzer.close()
    analyzer.close()


@pytest.mark.parametrize("name", sorted(SPOTTERS))
def test_every_spotter_builds_with_what_the_stage_builder_hands_it(name: str) -> None:
    from edge.engine.factory import build_engine_model

    config = validate({"spotting": {"type": name}})
    with build_engine_model(config) as model:
        spotter = build_spotter(config, scorer=model.spot if name == "learned" else None)
        assert spotter.score == 0.0
        spotter.close()
        spotter.close()


@pytest.mark.parametrize("name", sorted(GPIO_BACKENDS))
def test_every_gpio_backend_builds(name: str) -> None:
    config = GpioConfig(backend=name)  # type: ignore[arg-type]
    if name == "gpiozero":
        from gpiozero.pins.mock import MockFactory, MockPWMPin

        backend = open_backend(config, pin_factory=MockFactory(pin_class=MockPWMPin))
    else:
        _require("Jetson.GPIO")
        backend = open_backend(config)
    backend.close()
    backend.close()


@pytest.mark.parametrize("scheme", sorted(SOURCES))
def test_every_source_opens_and_reads(scheme: str) -> None:
    if scheme in CAMERA_SCHEMES:
        pytest.skip(f"{scheme}: needs a camera (its fakes are in tests/unit/capture)")
    uri = {"synthetic": "synthetic:demo?realtime=false", "file": _clip_uri()}[scheme]
    with open_source(uri) as source:
        frame = source.read()
        assert frame is not None and frame.gray.dtype == np.uint8
    source.close()


def _clip_uri() -> str:
    from tests_support import CLIPS

    clip = CLIPS / "single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is absent (the shared clips are not in the repository)")
    return f"file:{clip}?realtime=false"


def test_defaults_name_registered_entries() -> None:
    config = GlimpseConfig()
    assert config.face.tracker in TRACKERS and config.motion.type in ANALYZERS
    assert (
        config.spotting.type in SPOTTERS and config.engine.backend in BACKENDS and config.gpio.backend in GPIO_BACKENDS
    )
