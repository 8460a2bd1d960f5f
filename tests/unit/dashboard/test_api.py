"""The JSON API over real HTTP: filters, bad input -> clear 4xx, export, control, metrics, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from edge.control import Controller
from edge.dashboard.feed import DashboardFeed
from edge.dashboard.server import DashboardServer
from edge.events.store import EventStore
from edge.sinks.status import SinkStatus

from .conftest import Client, config_for, make_event
from pipeline_fakes import ListSource, make_daemon


def test_events_newest_first_with_total(client: Client) -> None:
    status, body = client.get_json("/api/events?limit=2")
    assert status == 200
    assert [e["id"] for e in body["events"]] == ["ev-0005", "ev-0004"]
    assert body["total"] == 6 and body["limit"] == 2


def test_filters_by_kind_label_and_range(client: Client) -> None:
    _, body = client.get_json("/api/events?kind=micro&label=surprise")
    assert [e["id"] for e in body["events"]] == ["ev-0002"]
    _, body = client.get_json("/api/events?since=2024-05-01T12:01:00Z&until=2024-05-01T12:03:00%2B00:00")
    assert [e["id"] for e in body["events"]] == ["ev-0002", "ev-0001"]


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("since=yesterday", 400, "malformed time"),
        ("since=2024-05-01T12:00:00", 400, "malformed time"),  # no zone: ambiguous
        ("since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z", 400, "empty time range"),
        ("limit=0", 400, "out of range"),
        ("limit=1001", 400, "out of range"),
        ("limit=99999999999999999999", 400, "out of range"),
        ("limit=ten", 400, "malformed number"),
        ("offset=-1", 400, "out of range"),
        ("kind=mega", 400, "unknown kind"),
        ("label=%3Cscript%3E", 400, "malformed label"),
        ("colour=red", 400, "unknown parameter"),
        ("limit=1&limit=2", 400, "repeated parameter"),
    ],
)
def test_bad_event_queries_are_clear_4xx(client: Client, query: str, status: int, error: str) -> None:
    got, body = client.get_json("/api/events?" + query)
    assert got == status
    assert body["error"] == error
    assert body["detail"]


def test_counts(client: Client) -> None:
    _, body = client.get_json("/api/counts")
    assert body["total"] == 6
    assert body["by_kind"] == {"micro": 3, "macro": 3}
    assert body["by_label"] == {"positive": 2, "negative": 2, "surprise": 2}
    assert sum(sum(v.values()) for v in body["by_hour"].values()) == 6
    assert client.get_json("/api/counts?limit=3")[0] == 400  # counts take filters only


def test_csv_export_has_every_row_and_attachment(client: Client) -> None:
    status, headers, data = client.request("GET", "/api/events.csv?kind=macro")
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["id"] for r in rows] == ["ev-0005", "ev-0003", "ev-0001"]
    assert rows[0]["action_units"] == "AU12:0.81 AU6:0.40"
    assert client.request("GET", "/api/events.csv?limit=10001")[0] == 400


def test_json_export_allows_big_pages(client: Client) -> None:
    status, headers, data = client.request("GET", "/api/events.json?limit=10000")
    assert status == 200 and "attachment" in headers["content-disposition"]
    assert len(json.loads(data)["events"]) == 6


def test_control_pauses_and_resumes(client: Client, controller: Controller) -> None:
    token = client.csrf()
    assert client.post_json("/api/control", {"action": "pause"}, {"X-CSRF-Token": token}) == (
        200,
        {"paused": True, "action": "pause"},
    )
    assert controller.paused
    assert client.post_json("/api/control", {"action": "resume"}, {"X-CSRF-Token": token})[1]["paused"] is False
    assert not controller.paused


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "malformed JSON"),
        ({"action": "pause", "force": True}, 422, "invalid control request"),
        ({"action": "explode"}, 422, "invalid control request"),
        ({}, 422, "invalid control request"),
        ([1, 2], 422, "invalid control request"),
    ],
)
def test_bad_control_bodies(client: Client, controller: Controller, body: object, status: int, error: str) -> None:
    got, answer = client.post_json("/api/control", body, {"X-CSRF-Token": client.csrf()})
    assert (got, answer["error"]) == (status, error)
    assert not controller.paused


def test_control_needs_json_and_bounded_body(client: Client) -> None:
    headers = {"X-CSRF-Token": client.csrf(), "Content-Type": "text/plain"}
    status, _, data = client.request("POST", "/api/control", b"action=pause", headers)
    assert status == 415 and json.loads(data)["error"] == "unsupported media type"
    big = json.dumps({"action": "pause", "pad": "x" * 10_000}).encode()
    assert client.post_json("/api/control", big, {"X-CSRF-Token": client.csrf()})[0] == 413


def test_control_without_controller_is_unavailable(tmp_path, store) -> None:  # type: ignore[no-untyped-def]
    from .conftest import config_for

    with DashboardServer(config_for(tmp_path), store, None) as srv:
        c = Client(srv.start())
        status, body = c.post_json("/api/control", {"action": "pause"}, {"X-CSRF-Token": c.csrf()})
        assert (status, body["error"]) == (503, "pause unavailable")
        assert c.get_json("/api/health")[1]["daemon"] == "not running"
        assert c.get_json("/api/session")[1]["pause_available"] is False


def test_stats_health_and_state(client: Client) -> None:
    _, stats = client.get_json("/api/stats")
    assert stats["daemon_running"] is True and stats["fps_in"] == 90.0
    _, health = client.get_json("/api/health")
    assert health["daemon"] == "running"
    assert health["pipeline"]["stage_ms"]["face"]["p95"] == 2.0
    assert health["host"]["disk"]["total_bytes"] > 0
    _, state = client.get_json("/api/state")
    assert state["last_event"]["id"] == "ev-0005"


def test_health_shows_the_engine_and_mqtt_state_the_daemon_pushed(
    tmp_path: Path, store: EventStore, controller: Controller
) -> None:
    status = SinkStatus()
    status.reporter("mqtt_connected")(True)  # what the MQTT sink pushes once the broker accepted it
    feed = DashboardFeed()
    daemon, _ = make_daemon(ListSource(300, delay_s=0.002), every=10_000, extra_sinks=[feed], sink_status=status)
    daemon.run()  # over 0.6 s: its stats timer (every 0.05 s) pushes snapshots to the feed through the bus
    with DashboardServer(config_for(tmp_path), store, controller, feed=feed) as srv:
        _, health = Client(srv.start()).get_json("/api/health")
    pipeline = health["pipeline"]
    assert (pipeline["engine_backend"], pipeline["model"], pipeline["mqtt_connected"]) == (
        "onnxruntime",
        "glimpse_me",
        True,
    )


def test_config_view_masks_secrets(tmp_path, store) -> None:  # type: ignore[no-untyped-def]
    from .conftest import FAST_HASH, config_for

    with DashboardServer(config_for(tmp_path, password_hash=FAST_HASH), store, None) as srv:
        c = Client(srv.start())
        _, body = c.get_json("/api/config")
    rows = {r["key"]: r for r in body["settings"]}
    assert rows["dashboard.password_hash"]["value"] == "set (hidden)"
    assert FAST_HASH not in json.dumps(body)
    assert rows["dashboard.port"]["description"]
    assert all(r["description"] for r in body["settings"]), "every config field has a description"


def test_metrics_are_prometheus_text(client: Client) -> None:
    status, headers, data = client.request("GET", "/metrics")
    text = data.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "glimpse_fps_in 90" in text
    assert 'glimpse_stage_latency_ms{stage="face",quantile="0.95"} 2' in text
    assert 'glimpse_events_stored{kind="micro",label="positive"} 1' in text
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2


def test_openapi_lists_every_endpoint(client: Client) -> None:
    _, doc = client.get_json("/api/openapi.json")
    assert doc["openapi"].startswith("3.")
    for path in ("/api/events", "/api/events.csv", "/api/stats", "/api/health", "/api/control", "/api/stream"):
        assert path in doc["paths"]
    params = {p["name"] for p in doc["paths"]["/api/events"]["get"]["parameters"]}
    assert params == {"since", "until", "kind", "label", "limit", "offset"}


def test_unknown_paths_and_methods(client: Client) -> None:
    assert client.get_json("/api/nope")[0] == 404
    assert client.request("GET", "/static/../config.py")[0] == 404
    assert client.request("DELETE", "/api/events")[0] == 405


def test_pages_forbid_images_and_foreign_scripts(client: Client) -> None:
    status, headers, data = client.request("GET", "/")
    assert status == 200 and b"No video or image" in data
    assert "img-src 'none'" in headers["content-security-policy"]
    assert "media-src 'none'" in headers["content-security-policy"]
    assert b"http" not in data.replace(b"http-equiv", b"")  # every asset is local


def test_dns_rebinding_host_is_refused(client: Client) -> None:
    status, _, data = client.request("GET", "/api/events", headers={"Host": "evil.example:8321"})
    assert status == 421 and json.loads(data)["error"] == "unexpected Host header"


def test_stream_delivers_pushed_events(server: DashboardServer) -> None:
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    conn.request("GET", "/api/stream")
    res = conn.getresponse()
    assert res.getheader("Content-Type") == "text/event-stream"
    assert res.readline().startswith(b"retry:")
    assert res.readline() == b"event: hello\n"
    res.readline(), res.readline()  # hello data and blank line
    server.feed.on_event(make_event(42))
    assert res.readline() == b"event: event\n"
    assert json.loads(res.readline().removeprefix(b"data: "))["id"] == "ev-0042"
    conn.close()
