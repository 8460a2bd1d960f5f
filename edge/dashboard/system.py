"""Host health read by the dashboard itself: CPU load, temperature, throttling, disk and memory.

Everything is best-effort: a value that cannot be read here (no thermal zone
in a container, no ``vcgencmd`` off a Raspberry Pi) is ``None``, never an error.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Bits of `vcgencmd get_throttled` (Raspberry Pi documentation, "vcgencmd" page).
THROTTLE_BITS = {
    0: "under_voltage_now",
    1: "arm_freq_capped_now",
    2: "throttled_now",
    3: "soft_temp_limit_now",
    16: "under_voltage_occurred",
    17: "arm_freq_capped_occurred",
    18: "throttled_occurred",
    19: "soft_temp_limit_occurred",
}


def load_average(path: Path = Path("/proc/loadavg")) -> dict[str, float] | None:
    try:
        one, five, fifteen = path.read_text().split()[:3]
        return {"1m": float(one), "5m": float(five), "15m": float(fifteen)}
    except (OSError, ValueError):
        return None


def temperature_c(root: Path = Path("/sys/class/thermal")) -> float | None:
    """The hottest thermal zone in degrees Celsius (millidegrees in sysfs)."""
    readings: list[float] = []
    for zone in sorted(root.glob("thermal_zone*/temp")):
        try:
            readings.append(int(zone.read_text().strip()) / 1000.0)
        except (OSError, ValueError):
            continue
    return max(readings) if readings else None


def parse_throttled(text: str) -> dict[str, Any] | None:
    """Decode ``throttled=0x50005`` into named flags."""
    _, _, raw = text.strip().partition("=")
    try:
        value = int(raw, 16)
    except ValueError:
        return None
    flags = {name: bool(value >> bit & 1) for bit, name in THROTTLE_BITS.items()}
    return {"raw": hex(value), **flags}


class ThrottleReader:
    """Runs ``vcgencmd get_throttled`` at most every ``cache_s`` seconds (None when absent)."""

    def __init__(self, cache_s: float = 10.0) -> None:
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._at = -1e9
        self._value: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        with self._lock:
            if time.monotonic() - self._at < self.cache_s:
                return self._value
            self._at = time.monotonic()
            self._value = self._run()
            return self._value

    @staticmethod
    def _run() -> dict[str, Any] | None:
        exe = shutil.which("vcgencmd")
        if exe is None:
            return None
        try:
            done = subprocess.run([exe, "get_throttled"], capture_output=True, text=True, timeout=2.0, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.debug("vcgencmd failed: %s", exc)
            return None
        return parse_throttled(done.stdout) if done.returncode == 0 else None


def disk_usage(path: Path) -> dict[str, Any] | None:
    """Usage of the filesystem holding ``path`` (or its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        usage = shutil.disk_usage(probe)
    except OSError:
        return None
    return {
        "path": str(path),
        "total_bytes": usage.total,
        "used_bytes": usage.used,
        "free_bytes": usage.free,
        "used_pct": round(100.0 * usage.used / usage.total, 1) if usage.total else None,
    }


def rss_bytes(pid: int | str = "self") -> int | None:
    """Resident set size of a process from /proc (Linux only)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def host_health(store_path: Path, throttle: ThrottleReader) -> dict[str, Any]:
    """One snapshot of the host's load, temperature, throttling, disk and this process's memory."""
    return {
        "cpu_count": os.cpu_count(),
        "load": load_average(),
        "temperature_c": temperature_c(),
        "throttled": throttle.read(),
        "disk": disk_usage(store_path),
        "dashboard_rss_bytes": rss_bytes(),
    }
