"""`glimpse demo`'s configuration: temporary store and logs, but an MQTT outbox that outlives the demo."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from edge.commands.demo import demo_config, demo_outbox_path
from edge.sinks.registry import outbox_path


def args(*overrides: str) -> argparse.Namespace:
    return argparse.Namespace(config=None, overrides=list(overrides), fast=True)


def test_the_demo_outbox_survives_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: the outbox lived in the deleted temporary folder while the demo promised a later delivery."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = demo_config(args("mqtt.enabled=true"), tmp_path / "tmp")
    assert config.store.path == tmp_path / "tmp" / "events.db"
    assert outbox_path(config) == tmp_path / "state" / "glimpse" / "demo-outbox.db" == demo_outbox_path()
    assert (tmp_path / "tmp") not in outbox_path(config).parents


def test_an_outbox_path_the_user_set_is_kept(tmp_path: Path) -> None:
    config = demo_config(args("mqtt.enabled=true", f"mqtt.outbox_path={tmp_path / 'mine.db'}"), tmp_path / "tmp")
    assert outbox_path(config) == tmp_path / "mine.db"


def test_state_home_defaults_to_local_state(tmp_path: Path) -> None:
    assert demo_outbox_path({}) == Path.home() / ".local" / "state" / "glimpse" / "demo-outbox.db"
