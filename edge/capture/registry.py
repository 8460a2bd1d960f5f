"""Source URIs (``scheme:target?key=value``) and the source registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from edge.capture.base import FrameSource
from edge.errors import UsageError
from edge.registry import load_entry

SOURCES: dict[str, str] = {
    "file": "edge.capture.file:FileSource",
    "synthetic": "edge.capture.synthetic:SyntheticSource",
    "v4l2": "edge.capture.v4l2:V4L2Source",
    "picamera2": "edge.capture.picamera2:Picamera2Source",
    "argus": "edge.capture.argus:ArgusSource",
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
            raise UsageError(f"source {uri!r} has no scheme; expected 'scheme:target', scheme one of {sorted(SOURCES)}")
        target, _, query = rest.partition("?")
        if target.startswith("//"):
            target = target[2:]
        return cls(scheme, unquote(target), dict(parse_qsl(query, keep_blank_values=True)), uri)

    def get_float(self, key: str, default: float) -> float:
        value = self.params.get(key)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except ValueError:
            raise UsageError(f"source {self.raw!r}: {key}={value!r} is not a number") from None

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
        raise UsageError(f"source {self.raw!r}: {key}={value!r} is not a boolean; expected true or false")


def open_source(uri: str) -> FrameSource:
    """Build (not yet open) the source for ``uri``; the scheme picks the backend."""
    parsed = SourceURI.parse(uri)
    cls = load_entry(SOURCES, parsed.scheme, "source scheme")
    source: FrameSource = cls(parsed)
    return source
