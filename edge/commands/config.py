"""`glimpse config check|show|schema`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from edge.cli_common import EXIT_OK, EXIT_USAGE, add_config_args
from edge.config import GlimpseConfig, load_config
from edge.errors import ConfigError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("config", help="check, show or describe the configuration")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    check = verbs.add_parser("check", help="validate the configuration; list every problem (exit 2)")
    add_config_args(check)
    check.set_defaults(func=_check)
    show = verbs.add_parser("show", help="print the effective configuration")
    add_config_args(show)
    show.add_argument("--format", choices=("toml", "json"), default="toml")
    show.set_defaults(func=_show)
    schema = verbs.add_parser("schema", help="print the JSON Schema of the configuration")
    schema.set_defaults(func=_schema)


def _check(args: argparse.Namespace) -> int:
    try:
        _, path = load_config(args.config, args.overrides)
    except ConfigError as exc:
        print(f"configuration invalid ({len(exc.problems)} problem{'s' * (len(exc.problems) != 1)}):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    print(f"configuration ok ({path or 'built-in defaults'})")
    return EXIT_OK


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def _show(args: argparse.Namespace) -> int:
    config, path = load_config(args.config, args.overrides)
    data = config.model_dump(mode="json")
    if args.format == "json":
        print(json.dumps(data, indent=2))
        return EXIT_OK
    import tomli_w

    overrides = f" + {len(args.overrides)} --set override(s)" if args.overrides else ""
    print(f"# effective configuration ({path or 'built-in defaults'}{overrides})")
    print(tomli_w.dumps(_drop_none(data)), end="")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(GlimpseConfig.model_json_schema(), indent=2))
    return EXIT_OK
