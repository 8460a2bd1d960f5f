"""Configuration of the local web dashboard."""

from __future__ import annotations

import base64
import ipaddress
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from edge.config.base import Section
from edge.errors import ConfigError, shown

#: ``dashboard.password_hash`` is ``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` (edge.dashboard.auth).
SCHEME = "pbkdf2_sha256"
MIN_ITERATIONS = 1_000
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def check_hash_format(encoded: str) -> tuple[int, bytes, bytes]:
    """Split a stored hash into (iterations, salt, digest) or raise :class:`ConfigError`."""
    parts = encoded.split("$")
    expected = f"{SCHEME}$<iterations>$<salt>$<hash> (from `glimpse dashboard hash-password`)"
    if len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
        raise ConfigError([f"dashboard.password_hash: got {_masked(encoded)!r}; expected {expected}"])
    iterations = int(parts[1])
    if iterations < MIN_ITERATIONS:
        raise ConfigError([f"dashboard.password_hash: {iterations!r} iterations; expected at least {MIN_ITERATIONS}"])
    try:
        salt, digest = _unb64(parts[2]), _unb64(parts[3])
    except ValueError:
        raise ConfigError([f"dashboard.password_hash: got {_masked(encoded)!r}; expected {expected}"]) from None
    return iterations, salt, digest


def is_loopback_host(host: str) -> bool:
    """True for loopback addresses and names (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from exc


def _masked(encoded: str) -> str:
    return encoded[:14] + "..." if len(encoded) > 14 else encoded


class DashboardConfig(Section):
    """The local web dashboard."""

    enabled: bool = Field(default=True, description="Serve the dashboard while the daemon runs.")
    host: str = Field(default="127.0.0.1", description="Address to bind; anything but loopback needs a password.")
    port: int = Field(default=8321, ge=0, le=65535, description="TCP port (0 picks a free one).")
    password_hash: str | None = Field(
        default=None,
        description=(
            "Hash of the dashboard password (make one with `glimpse dashboard hash-password`) for the login form. "
            "Required when host is not a loopback address."
        ),
    )
    api_token_sha256: list[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]] = Field(
        default_factory=list,
        description="SHA-256 (hex) of each API token accepted as 'Authorization: Bearer <token>' (make one with "
        "`glimpse dashboard new-token`); the password is not a bearer token.",
    )
    require_login: bool = Field(
        default=False,
        description="Ask for the password even on a loopback address (always asked beyond loopback).",
    )
    session_ttl_min: float = Field(
        default=480.0, gt=0, le=10_080, description="Minutes a login session lasts before the password is asked again."
    )
    kiosk_loopback_without_login: bool = Field(
        default=True,
        description="Let the attached display (a browser on this device, 127.0.0.1 or ::1) open /kiosk without login.",
    )
    max_stream_clients: int = Field(
        default=16, ge=1, le=1000, description="Live-update (SSE) connections served at once; more are refused."
    )
    poll_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often a standalone dashboard looks for new events in the store."
    )
    max_connections: int = Field(
        default=32,
        ge=2,
        le=1000,
        description="Connections served at once (live streams included); more are answered 503 and closed at once.",
    )
    read_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="A client that sends nothing for this long while a request is expected is disconnected.",
    )

    @model_validator(mode="after")
    def _check(self) -> DashboardConfig:
        if self.max_stream_clients >= self.max_connections:
            raise ValueError(
                f"max_stream_clients {self.max_stream_clients!r} >= max_connections {self.max_connections!r}; "
                "expected fewer live streams than connections, so that the API still answers"
            )
        return self

    @field_validator("password_hash")
    @classmethod
    def _hash_format(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_hash_format(value)
            except ConfigError as exc:  # its one problem reads "dashboard.password_hash: got ...; expected ..."
                raise ValueError(exc.problems[0].partition(": ")[2]) from None
        return value

    @model_validator(mode="after")
    def _password_where_needed(self) -> DashboardConfig:
        if self.password_hash is None and (self.require_login or not is_loopback_host(self.host)):
            why = "require_login is set" if self.require_login else f"host {shown(self.host)} is not a loopback address"
            raise ValueError(
                f"password_hash is not set, but {why}; expected a hash from `glimpse dashboard hash-password`"
            )
        return self
