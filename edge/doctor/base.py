"""Findings, the context every check reads, and the check signature.

A check is a function ``(ctx) -> list[Finding]``. Everything it touches in the
outside world comes through :class:`DoctorContext` (file-system root, command
runner, source opener, TCP connector, importer), so tests replace each piece.
"""

from __future__ import annotations

import enum
import importlib
import os
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.config import GlimpseConfig

if TYPE_CHECKING:
    from edge.capture.base import FrameSource


class Status(enum.IntEnum):
    """How bad a finding is; the order is the severity."""

    OK = 0
    SKIP = 1
    WARN = 2
    FAIL = 3


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the doctor's table."""

    check: str
    status: Status
    detail: str
    fix: str = ""


CommandRunner = Callable[[Sequence[str]], "tuple[int, str] | None"]
"""Runs a command, returns (exit code, stdout), or None when the program does not exist."""


def run_command(argv: Sequence[str], timeout_s: float = 5.0) -> tuple[int, str] | None:
    """The real command runner (no shell)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, check=False)
    except FileNotFoundError:
        return None
    except subprocess.TimeoutExpired:
        return 124, ""
    return done.returncode, done.stdout


def tcp_connect(host: str, port: int, timeout_s: float) -> None:
    """Open and close a TCP connection (raises OSError when unreachable)."""
    with socket.create_connection((host, port), timeout=timeout_s):
        pass


def _open_source(uri: str) -> FrameSource:
    from edge.capture.registry import open_source

    return open_source(uri)


def default_models_dir(environ: Mapping[str, str]) -> Path:
    """$GLIMPSE_MODELS, else <checkout>/models, else /opt/glimpse/models (what install.sh lays down)."""
    if environ.get("GLIMPSE_MODELS"):
        return Path(environ["GLIMPSE_MODELS"])
    checkout = Path(__file__).resolve().parents[2] / "models"
    return checkout if checkout.is_dir() else Path("/opt/glimpse/models")


@dataclass
class DoctorContext:
    """What checks may look at; every field has a real default and a test double."""

    config: GlimpseConfig
    root: Path = Path("/")
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    run: CommandRunner = run_command
    open_source: Callable[[str], FrameSource] = _open_source
    connect: Callable[[str, int, float], None] = tcp_connect
    importer: Callable[[str], Any] = importlib.import_module
    models_dir: Path | None = None
    camera_seconds: float = 1.0

    def path(self, absolute: str) -> Path:
        """``absolute`` under :attr:`root` (tests point root at a fake /sys, /proc, /run)."""
        return self.root / absolute.lstrip("/")

    def models(self) -> Path:
        return self.models_dir if self.models_dir is not None else default_models_dir(self.environ)


Check = Callable[[DoctorContext], list[Finding]]
