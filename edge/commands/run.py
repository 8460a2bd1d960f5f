"""`glimpse run`: the daemon in the foreground (what systemd runs)."""

from __future__ import annotations

import argparse
import sys

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, add_config_args, config_from_args


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the daemon in the foreground (systemd runs this)")
    add_config_args(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from edge.service import build_daemon, run_daemon

    config = config_from_args(args)
    summary = run_daemon(build_daemon(config), dashboard=True)
    if summary.error:
        print(f"glimpse: {summary.error}", file=sys.stderr)
        return EXIT_RUNTIME
    return EXIT_OK
