"""`glimpse doctor`: checks that the device can run Glimpse, each with a fix when it fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.lazy import lazy_exports

if TYPE_CHECKING:
    from edge.doctor.base import DoctorContext, Finding, Status
    from edge.doctor.runner import CHECKS, exit_code, run_checks

__all__ = ["CHECKS", "DoctorContext", "Finding", "Status", "exit_code", "run_checks"]

__getattr__ = lazy_exports(
    __name__,
    {
        "DoctorContext": "edge.doctor.base",
        "Finding": "edge.doctor.base",
        "Status": "edge.doctor.base",
        "CHECKS": "edge.doctor.runner",
        "exit_code": "edge.doctor.runner",
        "run_checks": "edge.doctor.runner",
    },
)
