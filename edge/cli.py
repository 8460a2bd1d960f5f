"""The `glimpse` command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.

A reader that closes the output early (``glimpse events | head -1``) ends the command quietly with 141, the
status a shell reports for a tool stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from edge import __version__
from edge.cli_common import EXIT_RUNTIME, EXIT_USAGE
from edge.errors import ConfigError, GlimpseError, UsageError, shown

logger = logging.getLogger(__name__)

#: Modules that add subcommands, in the order `glimpse --help` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "edge.commands.run",
    "edge.commands.demo",
    "edge.commands.analyze",
    "edge.commands.bench",
    "edge.commands.events",
    "edge.commands.config",
    "edge.synth.cli",
    "edge.evaluation.cli",
    "edge.train.cli",
    "edge.commands.engine",
    "edge.dashboard.cli",
    "edge.doctor.cli",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"glimpse: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glimpse", description="Glimpse: edge micro-expression analyzer.")
    parser.add_argument("--version", action="version", version=f"glimpse {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not (name == exc.name or name.startswith(exc.name + ".")):
                raise
            logger.debug("subcommand module %s is not installed", name)
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2) if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here rather than at interpreter exit
        return code
    except ConfigError as exc:
        _print_problems(exc.problems)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"glimpse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GlimpseError as exc:
        print(f"glimpse: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # the system refused a path the user gave (name too long, permission denied, ...)
        where = f" {shown(exc.filename)}" if exc.filename is not None else ""
        print(f"glimpse: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 130


#: Exit status when stdout was closed by its reader (128 + SIGPIPE, as a shell reports it).
EXIT_BROKEN_PIPE = 141


def _print_problems(problems: Sequence[str]) -> None:
    if len(problems) == 1:
        print(f"glimpse: configuration error: {problems[0]}", file=sys.stderr)
        return
    print(f"glimpse: configuration error ({len(problems)} problems):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the flush at exit does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests capture it in memory)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
