"""The command line: exit codes and messages users see."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from edge.capture.synthetic import GroundTruth
from edge.cli import main
from edge.commands.demo import compare_with_truth
from edge.events.store import EventStore
from edge.train.cli import train_install_hint

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


def test_config_check_names_where_the_settings_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GLIMPSE_CONFIG", raising=False)
    cfg = tmp_path / "g.toml"
    cfg.write_text("[mqtt]\nport = 1884\n")
    assert main(["config", "check"]) == 0
    assert capsys.readouterr().out == "configuration ok (built-in defaults)\n"
    assert main(["config", "check", "--set", "mqtt.port=1885"]) == 0
    assert capsys.readouterr().out == "configuration ok (1 --set override)\n"
    assert main(["config", "check", "--config", str(cfg), "--set", "a.b=1", "--set", "a.c=2"]) == 2
    assert main(["config", "check", "--config", str(cfg), "--set", "mqtt.qos=2", "--set", "mqtt.port=1"]) == 0
    assert capsys.readouterr().out == f"configuration ok ({cfg} + 2 --set overrides)\n"


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


def _truth(kind: str, onset: int, offset: int) -> GroundTruth:
    return GroundTruth(kind, "surprise", "1+2", "surprise", onset, (onset + offset) // 2, offset, 0, 0, 0)


def test_demo_says_what_a_missed_expression_was_found_as() -> None:
    found = make_event(kind="micro").model_copy(update={"onset_frame": 100, "offset_frame": 130})
    as_macro = make_event(kind="macro").model_copy(update={"onset_frame": 300, "offset_frame": 400})
    unrelated = make_event(kind="macro").model_copy(update={"onset_frame": 900, "offset_frame": 1000})
    lines = compare_with_truth([found, as_macro, unrelated], [_truth("micro", 100, 130), _truth("micro", 300, 350)])
    assert lines[0].startswith("  found  micro")
    assert "missed micro surprise  frames 300-350 (found as macro 300-400, IoU 0.50;" in lines[1]
    assert lines[2] == "  1/2 rendered expressions spotted, 1 event(s) overlapping a missed one, 1 other event(s)"


def test_train_hint_outside_a_checkout_lists_the_extra_from_the_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import edge

    monkeypatch.setattr(edge, "__file__", str(tmp_path / "site-packages" / "edge" / "__init__.py"))
    hint = train_install_hint()
    assert "-m pip install 'torch>=2.1' 'onnx>=1.15'" in hint and "glimpse-edge[train]" not in hint


def test_train_without_pytorch_names_the_install_command_of_this_checkout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    checkout = Path(__file__).resolve().parents[3]
    assert f"-m pip install -e '{checkout}[train]'" in train_install_hint()
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("PyTorch is installed here: glimpse train would start training")
    assert main(["train", "--out", str(checkout / "never-written")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("glimpse: train needs PyTorch") and "glimpse-edge[train]" not in err
