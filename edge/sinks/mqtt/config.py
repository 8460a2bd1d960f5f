"""Configuration of the MQTT output."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from edge.config.base import Section
from edge.errors import SinkError, shown

#: MQTT strings (topics, client ids) are length-prefixed with two bytes (MQTT 3.1.1, section 1.5.3).
MQTT_MAX_BYTES = 65_535


class TlsConfig(Section):
    """TLS to the broker (port 8883 by convention)."""

    enabled: bool = Field(default=False, description="Connect with TLS.")
    ca_file: Path | None = Field(
        default=None, description="CA bundle that signed the broker certificate (None: system)."
    )
    cert_file: Path | None = Field(default=None, description="Client certificate (PEM) for mutual TLS.")
    key_file: Path | None = Field(default=None, description="Client private key (PEM) for mutual TLS.")
    insecure: bool = Field(
        default=False, description="Skip the broker host-name check (testing only; the certificate chain still counts)."
    )


class MqttConfig(Section):
    """MQTT broker connection and topics."""

    enabled: bool = Field(default=False, description="Publish events, state and stats to an MQTT broker.")
    host: str = Field(default="127.0.0.1", description="Broker host name or address.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port.")
    topic_prefix: str = Field(
        default="glimpse",
        pattern=r"^[^#+\s]+$",
        description="Topics are <topic_prefix>/<device.id>/... (no '#', '+' or spaces).",
    )
    client_id: str = Field(
        default="", description="MQTT client id ('' : glimpse-<device.id>); at most 65,535 UTF-8 bytes, no NUL."
    )
    keepalive_s: int = Field(
        default=30, ge=5, le=3600, description="Keep-alive in seconds; the last will fires after ~1.5x."
    )
    qos: Literal[1, 2] = Field(default=1, description="QoS of events and state (1: at least once).")
    tls: TlsConfig = Field(default_factory=TlsConfig, description="TLS settings.")
    username: str = Field(default="", description="User name ('' : no authentication).")
    password_file: Path | None = Field(default=None, description="File holding the password (first line).")
    password_credential: str = Field(
        default="",
        description="Name of a systemd credential (LoadCredential=) holding the password, read from "
        "$CREDENTIALS_DIRECTORY/<name>.",
    )
    stats_interval_s: float = Field(default=60.0, gt=0, le=86_400, description="Publish stats at most this often.")
    allow_resume: bool = Field(
        default=False,
        description="Let set/pause OFF and set/resume lift a privacy pause. Off: MQTT can pause but never resume "
        "(anyone allowed to publish to the broker could switch the camera back on); restrict "
        "<topic_prefix>/<device.id>/set/# with broker ACLs before enabling.",
    )
    discovery: bool = Field(default=True, description="Publish Home Assistant MQTT discovery.")
    discovery_prefix: str = Field(
        default="homeassistant",
        pattern=r"^[^#+\s]+$",
        description="Home Assistant discovery prefix (a topic: no '#', '+' or spaces).",
    )
    outbox_path: Path = Field(
        default=Path("/var/lib/glimpse/outbox.db"),
        description="Durable SQLite outbox of events not yet acknowledged by the broker.",
    )
    outbox_max_events: int = Field(
        default=100_000, ge=100, description="Oldest undelivered events are dropped (and logged) beyond this count."
    )
    inflight: int = Field(default=20, ge=1, le=1000, description="Events published but not yet acknowledged at once.")
    reconnect_min_s: int = Field(default=1, ge=1, le=3600, description="First reconnect delay in seconds.")
    reconnect_max_s: int = Field(default=60, ge=1, le=3600, description="Reconnect delay doubles up to this.")

    @field_validator("client_id", "topic_prefix", "discovery_prefix")
    @classmethod
    def _mqtt_string(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > MQTT_MAX_BYTES or "\x00" in value:
            raise ValueError(
                f"got {shown(value)} ({size} UTF-8 bytes); expected at most {MQTT_MAX_BYTES} bytes and no NUL character"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> MqttConfig:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError(
                f"reconnect_max_s {self.reconnect_max_s!r} < reconnect_min_s {self.reconnect_min_s!r}; "
                "expected max >= min"
            )
        if self.password_file is not None and self.password_credential:
            raise ValueError("set password_file or password_credential, not both")
        if (self.password_file is not None or self.password_credential) and not self.username:
            raise ValueError(
                "a password is configured but username is empty, so it would never be sent; expected mqtt.username "
                "set too (or no password)"
            )
        return self

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The password from ``password_file`` or the systemd credential; None when none is configured."""
        env = os.environ if environ is None else environ
        if self.password_credential:
            directory = env.get("CREDENTIALS_DIRECTORY")
            if not directory:
                raise SinkError(
                    f"mqtt.password_credential {self.password_credential!r} is set but $CREDENTIALS_DIRECTORY is not; "
                    "expected LoadCredential= in the systemd unit"
                )
            return _first_line(Path(directory) / self.password_credential)
        if self.password_file is not None:
            return _first_line(self.password_file)
        return None


def _first_line(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SinkError(f"cannot read MQTT password from {str(path)!r}: {exc.strerror or exc}") from exc
    return text.splitlines()[0] if text else ""
