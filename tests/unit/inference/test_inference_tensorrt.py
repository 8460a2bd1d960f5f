"""TensorRTBackend and the engine builder against the fake tensorrt / pycuda surface (both API generations)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fake_trt import ENGINE_MAGIC, FakeCuda, FakeTrt, reference_outputs

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.errors import ModelError
from edge.inference.tensorrt import TensorRTBackend
from edge.inference.trtcache import build_engine, cache_key, engine_for


@pytest.fixture
def onnx_file(tmp_path: Path) -> Path:
    path = tmp_path / "glimpse_me.int8.onnx"
    path.write_bytes(b"not really onnx, but bytes the fake parser accepts")
    return path


def _built(onnx_file: Path, generation: int) -> tuple[FakeTrt, FakeCuda, Path]:
    cuda = FakeCuda()
    trt = FakeTrt(generation, cuda)
    engine = build_engine(onnx_file, trt, cuda, onnx_file.parent / "cache", max_batch=4)  # type: ignore[arg-type]
    return trt, cuda, engine


@pytest.mark.parametrize(("generation", "call"), [(8, "v2"), (10, "v3")])
def test_runs_and_matches_reference_on_both_generations(onnx_file: Path, generation: int, call: str) -> None:
    trt, cuda, engine = _built(onnx_file, generation)
    x = np.random.default_rng(0).random((3, 3, 28, 28), dtype=np.float32)
    with TensorRTBackend(engine, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        assert trt.calls == [call, "execute"]  # the warm-up ran once, on the right API
        out = backend.run({"x": x})
        one = backend.run({"x": x[:1]})
        assert [s.name for s in backend.inputs] == ["x"]
        assert [s.name for s in backend.outputs] == ["spot", "emotion", "au"]
    ref = reference_outputs(x)
    for name in ref:
        np.testing.assert_allclose(out[name], ref[name], rtol=1e-5)
    assert out["emotion"].shape == (3, 3) and one["emotion"].shape == (1, 3)
    assert set(trt.calls) == {call, "execute"}


def test_onnx_path_resolves_to_cached_engine(onnx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trt, cuda, engine = _built(onnx_file, 10)
    monkeypatch.setenv("GLIMPSE_ENGINE_CACHE", str(engine.parent))
    with TensorRTBackend(onnx_file, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        assert backend.engine_path == engine


def test_missing_engine_says_how_to_build(onnx_file: Path, tmp_path: Path) -> None:
    cuda = FakeCuda()
    with pytest.raises(ModelError, match="glimpse engine build"):
        engine_for(onnx_file, FakeTrt(10, cuda), cuda, tmp_path / "empty")  # type: ignore[arg-type]


def test_engine_from_other_tensorrt_version_is_refused(onnx_file: Path) -> None:
    _, cuda, engine = _built(onnx_file, 8)
    with pytest.raises(ModelError, match=r"built by TensorRT '8\.5\.2\.2'.*'10\.3\.0'"):
        TensorRTBackend(engine, trt=FakeTrt(10, cuda), cuda=cuda)  # type: ignore[arg-type]


def test_engine_that_does_not_deserialize_is_refused(onnx_file: Path) -> None:
    trt, cuda, engine = _built(onnx_file, 10)
    engine.write_bytes(b"corrupt or for another GPU")
    with pytest.raises(ModelError, match="could not deserialize"):
        TensorRTBackend(engine, trt=trt, cuda=cuda)  # type: ignore[arg-type]


def test_engine_without_sidecar_is_refused(onnx_file: Path) -> None:
    trt, cuda, engine = _built(onnx_file, 10)
    engine.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match="sidecar"):
        TensorRTBackend(engine, trt=trt, cuda=cuda)  # type: ignore[arg-type]


def test_wrong_feeds_and_batch_are_clear_errors(onnx_file: Path) -> None:
    trt, cuda, engine = _built(onnx_file, 10)
    with TensorRTBackend(engine, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        with pytest.raises(ModelError, match="do not match"):
            backend.run({"input": np.zeros((1, 3, 28, 28), np.float32)})
        with pytest.raises(ModelError, match=r"batch 5 .*1\.\.4"):
            backend.run({"x": np.zeros((5, 3, 28, 28), np.float32)})


def test_close_is_idempotent_and_frees_device_memory(onnx_file: Path) -> None:
    trt, cuda, engine = _built(onnx_file, 8)
    backend = TensorRTBackend(engine, trt=trt, cuda=cuda)  # type: ignore[arg-type]
    backend.close()
    backend.close()
    assert len(cuda.freed) == 4
    with pytest.raises(ModelError, match="closed"):
        backend.run({"x": np.zeros((1, 3, 28, 28), np.float32)})


@pytest.mark.parametrize(("generation", "flags"), [(8, 1), (10, 0)])
def test_build_flags_profile_cache_and_sidecar(onnx_file: Path, generation: int, flags: int) -> None:
    trt, cuda, engine = _built(onnx_file, generation)
    record = trt.built[0]
    assert record["network_flags"] == flags  # EXPLICIT_BATCH on 8.x only
    assert record["flags"] == ["INT8", "FP16"]
    assert record["profile"] == {"x": ((1, 3, 28, 28), (1, 3, 28, 28), (4, 3, 28, 28))}
    assert engine.read_bytes().startswith(ENGINE_MAGIC)
    meta = json.loads(engine.with_suffix(".json").read_text())
    assert meta["tensorrt"] == trt.__version__ and meta["gpu"] == "Orin (fake)" and meta["max_batch"] == 4
    assert f"trt{trt.__version__}" in engine.name and "Orin_fake" in engine.name
    again = build_engine(onnx_file, trt, cuda, engine.parent)  # type: ignore[arg-type]
    assert again == engine and len(trt.built) == 1  # cache hit: no rebuild


def test_parse_failure_lists_parser_errors(onnx_file: Path) -> None:
    cuda = FakeCuda()
    with pytest.raises(ModelError, match="unsupported op"):
        build_engine(onnx_file, FakeTrt(10, cuda, parse_ok=False), cuda, onnx_file.parent)  # type: ignore[arg-type]


def test_cache_key_changes_with_model_version_and_gpu() -> None:
    base = cache_key(Path("m.int8.onnx"), "a" * 64, "10.3.0", "Orin")
    assert base == "m.int8-aaaaaaaaaaaaaaaa-trt10.3.0-Orin"
    assert cache_key(Path("m.int8.onnx"), "b" * 64, "10.3.0", "Orin") != base
    assert cache_key(Path("m.int8.onnx"), "a" * 64, "8.5.2", "Orin") != base
    assert cache_key(Path("m.int8.onnx"), "a" * 64, "10.3.0", "Xavier NX") != base


def test_static_face_model_builds_without_a_profile(tmp_path: Path) -> None:
    """The face models bake batch 1 into their reshapes: no optimisation profile, max_batch 1."""
    model = tmp_path / "face_detector.onnx"
    model.write_bytes(b"static graph")
    cuda = FakeCuda()
    trt = FakeTrt(10, cuda)
    trt.input_shape = (1, 3, 128, 128)
    engine = build_engine(model, trt, cuda, tmp_path / "cache", max_batch=32)  # type: ignore[arg-type]
    assert trt.built[0]["profile"] is None
    assert trt.built[0]["flags"] == ["FP16"]  # not a QDQ model: no INT8 flag
    assert json.loads(engine.with_suffix(".json").read_text())["max_batch"] == 1


def test_engine_build_cli_builds_engine_and_face_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys
    import types

    from edge.cli import main

    cuda = FakeCuda()
    trt = FakeTrt(10, cuda)
    pycuda = types.ModuleType("pycuda")
    monkeypatch.setitem(sys.modules, "tensorrt", trt)
    monkeypatch.setitem(sys.modules, "pycuda", pycuda)
    monkeypatch.setitem(sys.modules, "pycuda.autoinit", types.ModuleType("pycuda.autoinit"))
    monkeypatch.setitem(sys.modules, "pycuda.driver", cuda)
    pycuda.driver = cuda  # type: ignore[attr-defined]
    assert main(["engine", "build", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("glimpse_me.int8.onnx", "face_detector.onnx", "face_landmarks.onnx"):
        assert f"engine for {name}" in out
    assert len(list(tmp_path.glob("*.engine"))) == 3


def test_engine_build_without_tensorrt_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from edge.cli import main

    monkeypatch.setitem(sys.modules, "pycuda.autoinit", None)  # import fails like on a machine without JetPack
    assert main(["engine", "build"]) == 1
    assert "needs tensorrt and pycuda" in capsys.readouterr().out
