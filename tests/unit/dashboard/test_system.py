"""Host health readers and the Prometheus renderer."""

from __future__ import annotations

from pathlib import Path

from edge.config import validate
from edge.dashboard import metrics
from edge.dashboard.api import settings_view
from edge.dashboard.system import disk_usage, load_average, parse_throttled, temperature_c


def test_throttled_flags() -> None:
    flags = parse_throttled("throttled=0x50005\n")
    assert flags is not None and flags["raw"] == "0x50005"
    assert flags["under_voltage_now"] and flags["throttled_now"] and not flags["arm_freq_capped_now"]
    assert flags["under_voltage_occurred"] and flags["throttled_occurred"]
    assert parse_throttled("error") is None


def test_temperature_takes_hottest_zone(tmp_path: Path) -> None:
    for n, milli in enumerate(["45123", "61000", "garbage"]):
        zone = tmp_path / f"thermal_zone{n}"
        zone.mkdir()
        (zone / "temp").write_text(milli)
    assert temperature_c(tmp_path) == 61.0
    assert temperature_c(tmp_path / "none") is None


def test_load_and_disk(tmp_path: Path) -> None:
    (tmp_path / "loadavg").write_text("0.52 0.40 0.33 1/123 4567\n")
    assert load_average(tmp_path / "loadavg") == {"1m": 0.52, "5m": 0.40, "15m": 0.33}
    assert load_average(tmp_path / "missing") is None
    usage = disk_usage(tmp_path / "not" / "yet" / "events.db")  # nearest existing parent
    assert usage is not None and usage["total_bytes"] >= usage["free_bytes"] > 0


def test_metrics_escape_labels_and_skip_missing() -> None:
    text = metrics.render({"fps_in": 1.5, "mqtt_connected": None}, True, {"micro": {'a"b': 2}}, {})
    assert "glimpse_fps_in 1.5" in text
    assert 'label="a\\"b"' in text
    assert "glimpse_mqtt_connected" not in text


def test_settings_view_covers_every_section() -> None:
    rows = settings_view(validate({}))
    keys = {r["key"] for r in rows}
    assert {"dashboard.host", "store.path", "device.id"} <= keys
    assert all(isinstance(r["description"], str) for r in rows)
