"""`glimpse doctor`: checks that the device can run Glimpse, each with a fix when it fails."""

from edge.doctor.base import DoctorContext, Finding, Status
from edge.doctor.runner import CHECKS, exit_code, run_checks

__all__ = ["CHECKS", "DoctorContext", "Finding", "Status", "exit_code", "run_checks"]
