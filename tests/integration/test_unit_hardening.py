"""The real daemon under systemd/glimpse.service's sandbox: no capabilities, the unit's system-call filter.

No systemd runs here (a container: ``systemd-run`` has no bus), so scripts/unit_sandbox.py applies what the
kernel primitives allow: the unit's own SystemCallFilter=/SystemCallErrorNumber= as a seccomp filter,
CapabilityBoundingSet= (empty) and NoNewPrivileges= through setpriv, PrivateMounts=, ProtectHostname= and
ProtectProc=invisible through unshare. The daemon must analyse frames with onnxruntime, serve the dashboard,
publish to a real Mosquitto, and stop cleanly. What is not emulated is listed in docs/deploy.md.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import free_port, wait_until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "glimpse.service"


def status_fields(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def health(port: int) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as res:
            return dict(json.loads(res.read()))
    except OSError:
        return {}


def test_systemd_analyze_security_scores_the_unit_ok() -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze missing (apt package systemd)")
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(UNIT)], capture_output=True, text=True, check=False
    )
    overall = [line for line in done.stdout.splitlines() if "Overall exposure level" in line]
    assert overall, done.stdout[-2000:] + done.stderr
    score = float(overall[0].split(":")[1].split()[0])
    assert score <= 2.0, overall[0]  # was 6.2 MEDIUM before the capability and system-call restrictions


def test_the_daemon_runs_under_the_units_sandbox(tmp_path: Path, mosquitto: Any, subscribe: Any) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to create namespaces and drop every capability (as systemd would)")
    missing = [tool for tool in ("unshare", "setpriv", "systemd-analyze") if shutil.which(tool) is None]
    if missing or ctypes.util.find_library("seccomp") is None:
        pytest.skip(f"missing {missing or ['libseccomp']} (apt: util-linux, systemd, libseccomp2)")
    probe = subprocess.run(
        ["unshare", "--mount", "--uts", "--pid", "--fork", "--mount-proc", "true"], capture_output=True, check=False
    )
    if probe.returncode != 0:  # a container without CAP_SYS_ADMIN cannot make the namespaces systemd would
        pytest.skip(f"cannot create mount/PID namespaces here: {probe.stderr.decode().strip()}")
    port = free_port()
    config = tmp_path / "glimpse.toml"
    config.write_text(
        f"""
[device]
id = "hardened"
[source]
uri = "synthetic:demo?realtime=true&seconds=120"
[store]
path = "{tmp_path}/state/events.db"
[logs]
dir = "{tmp_path}/logs"
[dashboard]
port = {port}
[mqtt]
enabled = true
host = "{mosquitto.host}"
port = {mosquitto.port}
outbox_path = "{tmp_path}/state/outbox.db"
"""
    )
    sub = subscribe("glimpse/hardened/#", client_id="hardening-test")
    glimpse = Path(sys.executable).with_name("glimpse")
    inner = (
        "mount -o remount,hidepid=invisible /proc && exec setpriv --bounding-set=-all --inh-caps=-all "
        f"--ambient-caps=-all --no-new-privs {sys.executable} {REPO}/scripts/unit_sandbox.py {UNIT} -- "
        f"{glimpse} run --config {config}"
    )
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["unshare", "--mount", "--uts", "--pid", "--fork", "--mount-proc", "sh", "-c", inner],
            stdout=out,
            stderr=out,
        )
    try:
        ready = wait_until(lambda: (health(port).get("pipeline") or {}).get("frames_analyzed", 0) > 0, 90.0)
        assert ready, log.read_text()[-3000:]
        daemon = children(proc.pid)[0]
        fields = status_fields(daemon)
        assert fields["Seccomp"] == "2" and fields["NoNewPrivs"] == "1", fields
        assert int(fields["CapBnd"], 16) == 0 and int(fields["CapEff"], 16) == 0, fields
        assert sub.wait_for("glimpse/hardened/events", 1, timeout_s=90.0), log.read_text()[-3000:]
        event = json.loads(sub.on("glimpse/hardened/events")[0])
        assert event["engine"]["backend"] == "onnxruntime"  # the networks really ran inside the sandbox
        assert json.loads(sub.on("glimpse/hardened/state")[-1])["state"] == "running"
        os.kill(daemon, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert "unit_sandbox:" in text and "Bad system call" not in text
    assert "Traceback" not in text, text[-3000:]
