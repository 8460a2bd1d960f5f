"""scripts/install.sh and uninstall.sh in a throwaway root: files laid down, idempotent, config kept."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edge.config import read_file, validate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = [REPO / "scripts" / "install.sh", REPO / "scripts" / "uninstall.sh"]
pytestmark = pytest.mark.integration


def run(script: str, root: Path, plan: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GLIMPSE_INSTALL_PLAN": str(plan)}
    env.pop("DESTDIR", None)
    return subprocess.run(
        ["bash", str(REPO / "scripts" / script), "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file under root: (sha256, mode, mtime_ns)."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        st = path.stat()
        out[str(path.relative_to(root))] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mode, st.st_mtime_ns)
    return out


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed (apt package shellcheck)")
def test_scripts_are_shellcheck_clean() -> None:
    done = subprocess.run(["shellcheck", *map(str, SCRIPTS)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_pi_install_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "proc" / "device-tree").mkdir(parents=True)
    (root / "proc" / "device-tree" / "model").write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\0")
    plan = tmp_path / "plan"
    first = run("install.sh", root, plan, "--yes", "--with-mqtt-host", "192.0.2.10", "--device-id", "kiosk 7")
    assert "platform: pi" in first.stdout

    etc = root / "etc"
    for path in [
        etc / "systemd/system/glimpse.service",
        etc / "systemd/system/glimpse.service.d/50-network.conf",
        etc / "udev/rules.d/99-glimpse-gpio.rules",
        root / "opt/glimpse/.glimpse-install",
        root / "opt/glimpse/share/firmware_config/pi/camera-v2-imx219.txt",
    ]:
        assert path.is_file(), path
    assert (root / "var/lib/glimpse/engines").is_dir()  # the TensorRT engine cache (edge.inference.trtcache)
    for model in (REPO / "models").glob("*.onnx"):
        assert (root / "opt/glimpse/models" / model.name).read_bytes() == model.read_bytes()
    assert oct((etc / "glimpse/credentials").stat().st_mode & 0o777) == "0o700"
    assert oct((etc / "glimpse/credentials/mqtt-password").stat().st_mode & 0o777) == "0o600"

    config = validate(read_file(etc / "glimpse/glimpse.toml"))  # the written default is a valid config
    assert config.source.uri == "picamera2:0" and config.source.fps == 200
    assert config.mqtt.enabled and config.mqtt.host == "192.0.2.10" and config.device.id == "kiosk-7"
    assert "IPAddressAllow=192.0.2.10" in (etc / "systemd/system/glimpse.service.d/50-network.conf").read_text()

    commands = plan.read_text().splitlines()
    assert any("apt-get install" in c and "python3-picamera2" in c and "python3-opencv" in c for c in commands)
    assert "python3 -m venv --system-site-packages /opt/glimpse/venv" in commands
    assert any(c.startswith("/opt/glimpse/venv/bin/pip install") and c.endswith(f"{REPO}[pi]") for c in commands)
    assert any(c.startswith("useradd --system") and c.endswith("glimpse") for c in commands)
    assert "usermod --append --groups video,gpio glimpse" in commands
    assert "systemctl enable glimpse.service" in commands and "systemctl daemon-reload" in commands
    assert any("glimpse doctor" in c for c in commands)
    assert not any("engine build" in c for c in commands)  # Jetson only

    before = snapshot(root)
    plan.write_text("")
    second = run("install.sh", root, plan, "--yes")
    assert snapshot(root) == before
    assert "done: 0 file(s) written" in second.stdout
    assert "systemctl daemon-reload" not in plan.read_text().splitlines()


def test_user_config_is_never_overwritten(tmp_path: Path) -> None:
    root, plan = tmp_path / "root", tmp_path / "plan"
    (root / "etc/glimpse").mkdir(parents=True)
    mine = '[source]\nuri = "v4l2:/dev/video2"\n\n[mqtt]\nenabled = true\nhost = "192.0.2.99"\n'
    (root / "etc/glimpse/glimpse.toml").write_text(mine)
    done = run("install.sh", root, plan, "--platform", "other", "--with-mqtt-host", "192.0.2.1")
    assert (root / "etc/glimpse/glimpse.toml").read_text() == mine
    assert "only shape a new configuration" in done.stderr
    dropin = (root / "etc/systemd/system/glimpse.service.d/50-network.conf").read_text()
    assert "IPAddressAllow=192.0.2.99" in dropin and "192.0.2.1\n" not in dropin


def test_jetson_install_builds_the_engine_with_a_prefix(tmp_path: Path) -> None:
    root, plan = tmp_path / "root", tmp_path / "plan"
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R36 (release), REVISION: 4.0\n")
    run("install.sh", root, plan, "--prefix", "/srv/glimpse", "--no-start", "--allow-net", "10.1.0.0/16")
    unit = (root / "etc/systemd/system/glimpse.service").read_text()
    assert "ExecStart=/srv/glimpse/venv/bin/glimpse run" in unit and "/opt/glimpse" not in unit
    assert (root / "etc/systemd/system/glimpse-jetson-clocks.service").is_file()
    config = validate(read_file(root / "etc/glimpse/glimpse.toml"))
    assert config.source.uri == "argus:0" and config.engine.backend == "tensorrt"
    commands = plan.read_text().splitlines()
    assert any("glimpse engine build" in c for c in commands)
    pip = [c for c in commands if "/venv/bin/pip install" in c and c.endswith(f"{REPO}[jetson]")]
    assert len(pip) == 1 and pip[0].startswith("env PATH=/usr/local/cuda/bin:")  # pycuda's build finds nvcc
    assert " CUDA_ROOT=/usr/local/cuda " in pip[0]
    assert not any(c.startswith("systemctl restart") for c in commands)
    assert "IPAddressAllow=10.1.0.0/16" in (root / "etc/systemd/system/glimpse.service.d/50-network.conf").read_text()


def test_jetpack_5_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref\n")
    done = subprocess.run(
        ["bash", str(SCRIPTS[0]), "--root", str(root)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 1 and "expected JetPack 6 (L4T R36)" in done.stderr


def test_package_metadata_keeps_pypi_opencv_and_numpy_2_off_the_boards() -> None:
    """PyPI OpenCV has no GStreamer (argus) and needs NumPy 2, which breaks Bookworm's python3-picamera2."""
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = {Requirement(r).name: Requirement(r) for r in project["dependencies"]}
    cv = base["opencv-python-headless"]
    assert cv.marker is not None
    assert cv.marker.evaluate({"platform_machine": "x86_64"})  # CI and laptops keep the wheel
    assert not cv.marker.evaluate({"platform_machine": "aarch64"})  # Pi and Jetson take the OS package
    extras = project["optional-dependencies"]
    assert any(Requirement(r).name == "opencv-python-headless" for r in extras["opencv"])
    for board in ("pi", "jetson"):
        numpy = next(Requirement(r) for r in extras[board] if Requirement(r).name == "numpy")
        assert "1.24.2" in numpy.specifier and "1.26.4" in numpy.specifier and "2.0.0" not in numpy.specifier
        assert not any(Requirement(r).name.startswith("opencv") for r in extras[board])


def test_uninstall_keeps_data_unless_purged(tmp_path: Path) -> None:
    root, plan = tmp_path / "root", tmp_path / "plan"
    run("install.sh", root, plan, "--platform", "other")
    (root / "var/lib/glimpse/events.db").write_bytes(b"events")
    run("uninstall.sh", root, plan)
    assert not (root / "opt/glimpse").exists()
    assert not (root / "etc/systemd/system/glimpse.service").exists()
    assert (root / "etc/glimpse/glimpse.toml").is_file() and (root / "var/lib/glimpse/events.db").is_file()
    run("uninstall.sh", root, plan, "--purge")
    assert not (root / "etc/glimpse").exists() and not (root / "var/lib/glimpse").exists()
    assert "userdel glimpse" in plan.read_text().splitlines()


def test_bad_flags_are_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(SCRIPTS[0]), "--root", str(tmp_path), "--platform", "amiga"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "expected pi, jetson or other" in done.stderr
