"""Configuration: file + overrides + validation, with key paths in every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import GlimpseConfig, apply_overrides, load_config, validate
from edge.errors import ConfigError


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edge.config.loader

    monkeypatch.setattr(edge.config.loader, "DEFAULT_PATH", tmp_path / "absent.toml")  # not this machine's /etc
    config, path = load_config(environ={})
    assert path is None
    assert config.source.uri.startswith("synthetic:")


def test_every_field_has_a_description() -> None:
    def walk(schema: dict[str, object], defs: dict[str, dict[str, object]], where: str) -> list[str]:
        missing = []
        for name, prop in schema.get("properties", {}).items():  # type: ignore[attr-defined]
            ref = prop.get("$ref")
            described_by_ref = bool(ref) and "description" in defs[ref.split("/")[-1]]
            if "description" not in prop and not described_by_ref:
                missing.append(f"{where}{name}")
            if ref:
                missing += walk(defs[ref.split("/")[-1]], defs, f"{where}{name}.")
        return missing

    schema = GlimpseConfig.model_json_schema()
    assert walk(schema, schema["$defs"], "") == []


def test_file_and_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "glimpse.toml"
    cfg.write_text('[mqtt]\nenabled = true\nhost = "broker.local"\n[source]\nfps = 120\n')
    config, path = load_config(str(cfg), ["mqtt.port=1884", "source.uri=file:/x.mp4?fps=90"], environ={})
    assert path == cfg
    assert (config.mqtt.enabled, config.mqtt.host, config.mqtt.port) == (True, "broker.local", 1884)
    assert config.source.fps == 120
    assert config.source.uri == "file:/x.mp4?fps=90"


def test_env_var_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[device]\nid = "kiosk-7"\n')
    config, _ = load_config(None, [], environ={"GLIMPSE_CONFIG": str(cfg)})
    assert config.device.id == "kiosk-7"


def test_every_problem_is_reported_with_path_value_and_expectation() -> None:
    with pytest.raises(ConfigError) as info:
        validate({"mqtt": {"port": "abc", "colour": 1}, "spotting": {"type": "magic"}, "device": {"id": "a b"}})
    text = "\n".join(info.value.problems)
    assert len(info.value.problems) == 4
    assert "mqtt.port: got 'abc'" in text and "integer" in text
    assert "mqtt.colour: got 1; expected no such key" in text
    assert "spotting.type: got 'magic'; expected one of" in text
    assert "device.id: got 'a b'" in text


def test_malformed_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[mqtt\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(bad), environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.toml"), environ={})


def test_malformed_override() -> None:
    with pytest.raises(ConfigError, match=r"expected key\.path=value"):
        apply_overrides({}, ["mqtt.port"])
    with pytest.raises(ConfigError, match="is a value, not a section"):
        apply_overrides({"mqtt": 3}, ["mqtt.port=1"])


def test_overrides_do_not_mutate_input() -> None:
    data = {"mqtt": {"port": 1}}
    merged = apply_overrides(data, ["mqtt.port=2"])
    assert data["mqtt"]["port"] == 1 and merged["mqtt"]["port"] == 2
