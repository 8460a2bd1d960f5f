"""Source URIs (``scheme:target?key=value``) and the source registry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode

from edge.errors import UsageError, shown
from edge.registry import load_entry

if TYPE_CHECKING:
    from edge.capture.base import FrameSource
    from edge.capture.config import SourceConfig

#: Schemes of live cameras: they take size and rate from the config and are reopened when they fail.
CAMERA_SCHEMES = frozenset({"picamera2", "argus", "v4l2"})

SOURCES: dict[str, str] = {
    "file": "edge.capture.file:FileSource",
    "synthetic": "edge.capture.synthetic:SyntheticSource",
    "v4l2": "edge.capture.v4l2:V4L2Source",
    "picamera2": "edge.capture.picamera2:Picamera2Source",
    "argus": "edge.capture.argus:ArgusSource",
}

#: Allowed range of the numeric URI parameters every source shares (inclusive).
PARAM_RANGES: dict[str, tuple[float, float]] = {
    "fps": (1.0, 1000.0),
    "width": (16, 8192),
    "height": (16, 8192),
    "seconds": (0.1, 86_400.0),
    "seed": (0, 2**32 - 1),
    "timeout": (0.001, 600.0),
    "t0_ns": (0, 2**62),
}


@dataclass(frozen=True)
class SourceURI:
    """A parsed source URI such as ``file:clip.mp4?fps=90&realtime=false``."""

    scheme: str
    target: str
    params: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    @classmethod
    def parse(cls, uri: str) -> SourceURI:
        scheme, sep, rest = uri.partition(":")
        if not sep or not scheme:
            raise UsageError(
                f"source {shown(uri)} has no scheme; expected 'scheme:target', scheme one of {sorted(SOURCES)}"
            )
        target, _, query = rest.partition("?")
        if target.startswith("//"):
            target = target[2:]
        return cls(scheme, unquote(target), dict(parse_qsl(query, keep_blank_values=True)), uri)

    def get_float(self, key: str, default: float) -> float:
        """The parameter as a number within :data:`PARAM_RANGES` (``default`` when absent or blank)."""
        value = self.params.get(key)
        if value is None or value == "":
            return default
        low, high = PARAM_RANGES.get(key, (-math.inf, math.inf))
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not low <= number <= high:  # also false for nan
            raise UsageError(
                f"source {shown(self.raw, 80)}: {key}={shown(value, 40)}; expected a number from {low:g} to {high:g}"
            )
        return number

    def get_int(self, key: str, default: int) -> int:
        return int(self.get_float(key, float(default)))

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.params.get(key)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise UsageError(f"source {shown(self.raw, 80)}: {key}={shown(value, 40)}; expected true or false")


def open_source(uri: str) -> FrameSource:
    """Build (not yet open) the source for ``uri``; the scheme picks the backend."""
    parsed = SourceURI.parse(uri)
    cls = load_entry(SOURCES, parsed.scheme, "source scheme")
    source: FrameSource = cls(parsed)
    return source


def configured_uri(source: SourceConfig) -> str:
    """``source.uri``, with ``source.width/height/fps`` added for cameras whose URI does not set them.

    Files and synthetic clips keep their own size and rate.
    """
    base, _, query = source.uri.partition("?")
    if base.partition(":")[0] not in CAMERA_SCHEMES:
        return source.uri
    present = {pair.partition("=")[0] for pair in query.split("&") if pair}
    wanted = {"width": source.width, "height": source.height, "fps": source.fps}
    extra = {k: v for k, v in wanted.items() if k not in present}
    joined = "&".join(part for part in (query, urlencode(extra)) if part)
    return f"{base}?{joined}" if joined else base


def source_label(uri: str) -> str:
    """The source as events name it: a file by its name only, any source without its query.

    An event leaves the device (MQTT, exports); a file's folders can name people or places, and
    the query holds only tuning (``fps=``, ``realtime=``).
    """
    base = uri.partition("?")[0]
    scheme, _, target = base.partition(":")
    if scheme == "file":
        return f"file:{PurePosixPath(unquote(target)).name}"
    return base


def is_camera(uri: str) -> bool:
    return uri.partition(":")[0] in CAMERA_SCHEMES
