"""Prometheus text exposition (format 0.0.4) of the pipeline stats, store counts and host health.

Reference: https://prometheus.io/docs/instrumenting/exposition_formats/
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# stats key -> (metric name, type, help)
_SCALARS = {
    "fps_in": ("glimpse_fps_in", "gauge", "Frames per second arriving from the camera."),
    "fps_out": ("glimpse_fps_out", "gauge", "Frames per second analysed."),
    "dropped_frames": ("glimpse_dropped_frames_total", "counter", "Frames dropped (timestamp gaps and ring overflow)."),
    "frames_in": ("glimpse_frames_in_total", "counter", "Frames received from the camera."),
    "frames_analyzed": ("glimpse_frames_analyzed_total", "counter", "Frames analysed."),
    "uptime_s": ("glimpse_uptime_seconds", "gauge", "Seconds since the daemon started."),
    "paused": ("glimpse_paused", "gauge", "1 while a privacy pause is in force."),
    "mqtt_connected": ("glimpse_mqtt_connected", "gauge", "1 while connected to the MQTT broker."),
    "face_found_rate": ("glimpse_face_found_rate", "gauge", "Share of analysed frames with a tracked face."),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return None


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**63 else repr(value)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        if not samples:
            return
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        self.lines += [f"{name}{_labels(labels)} {_fmt(value)}" for labels, value in samples]


def render(
    stats: Mapping[str, Any],
    daemon_running: bool,
    counts: Mapping[str, Mapping[str, int]],
    host: Mapping[str, Any],
) -> str:
    """The whole /metrics page. ``counts`` maps kind -> label -> stored events."""
    w = _Writer()
    w.family(
        "glimpse_daemon_up",
        "gauge",
        "1 when the dashboard is attached to a running daemon.",
        [({}, 1.0 if daemon_running else 0.0)],
    )
    for key, (name, kind, help_text) in _SCALARS.items():
        value = _number(stats.get(key))
        w.family(name, kind, help_text, [({}, value)] if value is not None else [])
    stage_samples: list[tuple[dict[str, str], float]] = []
    for stage, quantiles in dict(stats.get("stage_ms") or {}).items():
        for q_name, q in (("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99")):
            value = _number(dict(quantiles).get(q_name)) if isinstance(quantiles, Mapping) else None
            if value is not None:
                stage_samples.append(({"stage": str(stage), "quantile": q}, value))
    w.family("glimpse_stage_latency_ms", "gauge", "Per-stage processing time in ms (recent quantiles).", stage_samples)
    stored = [({"kind": k, "label": lab}, float(n)) for k, by in counts.items() for lab, n in by.items()]
    w.family("glimpse_events_stored", "gauge", "Events in the store by kind and class (after retention).", stored)
    _host(w, host)
    return "\n".join(w.lines) + "\n"


def _host(w: _Writer, host: Mapping[str, Any]) -> None:
    load = host.get("load") or {}
    w.family("glimpse_host_load", "gauge", "Host load average.", [({"window": k}, float(v)) for k, v in load.items()])
    temp = _number(host.get("temperature_c"))
    w.family("glimpse_host_temperature_celsius", "gauge", "Hottest thermal zone.", [({}, temp)] if temp else [])
    throttled = host.get("throttled") or {}
    flags = [({"flag": k}, 1.0 if v else 0.0) for k, v in throttled.items() if isinstance(v, bool)]
    w.family("glimpse_host_throttled", "gauge", "Raspberry Pi throttling flags (vcgencmd get_throttled).", flags)
    disk = host.get("disk") or {}
    for key, name in (("used_bytes", "glimpse_disk_used_bytes"), ("free_bytes", "glimpse_disk_free_bytes")):
        value = _number(disk.get(key))
        w.family(
            name,
            "gauge",
            f"Filesystem of the event store: {key.replace('_', ' ')}.",
            [({}, value)] if value is not None else [],
        )
    rss = _number(host.get("dashboard_rss_bytes"))
    w.family(
        "glimpse_process_resident_memory_bytes",
        "gauge",
        "Resident memory of the serving process.",
        [({}, rss)] if rss is not None else [],
    )
