"""MQTT configuration: passwords from a file or a systemd credential, validation of the backoff."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.config import validate
from edge.errors import ConfigError, SinkError
from edge.sinks.mqtt.config import MqttConfig
from edge.sinks.mqtt.sink import make_client


def test_password_from_systemd_credential(tmp_path: Path) -> None:
    (tmp_path / "mqtt-password").write_text("s3cret\n")
    config = MqttConfig(username="kiosk", password_credential="mqtt-password")
    assert config.password({"CREDENTIALS_DIRECTORY": str(tmp_path)}) == "s3cret"


def test_password_from_file_and_none(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("abc")
    assert MqttConfig(username="u", password_file=tmp_path / "pw").password({}) == "abc"
    assert MqttConfig().password({}) is None


def test_missing_credentials_directory_says_what_to_do() -> None:
    with pytest.raises(SinkError, match="LoadCredential"):
        MqttConfig(username="u", password_credential="mqtt").password({})


def test_missing_password_file_is_a_sink_error(tmp_path: Path) -> None:
    with pytest.raises(SinkError, match="cannot read MQTT password"):
        MqttConfig(username="u", password_file=tmp_path / "nope").password({})


def test_validation_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match="mqtt"):
        validate({"mqtt": {"reconnect_min_s": 10, "reconnect_max_s": 2}})
    with pytest.raises(ConfigError, match=r"mqtt\.topic_prefix"):
        validate({"mqtt": {"topic_prefix": "a/#"}})
    with pytest.raises(ConfigError, match=r"mqtt\.tls\.nope"):
        validate({"mqtt": {"tls": {"nope": 1}}})


def test_client_gets_will_credentials_and_tls_errors(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("pw")
    client = make_client(MqttConfig(username="u", password_file=tmp_path / "pw"), "dev")
    assert client._will_topic == b"glimpse/dev/availability"  # paho has no public getter for the will
    assert client._will_retain is True
    assert client._username == b"u" and client._password == b"pw"
    bad_tls = MqttConfig(tls={"enabled": True, "ca_file": tmp_path / "missing-ca.pem"})
    with pytest.raises(SinkError, match=r"mqtt\.tls"):
        make_client(bad_tls, "dev")


def test_a_password_without_a_username_is_refused_not_silently_unused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="username"):
        MqttConfig(password_file=tmp_path / "pw")
    with pytest.raises(ValidationError, match="username"):
        MqttConfig(password_credential="mqtt-password")
