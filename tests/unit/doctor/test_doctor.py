"""`glimpse doctor`: each check's failures and fixes, the runner's exit code and the table."""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge.capture.base import Frame, FrameSource, SourceBase, SourceInfo
from edge.cli import main
from edge.config import validate
from edge.doctor import CHECKS, DoctorContext, Finding, Status, exit_code, run_checks
from edge.doctor.checks.camera import check_camera, source_uri
from edge.doctor.checks.clock import check_clock
from edge.doctor.checks.disk import check_disk
from edge.doctor.checks.engine import check_backend, check_engine_cache, check_models, expected_checksums
from edge.doctor.checks.gpio import check_gpio
from edge.doctor.checks.mqtt import check_mqtt
from edge.doctor.checks.thermal import check_temperature, check_throttling
from edge.doctor.cli import register
from edge.doctor.table import render
from edge.errors import SourceError


class PacedSource(SourceBase):
    """A camera delivering frames every ``period_ms`` of sensor time (no sleeping)."""

    def __init__(self, period_ms: float, fail: bool = False) -> None:
        super().__init__()
        self._period_ns, self._fail, self._n = int(period_ms * 1e6), fail, 0

    def open(self) -> SourceInfo:
        if self._fail:
            raise SourceError("picamera2:0: cannot start the camera: no cameras available")
        return SourceInfo("fake:", 8, 8, 0.0)

    def read(self) -> Frame | None:
        self._n += 1
        return Frame(self._n, self._n * self._period_ns, np.zeros((8, 8), np.uint8), "fake:")

    def __enter__(self) -> PacedSource:
        self.open()
        return self

    def close(self) -> None:
        pass


def ctx_for(tmp_path: Path, **overrides: Any) -> DoctorContext:
    settings = overrides.pop("settings", {})
    config = validate({"store": {"path": "/var/lib/glimpse/events.db"}, **settings})  # under root=tmp_path
    defaults: dict[str, Any] = {
        "root": tmp_path,
        "environ": {},
        "run": lambda argv: None,
        "models_dir": tmp_path / "models",
        "camera_seconds": 0.05,
    }
    defaults.update(overrides)
    return DoctorContext(config, **defaults)


def test_camera_ok_warn_and_fail(tmp_path: Path) -> None:
    opened: list[str] = []

    def opener(period_ms: float, fail: bool = False) -> Any:
        def open_source(uri: str) -> FrameSource:
            opened.append(uri)
            return PacedSource(period_ms, fail)

        return open_source

    settings = {"source": {"uri": "picamera2:0", "fps": 90}}
    ok = check_camera(ctx_for(tmp_path, settings=settings, open_source=opener(1000 / 90)))
    slow = check_camera(ctx_for(tmp_path, settings=settings, open_source=opener(1000 / 30)))
    gone = check_camera(ctx_for(tmp_path, settings=settings, open_source=opener(10, fail=True)))
    assert ok[0].status is Status.OK and "90.0 fps" in ok[0].detail
    assert slow[0].status is Status.WARN and "30.0 fps" in slow[0].detail
    assert gone[0].status is Status.FAIL and "rpicam-hello" in gone[0].fix
    assert opened[0] == "picamera2:0?width=640&height=480&fps=90.0"


def test_source_uri_keeps_explicit_params_and_files() -> None:
    config = validate({"source": {"uri": "v4l2:/dev/video0?fps=60", "width": 320}})
    assert source_uri(config.source) == "v4l2:/dev/video0?fps=60&width=320&height=480"
    assert source_uri(validate({"source": {"uri": "file:clip.mp4"}}).source) == "file:clip.mp4"


def test_gpio(tmp_path: Path) -> None:
    enabled = {"gpio": {"enabled": True}}
    assert check_gpio(ctx_for(tmp_path))[0].status is Status.SKIP
    assert check_gpio(ctx_for(tmp_path, settings=enabled))[0].status is Status.FAIL  # no chips
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "gpiochip0").write_bytes(b"")
    imported: list[str] = []
    ok = check_gpio(ctx_for(tmp_path, settings=enabled, importer=imported.append))
    assert ok[0].status is Status.OK and imported == ["gpiozero"]

    def no_lib(name: str) -> None:
        raise ImportError(f"No module named {name!r}")

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "nv_tegra_release").write_text("# R36")
    failed = check_gpio(ctx_for(tmp_path, settings=enabled, importer=no_lib))
    assert failed[0].status is Status.FAIL and "Jetson.GPIO" in failed[0].detail


def write_models(models: Path, manifest: dict[str, str] | None = None, readme: str = "") -> dict[str, str]:
    models.mkdir(parents=True, exist_ok=True)
    sums = {}
    for name, content in {"face_detector.onnx": b"detector", "me_engine.onnx": b"engine"}.items():
        (models / name).write_bytes(content)
        sums[name] = hashlib.sha256(content).hexdigest()
    if manifest is not None:
        (models / "models.json").write_text(json.dumps({k: {"file": k, "sha256": v} for k, v in manifest.items()}))
    if readme:
        (models / "README.md").write_text(readme)
    return sums


def test_model_checksums_from_manifest_and_readme(tmp_path: Path) -> None:
    models = tmp_path / "models"
    sums = write_models(
        models,
        manifest={"face_detector.onnx": "0" * 64},
        readme=f"| me_engine.onnx | `{hashlib.sha256(b'engine').hexdigest()}` |\n",
    )
    assert expected_checksums(models)["me_engine.onnx"] == sums["me_engine.onnx"]
    findings = {f.check: f for f in check_models(ctx_for(tmp_path))}
    assert findings["model face_detector.onnx"].status is Status.FAIL  # manifest says otherwise: tampered
    assert findings["model me_engine.onnx"].status is Status.OK


def test_model_without_checksum_is_unknown_and_missing_models_fail(tmp_path: Path) -> None:
    assert check_models(ctx_for(tmp_path))[0].status is Status.FAIL
    write_models(tmp_path / "models")
    findings = check_models(ctx_for(tmp_path))
    assert {f.status for f in findings} == {Status.WARN}
    assert all("expected unknown" in f.detail for f in findings)


def test_models_dir_from_environment(tmp_path: Path) -> None:
    write_models(tmp_path / "elsewhere")
    ctx = ctx_for(tmp_path, models_dir=None, environ={"GLIMPSE_MODELS": str(tmp_path / "elsewhere")})
    assert ctx.models() == tmp_path / "elsewhere" and len(check_models(ctx)) == 2


class FakeTensorRT:
    __version__ = "10.3.0"


def test_backend_and_engine_cache(tmp_path: Path) -> None:
    def importer(name: str) -> Any:
        if name == "tensorrt":
            return FakeTensorRT
        raise ImportError(f"No module named {name!r}")

    assert check_backend(ctx_for(tmp_path, importer=lambda n: None))[0].status is Status.OK
    trt = {"engine": {"backend": "tensorrt"}}
    failed = check_backend(ctx_for(tmp_path, settings=trt, importer=importer))
    assert failed[0].status is Status.FAIL and "pycuda" in failed[0].detail
    assert check_engine_cache(ctx_for(tmp_path))[0].status is Status.SKIP

    sums = write_models(tmp_path / "models")
    cache = tmp_path / "var" / "lib" / "glimpse" / "engines"
    cache.mkdir(parents=True)
    face = cache / f"face_detector-{sums['face_detector.onnx'][:16]}-trt10.3.0-orin-b32-fp16-ws256.engine"
    face.write_bytes(b"x")
    (cache / f"me_engine-{sums['me_engine.onnx'][:16]}-trt8.5.2-orin.engine").write_bytes(b"x")
    findings = {f.check: f for f in check_engine_cache(ctx_for(tmp_path, settings=trt, importer=importer))}
    unfinished = findings["engine face_detector"]
    assert unfinished.status is Status.FAIL and "sidecar" in unfinished.detail
    face.with_suffix(".json").write_text("{}")
    findings = {f.check: f for f in check_engine_cache(ctx_for(tmp_path, settings=trt, importer=importer))}
    assert findings["engine face_detector"].status is Status.OK
    assert (
        findings["engine me_engine"].status is Status.FAIL and "another TensorRT" in findings["engine me_engine"].detail
    )


def test_mqtt(tmp_path: Path) -> None:
    assert check_mqtt(ctx_for(tmp_path))[0].status is Status.SKIP
    calls: list[tuple[str, int]] = []

    def refuse(host: str, port: int, timeout: float) -> None:
        calls.append((host, port))
        raise ConnectionRefusedError(111, "Connection refused")

    settings = {"mqtt": {"enabled": True, "host": "192.0.2.7", "port": 8883}}
    failed = check_mqtt(ctx_for(tmp_path, settings=settings, connect=refuse))
    assert failed[0].status is Status.FAIL and "IPAddressAllow" in failed[0].fix
    assert calls == [("192.0.2.7", 8883)]
    assert check_mqtt(ctx_for(tmp_path, settings=settings, connect=lambda h, p, t: None))[0].status is Status.OK


def test_mqtt_against_a_real_listening_socket(tmp_path: Path) -> None:
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        found = check_mqtt(ctx_for(tmp_path, settings={"mqtt": {"enabled": True, "port": port}}))
    assert found[0].status is Status.OK


def test_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_disk(ctx_for(tmp_path))[0].status in (Status.OK, Status.WARN)
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**10, 10**10 - 10**7, 10**7))
    assert check_disk(ctx_for(tmp_path))[0].status is Status.FAIL


def test_clock(tmp_path: Path) -> None:
    assert check_clock(ctx_for(tmp_path))[0].status is Status.WARN  # no way to tell
    assert check_clock(ctx_for(tmp_path, run=lambda argv: (0, "no\n")))[0].status is Status.WARN
    assert check_clock(ctx_for(tmp_path, run=lambda argv: (0, "yes\n")))[0].status is Status.OK
    marker = tmp_path / "run" / "systemd" / "timesync" / "synchronized"
    marker.parent.mkdir(parents=True)
    marker.touch()
    assert check_clock(ctx_for(tmp_path))[0].status is Status.OK


@pytest.mark.parametrize(("millideg", "status"), [("45000", Status.OK), ("72500", Status.WARN), ("84000", Status.FAIL)])
def test_temperature(tmp_path: Path, millideg: str, status: Status) -> None:
    for i, value in enumerate(["30000", millideg]):
        zone = tmp_path / "sys" / "class" / "thermal" / f"thermal_zone{i}"
        zone.mkdir(parents=True)
        (zone / "temp").write_text(value + "\n")
    assert check_temperature(ctx_for(tmp_path))[0].status is status


@pytest.mark.parametrize(
    ("output", "status", "words"),
    [
        ("throttled=0x0\n", Status.OK, "never"),
        ("throttled=0x50000\n", Status.WARN, "under-voltage"),
        ("throttled=0x50005\n", Status.FAIL, "throttled"),
    ],
)
def test_throttling(tmp_path: Path, output: str, status: Status, words: str) -> None:
    seen: list[Sequence[str]] = []

    def run(argv: Sequence[str]) -> tuple[int, str]:
        seen.append(argv)
        return 0, output

    found = check_throttling(ctx_for(tmp_path, run=run))[0]
    assert found.status is status and words in found.detail
    assert list(seen[0]) == ["vcgencmd", "get_throttled"]
    assert check_throttling(ctx_for(tmp_path))[0].status is Status.SKIP


def test_runner_turns_crashes_into_failures_and_sets_the_exit_code(tmp_path: Path) -> None:
    def boom(ctx: DoctorContext) -> list[Finding]:
        raise ZeroDivisionError("oops")

    def fine(ctx: DoctorContext) -> list[Finding]:
        return [Finding("fine", Status.WARN, "meh", "do something")]

    findings = run_checks(ctx_for(tmp_path), {"fine": fine, "boom": boom, "camera": fine}, skip={"camera"})
    assert [(f.check, f.status) for f in findings] == [
        ("fine", Status.WARN),
        ("boom", Status.FAIL),
        ("camera", Status.SKIP),
    ]
    assert exit_code(findings) == 1
    assert exit_code(findings[:1]) == 0
    table = render(findings)
    assert "fix: do something" in table and "1 failure(s), 1 warning(s)" in table


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    skip_all = ",".join(CHECKS)
    args = parser.parse_args(["doctor", "--skip", skip_all, "--json"])
    assert args.func(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["status"] for line in lines} == {"skip"}
    args = parser.parse_args(["doctor", "--skip", "nonsense"])
    assert args.func(args) == 2
    assert main(["doctor", "--set", "mqtt.port=0"]) == 2  # the ConfigError reaches edge.cli, which maps it to 2
    assert "mqtt.port" in capsys.readouterr().err


def test_strict_exit_code_counts_warnings() -> None:
    warn = [Finding("clock", Status.WARN, "unknown"), Finding("disk", Status.OK, "fine")]
    assert exit_code(warn) == 0
    assert exit_code(warn, strict=True) == 1
    assert exit_code([Finding("camera", Status.FAIL, "absent")]) == 1
