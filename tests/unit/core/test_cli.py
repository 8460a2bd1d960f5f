"""The command line: exit codes and messages users see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.cli import main
from edge.events.store import EventStore

from tests_support import make_event


def test_config_check_reports_every_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "g.toml"
    cfg.write_text('[mqtt]\nport = "eighty"\n[dashbord]\nport = 1\n')
    assert main(["config", "check", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err
    assert "mqtt.port: got 'eighty'" in err
    assert "dashbord: got {'port': 1}; expected no such key" in err


def test_config_check_ok_and_set_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--set", "mqtt.port=1884"]) == 0
    assert main(["config", "check", "--set", "mqtt.port=0"]) == 2
    assert "mqtt.port: got 0" in capsys.readouterr().err


def test_config_show_and_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--format", "json", "--set", "device.id=kiosk-3"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["device"]["id"] == "kiosk-3"
    assert main(["config", "show"]) == 0
    assert "[mqtt]" in capsys.readouterr().out
    assert main(["config", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["mqtt"]["description"]


def test_events_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "e.db"
    with EventStore(db) as store:
        store.add(make_event(kind="micro", label="negative"))
        store.add(make_event(kind="macro", label="positive"))
    assert main(["events", "--set", f"store.path={db}", "--kind", "micro"]) == 0
    out = capsys.readouterr().out
    assert "negative" in out and "1 event(s)" in out
    assert main(["events", "--set", f"store.path={db}", "--json"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2
    assert main(["events", "--set", f"store.path={db}", "--since", "yesterday"]) == 2
    assert main(["events", "--set", f"store.path={tmp_path / 'none.db'}"]) == 1


def test_unknown_command_is_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
