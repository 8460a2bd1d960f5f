"""The units pass `systemd-analyze verify` and keep the hardening the design requires."""

from __future__ import annotations

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
    for device in ("char-video4linux", "char-media", "char-dma_heap", "char-gpiochip", "char-nvhost-*", "/dev/nvmap"):
        assert device in allowed
    assert s["IPAddressDeny"] == ["any"] and s["IPAddressAllow"] == ["localhost"]
    assert any(c.startswith("mqtt-password:/etc/glimpse/credentials/") for c in s["LoadCredential"])
