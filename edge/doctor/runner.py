"""The check list, running it, and the exit code.

Exit code: 0 when every finding is OK, SKIP or WARN; 1 when any is FAIL (a
check that crashes counts as FAIL). Configuration errors exit 2 before any
check runs (edge.doctor.cli).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from edge.doctor.base import Check, DoctorContext, Finding, Status
from edge.doctor.checks.camera import check_camera
from edge.doctor.checks.clock import check_clock
from edge.doctor.checks.disk import check_disk
from edge.doctor.checks.engine import check_backend, check_engine_cache, check_models
from edge.doctor.checks.gpio import check_gpio
from edge.doctor.checks.mqtt import check_mqtt
from edge.doctor.checks.thermal import check_temperature, check_throttling

logger = logging.getLogger(__name__)

CHECKS: dict[str, Check] = {
    "camera": check_camera,
    "gpio": check_gpio,
    "backend": check_backend,
    "models": check_models,
    "engine-cache": check_engine_cache,
    "mqtt": check_mqtt,
    "disk": check_disk,
    "clock": check_clock,
    "temperature": check_temperature,
    "throttling": check_throttling,
}


def run_checks(ctx: DoctorContext, checks: Mapping[str, Check] = CHECKS, skip: Iterable[str] = ()) -> list[Finding]:
    """Run every check not in ``skip``; a crashing check becomes a FAIL finding, never a traceback."""
    skipped = set(skip)
    findings: list[Finding] = []
    for name, check in checks.items():
        if name in skipped:
            findings.append(Finding(name, Status.SKIP, "skipped (--skip)"))
            continue
        try:
            findings.extend(check(ctx))
        except Exception as exc:  # a broken check must not hide the others
            logger.debug("check %s crashed", name, exc_info=True)
            findings.append(Finding(name, Status.FAIL, f"check crashed: {exc!r}", "report this as a bug"))
    return findings


def exit_code(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """1 if some finding is FAIL (or, with ``strict``, WARN); else 0. Ansible-style checks use ``strict``."""
    worst = {f.status for f in findings}
    if Status.FAIL in worst or (strict and Status.WARN in worst):
        return 1
    return 0
