"""Request parsing and response shaping for the dashboard's JSON API (no HTTP here).

Every malformed input becomes an :class:`ApiError` with a status, a short
``error`` and a ``detail`` that shows the value and what was expected.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from edge.events.model import Event
from edge.events.store import EventQuery

PAGE_LIMIT = 1000
EXPORT_LIMIT = 10_000
MAX_OFFSET = 1_000_000
MAX_BODY_BYTES = 4096
KINDS = ("micro", "macro")
_LABEL = re.compile(r"^[A-Za-z0-9_ -]{1,64}$")
_SECRET = re.compile(r"(password|secret|token|credential|api_key|private_key)", re.IGNORECASE)
EVENT_PARAMS = frozenset({"since", "until", "kind", "label", "limit", "offset"})
COUNT_PARAMS = frozenset({"since", "until", "kind", "label"})
CSV_COLUMNS = (
    "id",
    "onset",
    "offset",
    "kind",
    "duration_ms",
    "emotion",
    "emotion_score",
    "action_units",
    "regions",
    "confidence",
    "track",
    "device",
    "source",
    "engine_backend",
    "engine_model",
    "latency_ms",
)


class ApiError(Exception):
    """A client mistake: answered as ``{"error": ..., "detail": ...}`` with ``status``."""

    def __init__(self, status: int, error: str, detail: Any = None) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail}


@dataclass(frozen=True)
class EventPage:
    """A parsed ``/api/events`` request: the store query plus paging."""

    query: EventQuery
    limit: int
    offset: int


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if values is None:
        return None
    if len(values) != 1:
        raise ApiError(400, "repeated parameter", f"{name!r} given {len(values)} times; expected once")
    return values[0]


def parse_time(name: str, raw: str) -> datetime:
    """An ISO 8601 time with a zone (``Z`` or ``+HH:MM``); naive times are refused as ambiguous."""
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"  # Python 3.10's fromisoformat does not take 'Z'
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400, "malformed time", f"{name}={raw!r}: expected ISO 8601 such as 2024-05-01T12:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise ApiError(400, "malformed time", f"{name}={raw!r}: expected a zone, e.g. a trailing 'Z' for UTC")
    try:
        utc = value.astimezone(timezone.utc)
        utc.timestamp()
    except (OverflowError, ValueError, OSError):  # year 1 or 9999 with a zone leaves the representable range
        raise ApiError(400, "time out of range", f"{name}={raw!r}: expected a year between 1 and 9999 in UTC") from None
    return utc


def _int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "malformed number", f"{name}={raw!r}: expected an integer {low}..{high}") from None
    if not low <= value <= high:
        raise ApiError(400, "out of range", f"{name}={value!r}: expected {low}..{high}")
    return value


def check_known(params: Mapping[str, list[str]], allowed: Iterable[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ApiError(400, "unknown parameter", f"{unknown!r}; expected some of {sorted(allowed)}")


def parse_filters(params: Mapping[str, list[str]]) -> EventQuery:
    """The time range, kind and label filters shared by events, export and counts."""
    since_raw, until_raw = _single(params, "since"), _single(params, "until")
    since = parse_time("since", since_raw) if since_raw else None
    until = parse_time("until", until_raw) if until_raw else None
    if since is not None and until is not None and since >= until:
        raise ApiError(400, "empty time range", f"since={since_raw!r} is not before until={until_raw!r}")
    kind = _single(params, "kind") or None
    if kind is not None and kind not in KINDS:
        raise ApiError(400, "unknown kind", f"kind={kind!r}; expected one of {list(KINDS)}")
    label = _single(params, "label") or None
    if label is not None and not _LABEL.match(label):
        raise ApiError(400, "malformed label", f"label={label!r}; expected 1-64 letters, digits, '_', '-' or ' '")
    return EventQuery(since=since, until=until, kind=kind, label=label)


def parse_event_page(params: Mapping[str, list[str]], max_limit: int = PAGE_LIMIT) -> EventPage:
    """Parse ``/api/events`` parameters; unknown or repeated parameters are errors."""
    check_known(params, EVENT_PARAMS)
    query = parse_filters(params)
    limit = _int("limit", _single(params, "limit"), min(100, max_limit), 1, max_limit)
    offset = _int("offset", _single(params, "offset"), 0, 0, MAX_OFFSET)
    return EventPage(query=query, limit=limit, offset=offset)


class ControlRequest(BaseModel):
    """Body of ``POST /api/control``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    action: Literal["pause", "resume"]


def parse_json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "malformed JSON", str(exc)) from None
    except RecursionError:
        raise ApiError(400, "malformed JSON", "nested too deeply; expected {'action': 'pause' | 'resume'}") from None


def parse_control(raw: bytes) -> ControlRequest:
    """The pause/resume request; bad JSON is 400, a wrong shape (unknown fields, bad action) 422."""
    data = parse_json_body(raw)
    try:
        return ControlRequest.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]) or "<body>", "problem": e["msg"], "got": e.get("input")}
            for e in exc.errors()
        ]
        raise ApiError(422, "invalid control request", problems) from None


def event_row(event: Event) -> dict[str, Any]:
    """One flat CSV row of an event (AUs as 'AU12:0.81 AU6:0.64')."""
    return {
        "id": event.id,
        "onset": event.onset.isoformat(),
        "offset": event.offset.isoformat(),
        "kind": event.kind,
        "duration_ms": f"{event.duration_ms:.1f}",
        "emotion": event.emotion.label,
        "emotion_score": f"{event.emotion.scores.get(event.emotion.label, 0.0):.3f}",
        "action_units": " ".join(f"AU{a.au}:{a.p:.2f}" for a in event.action_units),
        "regions": " ".join(event.regions),
        "confidence": f"{event.confidence:.3f}",
        "track": event.track,
        "device": event.device,
        "source": event.source,
        "engine_backend": event.engine.backend,
        "engine_model": event.engine.model,
        "latency_ms": f"{event.latency_ms:.1f}",
    }


def events_csv(events: Iterable[Event]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for event in events:
        writer.writerow(event_row(event))
    return out.getvalue()


def is_secret(key: str) -> bool:
    return bool(_SECRET.search(key)) or key.endswith("_hash")


def settings_view(model: BaseModel, prefix: str = "") -> list[dict[str, Any]]:
    """Every effective setting as {key, value, description, secret}; secret values are masked."""
    rows: list[dict[str, Any]] = []
    for name, field in type(model).model_fields.items():
        key = f"{prefix}{name}"
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            rows.extend(settings_view(value, key + "."))
            continue
        secret = is_secret(name)
        shown: Any = ("set (hidden)" if value else None) if secret else _jsonable(value)
        rows.append({"key": key, "value": shown, "description": field.description or "", "secret": secret})
    return rows


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
