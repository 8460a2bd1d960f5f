"""TensorRTBackend and the engine builder against the fake tensorrt / pycuda surface (8.5 and 10)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from fake_trt import ENGINE_MAGIC, FakeCuda, FakeTrt, LogicError, reference_outputs

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.errors import ModelError
from edge.inference.tensorrt import CudaContext, TensorRTBackend
from edge.inference.trtcache import BuildSettings, build_engine, cache_dir, cache_key, engine_for


@pytest.fixture
def onnx_file(tmp_path: Path) -> Path:
    path = tmp_path / "glimpse_me.int8.onnx"
    path.write_bytes(b"not really onnx, but bytes the fake parser accepts")
    return path


def _build(onnx_file: Path, trt: FakeTrt, cuda: FakeCuda, folder: Path, settings: BuildSettings | None = None) -> Path:
    with CudaContext(cuda) as gpu, gpu.current():  # type: ignore[arg-type]
        return build_engine(onnx_file, trt, cuda, folder, settings or BuildSettings(max_batch=4))  # type: ignore[arg-type]


def _built(onnx_file: Path, generation: int) -> tuple[FakeTrt, FakeCuda, Path]:
    cuda = FakeCuda()
    trt = FakeTrt(generation, cuda)
    return trt, cuda, _build(onnx_file, trt, cuda, onnx_file.parent / "cache")


@pytest.mark.parametrize("generation", [8, 10])
def test_runs_named_tensors_v3_on_8_5_and_10(onnx_file: Path, generation: int) -> None:
    """TensorRT 8.5 already has num_io_tensors / execute_async_v3: v3 is what runs on both."""
    trt, cuda, engine = _built(onnx_file, generation)
    x = np.random.default_rng(0).random((3, 3, 28, 28), dtype=np.float32)
    with TensorRTBackend(engine, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        assert trt.calls == ["v3", "execute"]  # the warm-up ran once, on the named-tensor API
        out = backend.run({"x": x})
        one = backend.run({"x": x[:1]})
        assert [s.name for s in backend.inputs] == ["x"]
        assert [s.name for s in backend.outputs] == ["spot", "emotion", "au"]
    ref = reference_outputs(x)
    for name in ref:
        np.testing.assert_allclose(out[name], ref[name], rtol=1e-5)
    assert out["emotion"].shape == (3, 3) and one["emotion"].shape == (1, 3)
    assert set(trt.calls) == {"v3", "execute"}


def test_tensorrt_8_5_nptype_is_not_needed(onnx_file: Path) -> None:
    """8.5's trt.nptype fails under NumPy 1.24-1.26 (np.bool; NumPy 2 has it again): dtypes are mapped here."""
    trt, cuda, engine = _built(onnx_file, 8)
    trt.numpy_version = "1.26.4"  # what the Jetson venv pins (numpy<2)
    with pytest.raises(AttributeError, match="bool"):
        trt.nptype(trt.DataType.FLOAT)
    with TensorRTBackend(engine, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        assert backend.inputs[0].dtype == "float32"


def test_runs_on_another_thread_in_the_primary_context(onnx_file: Path) -> None:
    """Built on the main thread, run on the analysis thread: every CUDA call has the context pushed there."""
    trt, cuda, engine = _built(onnx_file, 10)
    x = np.random.default_rng(1).random((2, 3, 28, 28), dtype=np.float32)
    backend = TensorRTBackend(engine, trt=trt, cuda=cuda)  # type: ignore[arg-type]
    assert cuda.current() is None  # nothing left pushed on the constructing thread
    results: list[dict[str, np.ndarray]] = []
    worker = threading.Thread(target=lambda: results.append(backend.run({"x": x})), name="glimpse-analysis")
    worker.start()
    worker.join()
    np.testing.assert_allclose(results[0]["spot"], reference_outputs(x)["spot"], rtol=1e-5)
    backend.close()
    assert trt.contexts and all(c is cuda.primary for c in trt.contexts)  # TensorRT and pycuda share it
    assert cuda.retained == 0 and cuda.current() is None


def test_fake_rejects_cuda_calls_without_a_current_context() -> None:
    """What pycuda.autoinit did: a context current on the main thread only, copies from another thread."""
    cuda = FakeCuda()
    cuda.init()
    ctx = cuda.Device(0).retain_primary_context()
    ctx.push()  # current here, on the main thread, as pycuda.autoinit leaves it
    host = cuda.pagelocked_empty(4, np.float32)
    device = cuda.mem_alloc(host.nbytes)
    errors: list[BaseException] = []

    def analysis() -> None:
        try:
            cuda.memcpy_htod_async(device, host, None)
        except LogicError as exc:
            errors.append(exc)

    worker = threading.Thread(target=analysis)
    worker.start()
    worker.join()
    cuda.Context.pop()
    assert len(errors) == 1 and "invalid device context" in str(errors[0])
    with pytest.raises(LogicError, match="invalid device context"):
        cuda.mem_alloc(16)  # nothing current on this thread any more either


def test_copies_only_the_rows_in_use(onnx_file: Path) -> None:
    trt, cuda, engine = _built(onnx_file, 10)  # max batch 4
    with TensorRTBackend(engine, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        cuda.copies.clear()
        backend.run({"x": np.zeros((1, 3, 28, 28), np.float32)})
    assert cuda.copies == [("htod", 3 * 28 * 28 * 4), ("dtoh", 4), ("dtoh", 3 * 4), ("dtoh", 17 * 4)]


def test_onnx_path_resolves_to_cached_engine(onnx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trt, cuda, engine = _built(onnx_file, 10)
    monkeypatch.setenv("GLIMPSE_ENGINE_CACHE", str(engine.parent))
    with TensorRTBackend(onnx_file, trt=trt, cuda=cuda) as backend:  # type: ignore[arg-type]
        assert backend.engine_path == engine


def test_missing_engine_says_how_to_build(onnx_file: Path, tmp_path: Path) -> None:
    cuda = FakeCuda()
    cuda.init()  # import_tensorrt() does this
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
    assert cuda.retained == 0 and cuda.current() is None  # a failed open releases the context it retained


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
    assert len(cuda.freed) == 4 and cuda.retained == 0
    with pytest.raises(ModelError, match="closed"):
        backend.run({"x": np.zeros((1, 3, 28, 28), np.float32)})


@pytest.mark.parametrize(("generation", "flags"), [(8, 1), (10, 0)])
def test_build_flags_profile_cache_and_sidecar(onnx_file: Path, generation: int, flags: int) -> None:
    trt, cuda, engine = _built(onnx_file, generation)
    record = trt.built[0]
    assert record["network_flags"] == flags  # EXPLICIT_BATCH on 8.x only
    assert record["flags"] == ["INT8", "FP16"]
    assert record["workspace"] == 256 << 20  # bounded, not the whole shared RAM
    assert record["profile"] == {"x": ((1, 3, 28, 28), (1, 3, 28, 28), (4, 3, 28, 28))}
    assert engine.read_bytes().startswith(ENGINE_MAGIC)
    meta = json.loads(engine.with_suffix(".json").read_text())
    assert meta["tensorrt"] == trt.__version__ and meta["gpu"] == "Orin (fake)" and meta["max_batch"] == 4
    assert meta["precision"] == "int8+fp16" and meta["engine_bytes"] == engine.stat().st_size
    assert f"trt{trt.__version__}" in engine.name and "Orin_fake" in engine.name
    again = _build(onnx_file, trt, cuda, engine.parent)
    assert again == engine and len(trt.built) == 1  # cache hit: no rebuild
    assert trt.contexts and all(c is cuda.primary for c in trt.contexts)  # built in the pushed context
    assert sorted(p.name for p in engine.parent.iterdir()) == [engine.name, engine.with_suffix(".json").name]


def test_other_build_settings_are_other_engines(onnx_file: Path) -> None:
    trt, cuda, first = _built(onnx_file, 10)
    folder = first.parent
    variants = [BuildSettings(max_batch=8), BuildSettings(max_batch=4, fp16=False), BuildSettings(4, True, 512)]
    paths = [_build(onnx_file, trt, cuda, folder, s) for s in variants]
    assert len({first, *paths}) == 4 and len(trt.built) == 4  # no stale hit for any setting
    assert [json.loads(p.with_suffix(".json").read_text())["max_batch"] for p in paths] == [8, 4, 4]
    assert json.loads(paths[1].with_suffix(".json").read_text())["precision"] == "int8"
    assert trt.built[3]["workspace"] == 512 << 20
    assert engine_for(onnx_file, trt, cuda, folder) == paths[-1]  # type: ignore[arg-type]  # newest complete


def test_interrupted_build_is_not_a_cache_hit(onnx_file: Path) -> None:
    """A crash after the engine but before its sidecar, or a truncated engine: rebuilt, never loaded."""
    trt, cuda, engine = _built(onnx_file, 10)
    engine.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match="no complete TensorRT engine"):
        engine_for(onnx_file, trt, cuda, engine.parent)  # type: ignore[arg-type]
    assert _build(onnx_file, trt, cuda, engine.parent) == engine and len(trt.built) == 2
    engine.write_bytes(engine.read_bytes()[:5])
    assert _build(onnx_file, trt, cuda, engine.parent) == engine and len(trt.built) == 3
    assert engine.read_bytes().startswith(ENGINE_MAGIC)


def test_state_cache_is_used_and_created_under_the_state_directory(tmp_path: Path) -> None:
    state = tmp_path / "glimpse" / "engines"
    assert cache_dir({}, state) == Path.home() / ".cache" / "glimpse" / "engines"  # no state directory
    state.parent.mkdir()
    assert cache_dir({}, state) == state  # StateDirectory= exists: engines/ is made by the build
    assert cache_dir({"GLIMPSE_ENGINE_CACHE": str(tmp_path / "x")}, state) == tmp_path / "x"


def test_parse_failure_lists_parser_errors(onnx_file: Path) -> None:
    cuda = FakeCuda()
    with pytest.raises(ModelError, match="unsupported op"):
        _build(onnx_file, FakeTrt(10, cuda, parse_ok=False), cuda, onnx_file.parent)


def test_cache_key_changes_with_model_version_gpu_and_settings() -> None:
    s = BuildSettings()
    base = cache_key(Path("m.int8.onnx"), "a" * 64, "10.3.0", "Orin", s)
    assert base == "m.int8-aaaaaaaaaaaaaaaa-trt10.3.0-Orin-b32-int8_fp16-ws256"
    assert cache_key(Path("m.int8.onnx"), "b" * 64, "10.3.0", "Orin", s) != base
    assert cache_key(Path("m.int8.onnx"), "a" * 64, "8.5.2", "Orin", s) != base
    assert cache_key(Path("m.int8.onnx"), "a" * 64, "10.3.0", "Xavier NX", s) != base
    assert cache_key(Path("m.onnx"), "a" * 64, "10.3.0", "Orin", BuildSettings(fp16=False)).endswith("-b32-fp32-ws256")


def test_static_face_model_builds_without_a_profile(tmp_path: Path) -> None:
    """The face models bake batch 1 into their reshapes: no optimisation profile, max_batch 1."""
    model = tmp_path / "face_detector.onnx"
    model.write_bytes(b"static graph")
    cuda = FakeCuda()
    trt = FakeTrt(10, cuda)
    trt.input_shape = (1, 3, 128, 128)
    engine = _build(model, trt, cuda, tmp_path / "cache", BuildSettings(max_batch=32))
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
    monkeypatch.setitem(sys.modules, "pycuda.driver", cuda)
    pycuda.driver = cuda  # type: ignore[attr-defined]
    assert main(["engine", "build", "--cache", str(tmp_path), "--workspace-mib", "128"]) == 0
    out = capsys.readouterr().out
    for name in ("glimpse_me.int8.onnx", "face_detector.onnx", "face_landmarks.onnx"):
        assert f"engine for {name}" in out
    assert len(list(tmp_path.glob("*.engine"))) == 3
    assert [r["workspace"] for r in trt.built] == [128 << 20] * 3
    assert cuda.retained == 0 and cuda.current() is None  # the build's context was pushed, popped, released


def test_engine_build_without_tensorrt_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from edge.cli import main

    monkeypatch.setitem(sys.modules, "pycuda.driver", None)  # import fails like on a machine without JetPack
    assert main(["engine", "build"]) == 1
    assert "needs tensorrt and pycuda" in capsys.readouterr().out
