"""`glimpse config check|show|schema`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from edge.cli_common import EXIT_OK, EXIT_USAGE, add_config_args
from edge.config import GlimpseConfig, load_config
from edge.errors import ConfigError, UnknownBackend, UsageError


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


def _source_problems(config: GlimpseConfig) -> list[str]:
    """What building (not opening) the source would reject: scheme and URI parameters, as `run` checks them."""
    from edge.capture.registry import configured_uri, open_source

    try:
        open_source(configured_uri(config.source)).close()
    except (UsageError, UnknownBackend) as exc:
        return [f"source.uri: {exc}"]
    return []


def _origin(path: object, overrides: list[str]) -> str:
    """Where the settings came from: the file and the --set count, or the built-in defaults when neither."""
    parts = [str(path)] if path else []
    if overrides:
        parts.append(f"{len(overrides)} --set override{'s' * (len(overrides) != 1)}")
    return " + ".join(parts) if parts else "built-in defaults"


def _check(args: argparse.Namespace) -> int:
    try:
        config, path = load_config(args.config, args.overrides)
        problems = _source_problems(config)
    except ConfigError as exc:
        problems = exc.problems
    if len(problems) == 1:
        print(f"configuration invalid: {problems[0]}", file=sys.stderr)
        return EXIT_USAGE
    if problems:
        print(f"configuration invalid ({len(problems)} problems):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    print(f"configuration ok ({_origin(path, args.overrides)})")
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

    print(f"# effective configuration ({_origin(path, args.overrides)})")
    print(tomli_w.dumps(_drop_none(data)), end="")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(GlimpseConfig.model_json_schema(), indent=2))
    return EXIT_OK
