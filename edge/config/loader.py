"""Reading, overriding and validating the configuration (separate steps).

``read_file`` parses TOML into a dict, ``apply_overrides`` merges
``key.path=value`` strings into it, and ``validate`` turns it into a
:class:`GlimpseConfig`, collecting every problem with its key path, the value
and what was expected into one :class:`ConfigError`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from edge.config.model import GlimpseConfig
from edge.errors import ConfigError, shown

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (JetPack 6)
    import tomli as tomllib

DEFAULT_PATH = Path("/etc/glimpse/glimpse.toml")
#: Deepest ``--set`` key accepted (the deepest real key, e.g. ``mqtt.tls.ca_file``, has 3 levels).
MAX_KEY_DEPTH = 8
ENV_VAR = "GLIMPSE_CONFIG"


def resolve_path(explicit: str | None, environ: Mapping[str, str]) -> tuple[Path | None, bool]:
    """The config file to read and whether it must exist (explicit choices must)."""
    if explicit:
        return Path(explicit), True
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]), True
    return (DEFAULT_PATH, False) if DEFAULT_PATH.is_file() else (None, False)


def read_file(path: Path) -> dict[str, Any]:
    """Parse a TOML file; unreadable or malformed files raise :class:`ConfigError`."""
    name = shown(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{name}: cannot read configuration file: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{name}: byte {exc.start} is not UTF-8 ({exc.reason}); expected a UTF-8 TOML text file"]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{name}: not valid TOML: {exc}"]) from exc
    except RecursionError:
        raise ConfigError([f"{name}: tables or arrays nested too deeply; expected a flat glimpse.toml"]) from None


def _parse_value(raw: str) -> Any:
    """A TOML literal when the text is one (numbers, booleans, arrays), else the plain string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return raw


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Merge ``key.path=value`` overrides into ``data`` (a new dict is returned)."""
    merged: dict[str, Any] = _deep_copy(data)
    problems: list[str] = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            problems.append(f"--set {shown(item)}: expected key.path=value, e.g. mqtt.port=1884")
            continue
        if key.count(".") >= MAX_KEY_DEPTH:
            problems.append(f"--set {shown(item)}: {key.count('.') + 1} levels; expected at most {MAX_KEY_DEPTH}")
            continue
        node = merged
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(f"--set {shown(item)}: {shown(part)} is a value, not a section")
                break
            node = child
        else:
            node[parts[-1]] = _parse_value(raw.strip())
    if problems:
        raise ConfigError(problems)
    return merged


def _cut(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def _expected(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "no such key (check the spelling; `glimpse config schema` lists every key)"
    if kind == "literal_error" and "expected" in ctx:
        return f"one of {ctx['expected']}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "a table of settings, e.g. [section] in the file or --set section.key=value"
    message = str(error.get("msg", "a valid value"))
    for prefix in ("Input should be ", "Value should be "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def validate(data: Mapping[str, Any]) -> GlimpseConfig:
    """Validate a raw mapping; every problem is listed in one :class:`ConfigError`."""
    try:
        return GlimpseConfig.model_validate(dict(data))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = _cut(".".join(str(p) for p in error["loc"]) or "<root>")
            if error["type"] == "value_error":  # a rule across fields: its message names values and expectation
                problems.append(f"{path}: {str(error['msg']).removeprefix('Value error, ')}")
                continue
            problems.append(f"{path}: got {shown(error.get('input'))}; expected {_expected(error)}")
        raise ConfigError(problems) from None


def load_config(
    explicit: str | None = None,
    overrides: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> tuple[GlimpseConfig, Path | None]:
    """Read the file (if any), apply overrides and validate; return the config and its path."""
    path, required = resolve_path(explicit, os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            exists, is_file = path.exists(), path.is_file()
        except OSError as exc:  # e.g. a name too long for the file system
            raise ConfigError(
                [f"{shown(str(path))}: {exc.strerror or exc}; expected a TOML configuration file"]
            ) from None
        if required and not exists:
            raise ConfigError([f"{shown(str(path))}: configuration file does not exist"])
        if required and not is_file:
            raise ConfigError([f"{shown(str(path))}: is not a file; expected a TOML configuration file"])
        data = read_file(path)
    try:
        return validate(apply_overrides(data, overrides)), path
    except RecursionError:  # tables nested thousands deep: tomllib reads them, Python cannot walk them
        where = shown(str(path)) if path is not None else "--set"
        raise ConfigError([f"{where}: tables nested too deeply; expected a flat glimpse.toml"]) from None
