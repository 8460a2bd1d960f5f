"""Configuration of the local web dashboard."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from edge.config.base import Section
from edge.errors import ConfigError, shown


class DashboardConfig(Section):
    """The local web dashboard."""

    enabled: bool = Field(default=True, description="Serve the dashboard while the daemon runs.")
    host: str = Field(default="127.0.0.1", description="Address to bind; anything but loopback needs a password.")
    port: int = Field(default=8321, ge=0, le=65535, description="TCP port (0 picks a free one).")
    password_hash: str | None = Field(
        default=None,
        description=(
            "Hash of the dashboard password (make one with `glimpse dashboard hash-password`); the password also "
            "works as an API bearer token. Required when host is not a loopback address."
        ),
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

    @field_validator("password_hash")
    @classmethod
    def _hash_format(cls, value: str | None) -> str | None:
        from edge.dashboard.auth import check_hash_format

        if value is not None:
            try:
                check_hash_format(value)
            except ConfigError as exc:  # its one problem reads "dashboard.password_hash: got ...; expected ..."
                raise ValueError(exc.problems[0].partition(": ")[2]) from None
        return value

    @model_validator(mode="after")
    def _password_where_needed(self) -> DashboardConfig:
        from edge.dashboard.auth import is_loopback_host

        if self.password_hash is None and (self.require_login or not is_loopback_host(self.host)):
            why = "require_login is set" if self.require_login else f"host {shown(self.host)} is not a loopback address"
            raise ValueError(
                f"password_hash is not set, but {why}; expected a hash from `glimpse dashboard hash-password`"
            )
        return self
