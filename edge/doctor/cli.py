"""`glimpse doctor`: check the device, print a table with fixes; exit 1 if anything failed.

Exit codes: 0 all checks OK (warnings and skipped checks allowed), 1 at least
one failure, 2 the configuration itself is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from edge.cli_common import EXIT_USAGE, add_config_args, config_from_args


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="check camera, GPIO, models, broker, disk, clock and temperature",
        description="Check that this device can run Glimpse. Exit 0: no failures (warnings allowed); "
        "1: at least one failure; 2: invalid configuration.",
    )
    add_config_args(parser)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="CHECK",
        help="skip a check (repeatable or comma-separated), e.g. --skip camera while the service runs",
    )
    parser.add_argument("--camera-seconds", type=float, default=1.0, help="how long to read the camera (default 1)")
    parser.add_argument("--json", action="store_true", help="print findings as JSON lines instead of a table")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too (for fleet checks)")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from edge.doctor.base import DoctorContext
    from edge.doctor.runner import CHECKS, exit_code, run_checks
    from edge.doctor.table import render

    config = config_from_args(args)  # a ConfigError is exit 2 with its problems (edge.cli)
    skip = {name.strip() for item in args.skip for name in item.split(",") if name.strip()}
    unknown = skip - set(CHECKS)
    if unknown:
        print(
            f"glimpse doctor: unknown check(s) {sorted(unknown)!r}; expected some of {sorted(CHECKS)}", file=sys.stderr
        )
        return EXIT_USAGE
    findings = run_checks(DoctorContext(config, camera_seconds=args.camera_seconds), skip=skip)
    if args.json:
        for finding in findings:
            print(json.dumps({**asdict(finding), "status": finding.status.name.lower()}))
    else:
        print(render(findings))
    return exit_code(findings, strict=args.strict)
