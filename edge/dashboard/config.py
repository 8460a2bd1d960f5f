"""Configuration of the local web dashboard."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from edge.config.base import Section


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
