"""Helpers shared by every subcommand: config arguments and exit codes.

A subcommand module exposes ``register(subparsers)`` which adds its parser
and sets ``func`` to a handler ``(args) -> int``. Modules import only light
dependencies at top level; heavy ones are imported inside the handler.
"""

from __future__ import annotations

import argparse

from edge.config import GlimpseConfig, load_config

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


def add_config_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--config FILE`` and repeatable ``--set key.path=value``."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML configuration file (default: $GLIMPSE_CONFIG, else /etc/glimpse/glimpse.toml if present)",
    )
    add_set_arg(parser, "override one setting, e.g. --set mqtt.port=1884 (repeatable; validated like the file)")


def add_set_arg(parser: argparse.ArgumentParser, help: str) -> None:
    """Add repeatable ``--set key.path=value`` (``args.overrides``; the commands and the scripts share it)."""
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help)


def config_from_args(args: argparse.Namespace) -> GlimpseConfig:
    """Load the configuration named by ``--config``/``--set`` (raises ConfigError)."""
    config, _ = load_config(args.config, args.overrides)
    return config
