"""The OpenAPI 3.0 description of the dashboard's API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from edge import __version__
from edge.dashboard.api import EXPORT_LIMIT, KINDS, MAX_OFFSET, PAGE_LIMIT, ControlRequest
from edge.events.model import DeviceState, Event


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _filters() -> list[dict[str, Any]]:
    iso = {"type": "string", "format": "date-time"}
    return [
        _param("since", "Onset at or after this time (ISO 8601 with a zone, e.g. 2024-05-01T12:00:00Z).", iso),
        _param("until", "Onset before this time (ISO 8601 with a zone); must be after `since`.", iso),
        _param("kind", "micro or macro.", {"type": "string", "enum": list(KINDS)}),
        _param("label", "Emotion class, e.g. negative, positive, surprise.", {"type": "string", "maxLength": 64}),
    ]


def _paging(max_limit: int) -> list[dict[str, Any]]:
    return [
        _param("limit", f"Events per page (1..{max_limit}).", {"type": "integer", "minimum": 1, "maximum": max_limit}),
        _param("offset", "Events to skip, newest first.", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
    ]


def _json(ref_or_schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref_or_schema}}}


_ERR = {"$ref": "#/components/responses/Error"}
_ANY = {"type": "object", "additionalProperties": True}


def _get(summary: str, ok: dict[str, Any], params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": ok, "400": _ERR, "401": _ERR}}
    if params:
        op["parameters"] = params
    return {"get": op}


def document() -> dict[str, Any]:
    """The OpenAPI document (schemas come from the pydantic models the server uses)."""
    events_page = {
        "type": "object",
        "properties": {
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    }
    csv = {"description": "CSV, one row per event.", "content": {"text/csv": {"schema": {"type": "string"}}}}
    control = {
        "post": {
            "summary": "Privacy pause or resume. Needs the X-CSRF-Token header (from /api/session) or a bearer token.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ControlRequest"}}},
            },
            "responses": {
                "200": _json(_ANY, "The new pause state."),
                "400": _ERR,
                "401": _ERR,
                "403": _ERR,
                "415": _ERR,
                "422": _ERR,
                "503": _ERR,
            },
        }
    }
    stream = {"description": "text/event-stream with events `event`, `state`, `stats` and `hello`."}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Glimpse dashboard API",
            "version": __version__,
            "description": (
                "Events are probabilistic observations of facial movement (with confidence and the action units "
                "seen), never verdicts on what a person feels or whether they are truthful. No image or video is "
                'ever served. Errors are JSON: {"error": ..., "detail": ...}.'
            ),
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "glimpse_session"},
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `glimpse dashboard new-token` (its SHA-256 in "
                    "dashboard.api_token_sha256).",
                },
            },
            "responses": {"Error": _json({"$ref": "#/components/schemas/Error"}, "A client or server error.")},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}, "detail": {}},
                },
                "Event": Event.model_json_schema(ref_template="#/components/schemas/{model}"),
                "DeviceState": DeviceState.model_json_schema(ref_template="#/components/schemas/{model}"),
                "ControlRequest": ControlRequest.model_json_schema(),
            },
        },
        "security": [{}, {"session": []}, {"bearer": []}],
        "paths": {
            "/api/events": _get(
                "Events, newest first.", _json(events_page, "A page of events."), _filters() + _paging(PAGE_LIMIT)
            ),
            "/api/events.csv": _get("CSV export.", csv, _filters() + _paging(EXPORT_LIMIT)),
            "/api/events.json": _get(
                "JSON export (a download).", _json(events_page, "Events."), _filters() + _paging(EXPORT_LIMIT)
            ),
            "/api/counts": _get("Counts by kind, class and UTC hour.", _json(_ANY, "Counts."), _filters()),
            "/api/stats": _get("The daemon's latest stats snapshot.", _json(_ANY, "Stats.")),
            "/api/health": _get("Pipeline and host health.", _json(_ANY, "Health.")),
            "/api/state": _get("Device state, last event and pause availability.", _json(_ANY, "State.")),
            "/api/kiosk": _get("What the kiosk view shows.", _json(_ANY, "Kiosk state.")),
            "/api/config": _get("Effective settings with descriptions (secrets masked).", _json(_ANY, "Settings.")),
            "/api/session": _get(
                "Whether login is required and the CSRF token of this session.", _json(_ANY, "Session.")
            ),
            "/api/control": control,
            "/api/stream": {"get": {"summary": "Live updates (Server-Sent Events).", "responses": {"200": stream}}},
            "/metrics": {"get": {"summary": "Prometheus text metrics.", "responses": {"200": {"description": "text"}}}},
        },
    }
