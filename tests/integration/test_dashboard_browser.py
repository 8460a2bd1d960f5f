"""The dashboard in a real headless Chromium (Debian's, through Playwright; never `playwright install`).

Covers: events appear live when the pipeline emits them, filters, login
enforced when login is required, the kiosk view, the pause button. Saves
screenshots to docs/img/ (with GLIMPSE_SCREENSHOTS=1) so readers see the pages.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from edge.config import validate
from edge.control import Controller
from edge.dashboard.server import DashboardServer
from edge.events.model import ActionUnit, DeviceState, Emotion, EngineInfo, Event
from edge.events.store import EventStore
from edge.sinks.status import SinkStatus

from pipeline_fakes import ListSource, make_daemon

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
# Screenshots go to docs/img only when asked (GLIMPSE_SCREENSHOTS=1), so a test run leaves the tree clean.
IMG = (
    Path(__file__).resolve().parents[2] / "docs" / "img"
    if os.environ.get("GLIMPSE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "glimpse-screenshots"
)
PASSWORD = "kiosk-demo-password"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)

AUS = {
    "positive": [(6, "Cheek raiser", 0.74), (12, "Lip corner puller", 0.88)],
    "negative": [(4, "Brow lowerer", 0.81), (15, "Lip corner depressor", 0.58), (1, "Inner brow raiser", 0.31)],
    "surprise": [(1, "Inner brow raiser", 0.77), (2, "Outer brow raiser", 0.69), (5, "Upper lid raiser", 0.52)],
}


def event(n: int, onset: datetime, label: str, kind: str = "micro", confidence: float = 0.7) -> Event:
    duration = 180.0 + 37 * (n % 5) if kind == "micro" else 900.0 + 120 * (n % 4)
    others = [lab for lab in AUS if lab != label]
    scores = {label: 0.64 + 0.05 * (n % 4), others[0]: 0.2, others[1]: 0.16 - 0.05 * (n % 4) + 0.0}
    return Event(
        id=f"evt-{n:05d}", device="kiosk-01", source="picamera2:0", kind=kind,  # type: ignore[arg-type]
        onset=onset, apex=onset + timedelta(milliseconds=duration / 2), offset=onset + timedelta(milliseconds=duration),
        onset_ns=n * 10**9, apex_ns=n * 10**9 + 5 * 10**7, offset_ns=n * 10**9 + int(duration * 1e6),
        onset_frame=n * 90 + 1, apex_frame=n * 90 + 9, offset_frame=n * 90 + 18, duration_ms=duration,
        emotion=Emotion(label=label, scores=scores),
        action_units=[ActionUnit(au=a, name=name, p=p) for a, name, p in AUS[label]],
        regions=["brows"] if label != "positive" else ["mouth", "eyes"], confidence=confidence, track=3,
        engine=EngineInfo(backend="onnxruntime", model="glimpse-me-v1", sha256="0" * 64), latency_ms=41.0,
    )  # fmt: skip


def emit(server: DashboardServer, ev: Event) -> None:
    """What the daemon's output thread does: the store sink and the dashboard sink both get the event."""
    server.store.add(ev)
    server.feed.on_event(ev)


def fill_store(store: EventStore) -> None:
    now = datetime.now(timezone.utc)
    labels = ["positive", "negative", "surprise", "negative", "positive", "negative"]
    for n in range(36):  # the last few hours, for the counts page
        store.add(event(n, now - timedelta(minutes=7 * (36 - n)), labels[n % 6], "macro" if n % 7 == 0 else "micro"))
    for n in range(36, 44):  # the last five minutes, for the timeline
        store.add(event(n, now - timedelta(seconds=33 * (44 - n)), labels[n % 6], confidence=0.45 + 0.06 * (n % 8)))


def stats() -> dict[str, Any]:
    now = time.time()
    history = [
        [now - 300 + t, 0.12 + 0.05 * math.sin(t / 7) + (0.6 if (300 - t) % 33 < 1 else 0.0)] for t in range(0, 300)
    ]
    return {
        "fps_in": 90.2, "fps_out": 89.7, "dropped_frames": 14, "frames_in": 1_083_112, "frames_analyzed": 1_082_871,
        "stage_ms": {"capture": {"p50": 0.21, "p95": 0.35, "p99": 0.6}, "face": {"p50": 1.9, "p95": 6.1, "p99": 7.4},
                     "motion": {"p50": 0.4, "p95": 0.7, "p99": 0.9}, "engine": {"p50": 0.15, "p95": 0.22, "p99": 0.3},
                     "spotting": {"p50": 0.05, "p95": 0.08, "p99": 0.1}},
        "uptime_s": 12_034.0, "paused": False, "face_found_rate": 0.93, "score_history": history,
        **daemon_pushed(),
    }  # fmt: skip


def daemon_pushed() -> dict[str, Any]:
    """The engine and MQTT fields as a daemon's stats carry them (its MQTT sink reported a connection)."""
    status = SinkStatus()
    status.reporter("mqtt_connected")(True)
    daemon, _ = make_daemon(ListSource(1), every=10_000, sink_status=status)
    snapshot = daemon.stats()
    daemon.bus.close()
    daemon.analyzer.close()
    return {key: snapshot[key] for key in ("engine_backend", "model", "mqtt_connected")}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    IMG.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore(tmp_path / "events.db") as s:
        fill_store(s)
        yield s


@pytest.fixture
def controller() -> Controller:
    return Controller()


def _config(tmp_path: Path, **dashboard: Any) -> Any:
    return validate({"device": {"id": "kiosk-01"}, "store": {"path": str(tmp_path / "events.db")},
                     "dashboard": {"port": 0, **dashboard}})  # fmt: skip


@pytest.fixture
def server(tmp_path: Path, store: EventStore, controller: Controller) -> Iterator[DashboardServer]:
    with DashboardServer(_config(tmp_path), store, controller) as srv:
        srv.feed.on_stats(stats())  # what the daemon's stats timer pushes through the bus
        # What the daemon does: the controller's changes reach the feed as device states.
        controller.subscribe(lambda paused, reason: srv.feed.on_state(_state(paused, reason)))
        srv.feed.on_state(_state(False, "start"))
        srv.start()
        yield srv


def _state(paused: bool, reason: str) -> DeviceState:
    return DeviceState(state="paused" if paused else "running", capturing=not paused, paused=paused,
                       face_present=not paused, reason=reason, t=datetime.now(timezone.utc))  # fmt: skip


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    yield p
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_events_appear_live(server: DashboardServer, page: Any) -> None:
    page.goto(server.url)
    sync_api.expect(page.locator("#live-status")).to_have_text("live")
    sync_api.expect(page.locator("#events-table tbody tr")).to_have_count(44)
    new = event(500, datetime.now(timezone.utc), "surprise", confidence=0.83)
    emit(server, new)
    row = page.locator('#events-table tbody tr[data-id="evt-00500"]')
    sync_api.expect(row).to_be_visible(timeout=5000)
    sync_api.expect(row).to_contain_text("surprise")
    sync_api.expect(row).to_contain_text("AU1 AU2 AU5")
    sync_api.expect(page.locator("#events-table tbody tr").first).to_have_attribute("data-id", "evt-00500")
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "dashboard_events.png"))


def test_filters(server: DashboardServer, page: Any) -> None:
    page.goto(server.url)
    sync_api.expect(page.locator("#events-table tbody tr")).to_have_count(44)
    page.select_option("#filter-kind", "macro")
    page.click("#apply-filters")
    sync_api.expect(page.locator("#events-table tbody tr")).to_have_count(6)
    for text in page.locator("#events-table tbody tr td:nth-child(2)").all_inner_texts():
        assert text == "macro"
    page.select_option("#filter-kind", "")
    page.select_option("#filter-label", "surprise")
    page.click("#apply-filters")
    sync_api.expect(page.locator("#events-table tbody tr")).to_have_count(7)
    emit(server, event(600, datetime.now(timezone.utc), "negative"))  # filtered out live too
    emit(server, event(601, datetime.now(timezone.utc), "surprise"))
    sync_api.expect(page.locator('tr[data-id="evt-00601"]')).to_be_visible()
    assert page.locator('tr[data-id="evt-00600"]').count() == 0
    assert "label=surprise" in (page.locator("#export-csv").get_attribute("href") or "")
    local = (datetime.now() - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%S")
    page.select_option("#filter-label", "")
    page.fill("#filter-since", local)
    page.click("#apply-filters")
    sync_api.expect(page.locator("#events-table tbody tr")).to_have_count(8 + 2)


def test_pause_button(server: DashboardServer, controller: Controller, page: Any) -> None:
    page.goto(server.url)
    button = page.locator("#pause-btn")
    sync_api.expect(button).to_have_text("Pause")
    button.click()
    sync_api.expect(button).to_have_text("Resume")
    sync_api.expect(page.locator("#privacy-status")).to_contain_text("privacy pause")
    assert controller.paused
    button.click()
    sync_api.expect(button).to_have_text("Pause")
    assert not controller.paused


def test_other_tabs_render(server: DashboardServer, page: Any) -> None:
    page.goto(server.url + "#timeline")
    sync_api.expect(page.locator("#timeline rect.tl-event")).to_have_count(8)
    sync_api.expect(page.locator("#score-line")).to_have_count(1)
    page.screenshot(path=str(IMG / "dashboard_timeline.png"))
    page.goto(server.url + "#counts")
    sync_api.expect(page.locator("#counts-label .row")).to_have_count(3)
    sync_api.expect(page.locator("#counts-hour rect").first).to_be_visible()
    page.screenshot(path=str(IMG / "dashboard_counts.png"))
    page.goto(server.url + "#health")
    sync_api.expect(page.locator("#health-pipeline")).to_contain_text("90.2 / 89.7")
    pipeline = page.locator("#health-pipeline tr")
    sync_api.expect(pipeline.filter(has_text="Engine / model").locator("td").nth(1)).to_have_text(
        "onnxruntime / glimpse_me"
    )
    sync_api.expect(pipeline.filter(has_text="MQTT").locator("td").nth(1)).to_have_text("connected")
    sync_api.expect(page.locator("#health-stages tbody tr")).to_have_count(5)
    sync_api.expect(page.locator("#health-host")).to_contain_text("CPU load")
    page.screenshot(path=str(IMG / "dashboard_health.png"))
    page.goto(server.url + "#settings")
    sync_api.expect(page.locator("#settings-table")).to_contain_text("dashboard.password_hash")
    page.screenshot(path=str(IMG / "dashboard_settings.png"), full_page=False)
    assert page.locator("img, video, canvas").count() == 0  # no image anywhere


def test_kiosk(server: DashboardServer, controller: Controller, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 480})
    page = context.new_page()
    page.goto(server.url + "kiosk")
    sync_api.expect(page.locator("#k-status")).to_contain_text("running")
    sync_api.expect(page.locator("#k-privacy")).to_contain_text("Camera on")
    emit(server, event(700, datetime.now(timezone.utc), "positive", confidence=0.77))
    sync_api.expect(page.locator("#k-event")).to_contain_text("looks positive", timeout=5000)
    sync_api.expect(page.locator("#k-event-detail")).to_contain_text("AU6 AU12")
    page.screenshot(path=str(IMG / "kiosk.png"))
    controller.pause("button")
    sync_api.expect(page.locator("#k-privacy")).to_contain_text("Privacy pause", timeout=5000)
    page.screenshot(path=str(IMG / "dashboard_kiosk_paused.png"))
    context.close()


def test_login_enforced_when_beyond_loopback(tmp_path: Path, store: EventStore, browser: Any) -> None:
    from edge.dashboard.auth import hash_password

    # require_login is what a non-loopback bind implies; the server still listens on 127.0.0.1 only.
    config = _config(tmp_path, require_login=True, password_hash=hash_password(PASSWORD, iterations=1000),
                     kiosk_loopback_without_login=False)  # fmt: skip
    with DashboardServer(config, store, Controller()) as srv:
        srv.feed.on_stats(stats())
        url = srv.start()
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(url + "#health")
        assert "/login" in page.url
        page.fill("#password", "wrong")
        page.click("#login-submit")
        sync_api.expect(page.locator("#login-error")).to_have_text("Wrong password.")
        page.screenshot(path=str(IMG / "dashboard_login.png"))
        page.goto(url + "kiosk")
        assert "/login" in page.url
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        sync_api.expect(page.locator("#k-status")).to_be_visible()
        page.goto(url)
        sync_api.expect(page.locator("#events-table tbody tr")).to_have_count(44)
        sync_api.expect(page.locator("#logout-btn")).to_be_visible()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["glimpse_session"]["httpOnly"] and cookies["glimpse_session"]["sameSite"] == "Strict"
        page.locator("#pause-btn").click()
        sync_api.expect(page.locator("#pause-btn")).to_have_text("Resume")
        page.locator("#logout-btn").click()
        page.wait_for_url("**/login")
        page.goto(url)
        assert "/login" in page.url
        context.close()
