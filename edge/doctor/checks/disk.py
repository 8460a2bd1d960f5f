"""Free space and writability where events are written: the event store, the JSONL log and the MQTT outbox."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from edge.doctor.base import DoctorContext, Finding, Status

NAME = "disk"
FAIL_BYTES = 100 * 1024**2
WARN_BYTES = 1024**3


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(directory: Path) -> str | None:
    """None when a small file can be created and written in ``directory``; else the error."""
    if not directory.is_dir():
        return None  # created at start; its parent's free space is what counts here
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".glimpse-doctor-") as probe:
            probe.write(b"x" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _directories(ctx: DoctorContext) -> dict[str, Path]:
    config = ctx.config
    dirs = {"event store": config.store.path.parent, "JSONL log": config.logs.dir}
    if config.mqtt.enabled:
        from edge.sinks.registry import outbox_path

        dirs["MQTT outbox"] = outbox_path(config).parent
    return dirs


def check_disk(ctx: DoctorContext) -> list[Finding]:
    """One finding per filesystem that holds a place events are written to (a full one loses nothing now, but
    events then wait in memory, up to a bound)."""
    findings: list[Finding] = []
    seen: dict[int, str] = {}
    fix = "free space or lower store.retention_days; journald: `journalctl --vacuum-size=100M`"
    for what, directory in _directories(ctx).items():
        where = _existing(ctx.path(str(directory)))
        device = where.stat().st_dev
        if device in seen:
            continue
        seen[device] = what
        usage = shutil.disk_usage(where)
        free_mb = usage.free / 1024**2
        detail = f"{what}: {free_mb:,.0f} MB free of {usage.total / 1024**2:,.0f} MB at {directory}"
        error = _writable(ctx.path(str(directory)))
        if error is not None:
            findings.append(Finding(NAME, Status.FAIL, f"{detail}; cannot write there: {error}", fix))
        elif usage.free < FAIL_BYTES:
            findings.append(Finding(NAME, Status.FAIL, detail, fix))
        elif usage.free < WARN_BYTES or usage.free < 0.05 * usage.total:
            findings.append(Finding(NAME, Status.WARN, detail, fix))
        else:
            findings.append(Finding(NAME, Status.OK, detail))
    return findings
