"""Free space where the event store lives."""

from __future__ import annotations

import shutil
from pathlib import Path

from edge.doctor.base import DoctorContext, Finding, Status

NAME = "disk"
FAIL_BYTES = 100 * 1024**2
WARN_BYTES = 1024**3


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(ctx: DoctorContext) -> list[Finding]:
    where = _existing(ctx.path(str(ctx.config.store.path.parent)))
    usage = shutil.disk_usage(where)
    free_mb = usage.free / 1024**2
    detail = f"{free_mb:,.0f} MB free of {usage.total / 1024**2:,.0f} MB at {ctx.config.store.path.parent}"
    fix = "free space or lower store.retention_days; journald: `journalctl --vacuum-size=100M`"
    if usage.free < FAIL_BYTES:
        return [Finding(NAME, Status.FAIL, detail, fix)]
    if usage.free < WARN_BYTES or usage.free < 0.05 * usage.total:
        return [Finding(NAME, Status.WARN, detail, fix)]
    return [Finding(NAME, Status.OK, detail)]
