"""The units pass `systemd-analyze verify` and keep the hardening the design requires."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICE = REPO / "systemd" / "glimpse.service"
CLOCKS = REPO / "firmware_config" / "jetson" / "glimpse-jetson-clocks.service"
pytestmark = pytest.mark.integration


def settings(unit: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing (apt package systemd)")
@pytest.mark.parametrize("unit", [SERVICE, CLOCKS], ids=lambda p: p.name)
def test_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    # verify insists that ExecStart programs exist: point them at stand-ins with the same arguments.
    text = unit.read_text()
    for program in set(re.findall(r"^Exec\w+=(\S+)", text, flags=re.M)):
        stand_in = tmp_path / Path(program).name
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
        text = text.replace(program, str(stand_in))
    copy = tmp_path / unit.name
    copy.write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False)
    problems = [line for line in done.stderr.splitlines() if unit.name in line or "Unknown" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_service_hardening_and_notify_contract() -> None:
    s = settings(SERVICE)
    assert s["Type"] == ["notify"] and s["Restart"] == ["on-failure"]
    assert int(s["WatchdogSec"][0]) >= 10 and s["StartLimitBurst"] and s["StartLimitIntervalSec"]
    assert s["User"] == ["glimpse"] and s["SupplementaryGroups"] == ["video gpio"]
    assert s["StateDirectory"] == ["glimpse"] and s["LogsDirectory"] == ["glimpse"]
    assert s["ProtectSystem"] == ["strict"] and s["NoNewPrivileges"] == ["yes"]
    assert s["DevicePolicy"] == ["closed"] and "PrivateDevices" not in s and "PrivateTmp" not in s
    allowed = " ".join(s["DeviceAllow"])
    for device in ("char-video4linux", "char-media", "char-dma_heap", "char-gpiochip", "char-nvhost", "/dev/nvmap"):
        assert device in allowed
    assert s["IPAddressDeny"] == ["any"] and s["IPAddressAllow"] == ["localhost"]
    assert any(c.startswith("mqtt-password:/etc/glimpse/credentials/") for c in s["LoadCredential"])


# Character-device names as the drivers register them in /proc/devices (from the kernel and L4T driver
# sources: nvhost's alloc_chrdev_region(..., "nvhost"), nvgpu's with dev_name() of the GPU platform
# device), not captured from a device: confirm with `grep -E 'nvhost|gpu|ga10b|gv11b' /proc/devices`.
PROC_DEVICES = {
    "pi5": ["mem", "tty", "video4linux", "media", "dma_heap", "gpiochip", "rpmb", "bcm2835-gpiomem"],
    "orin-r35": ["mem", "tty", "video4linux", "media", "gpiochip", "nvhost", "17000000.ga10b", "nvmap"],
    "orin-r36": ["mem", "tty", "video4linux", "media", "gpiochip", "nvhost", "17000000.gpu"],
    "xavier-r35": ["mem", "tty", "video4linux", "media", "gpiochip", "nvhost", "17000000.gv11b"],
}
NEEDED = {
    "pi5": {"video4linux", "media", "dma_heap", "gpiochip"},
    "orin-r35": {"video4linux", "media", "gpiochip", "nvhost", "17000000.ga10b"},
    "orin-r36": {"video4linux", "media", "gpiochip", "nvhost", "17000000.gpu"},
    "xavier-r35": {"video4linux", "media", "gpiochip", "nvhost", "17000000.gv11b"},
}


def allowed_names(patterns: list[str], names: list[str]) -> set[str]:
    """What systemd allows: each ``char-GLOB`` is fnmatch()ed against the /proc/devices names."""
    globs = [p.split()[0].removeprefix("char-") for p in patterns if p.startswith("char-")]
    return {name for name in names if any(fnmatch.fnmatchcase(name, g) for g in globs)}


@pytest.mark.parametrize("board", sorted(PROC_DEVICES))
def test_device_allow_matches_the_driver_names_in_proc_devices(board: str) -> None:
    allowed = allowed_names(settings(SERVICE)["DeviceAllow"], PROC_DEVICES[board])
    assert NEEDED[board] <= allowed
    assert "mem" not in allowed and "tty" not in allowed
    # the former globs matched neither the GPU nor the VIC on any Jetson
    assert not allowed_names(["char-nvhost-* rw", "char-nvgpu* rw"], PROC_DEVICES[board])


def test_service_works_in_its_writable_state_directory() -> None:
    """lgpio puts its notify FIFO in the working directory; "/" is read-only under ProtectSystem=strict."""
    s = settings(SERVICE)
    assert s["WorkingDirectory"] == ["/var/lib/glimpse"] and s["StateDirectory"] == ["glimpse"]


def test_jetson_clocks_stores_only_once(tmp_path: Path) -> None:
    """jetson_clocks --store asks before overwriting (stdin is /dev/null under systemd): store only when absent."""
    fake = tmp_path / "jetson_clocks"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = --store ]; then\n'
        '  if [ -e "$2" ]; then printf "overwrite %s? " "$2"; read -r answer || exit 1; fi\n'
        '  echo "stored $$" > "$2"\n'
        "fi\n"
    )
    fake.chmod(0o755)
    line = next(v for v in settings(CLOCKS)["ExecStart"] if "--store" in v)
    state = tmp_path / "state"
    state.mkdir()
    command = line.replace("/usr/bin/jetson_clocks", str(fake)).replace("/var/lib/glimpse-jetson", str(state))
    argv = ["sh", "-c", command.removeprefix("/bin/sh -c ").strip("'")]
    runs = [subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    first = (state / "clocks.conf").read_text()
    assert first.startswith("stored ") and (state / "clocks.conf").read_text() == first  # kept, not re-stored
