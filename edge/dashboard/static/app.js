// Glimpse dashboard: plain JavaScript, no libraries. Live updates come over Server-Sent Events (/api/stream).
"use strict";
(function () {
  const $ = (sel) => document.querySelector(sel);
  const MAX_ROWS = 200;
  const TIMELINE_MIN = 5;
  const COLORS = { negative: "#ef6b6b", positive: "#5fd08a", surprise: "#f2c14e" };
  const state = { csrf: null, loginRequired: false, pauseAvailable: false, paused: null, filters: {},
    timelineEvents: [], scoreHistory: [], labels: new Set(["negative", "positive", "surprise"]) };

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
      : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  async function getJSON(url) {
    const res = await fetch(url, { credentials: "same-origin" });
    if (res.status === 401) { location.href = "/login?error=3"; throw new Error("login required"); }
    const body = await res.json();
    if (!res.ok) throw new Error(body.error + (body.detail ? ": " + JSON.stringify(body.detail) : ""));
    return body;
  }
  const fmtTime = (iso) => { const d = new Date(iso); return d.toLocaleDateString() + " " +
    d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0"); };
  const fmt = (v, digits) => (v === null || v === undefined) ? "—" : (typeof v === "number" ? v.toFixed(digits ?? 1) : String(v));

  // ---- tabs ---------------------------------------------------------------------------------------------------
  function showTab() {
    const name = (location.hash || "#events").slice(1);
    document.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== "tab-" + name; });
    document.querySelectorAll(".tabs a[data-tab]").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
    if (name === "counts") loadCounts();
    if (name === "settings") loadSettings();
    if (name === "health") loadHealth();
    if (name === "timeline") loadTimeline();
  }

  // ---- events table and filters -------------------------------------------------------------------------------
  function readFilters() {
    const f = {};
    const since = $("#filter-since").value, until = $("#filter-until").value;
    if (since) f.since = new Date(since).toISOString();
    if (until) f.until = new Date(until).toISOString();
    if ($("#filter-kind").value) f.kind = $("#filter-kind").value;
    if ($("#filter-label").value) f.label = $("#filter-label").value;
    return f;
  }
  function matches(ev) {
    const f = state.filters;
    if (f.kind && ev.kind !== f.kind) return false;
    if (f.label && ev.emotion.label !== f.label) return false;
    if (f.since && new Date(ev.onset) < new Date(f.since)) return false;
    if (f.until && new Date(ev.onset) >= new Date(f.until)) return false;
    return true;
  }
  function eventRow(ev, fresh) {
    const tr = el("tr", fresh ? { class: "fresh" } : {});
    tr.dataset.id = ev.id;
    const label = ev.emotion.label, score = ev.emotion.scores[label];
    const aus = ev.action_units.filter((a) => a.p >= 0.5).map((a) => "AU" + a.au).join(" ") || "—";
    const auTitle = ev.action_units.map((a) => `AU${a.au} ${a.name} ${a.p.toFixed(2)}`).join("\n");
    tr.append(el("td", {}, fmtTime(ev.onset)), el("td", {}, ev.kind),
      el("td", { class: "label-" + label }, `${label} (${fmt(score, 2)})`), el("td", { title: auTitle }, aus),
      el("td", {}, fmt(ev.duration_ms, 0) + " ms"), el("td", {}, fmt(ev.confidence, 2)));
    return tr;
  }
  function setExportLinks() {
    const q = new URLSearchParams(state.filters); q.set("limit", "10000");
    $("#export-csv").href = "/api/events.csv?" + q; $("#export-json").href = "/api/events.json?" + q;
  }
  async function loadEvents() {
    const q = new URLSearchParams(state.filters); q.set("limit", String(MAX_ROWS));
    $("#filter-error").hidden = true;
    try {
      const body = await getJSON("/api/events?" + q);
      const tbody = $("#events-table tbody"); tbody.replaceChildren(...body.events.map((e) => eventRow(e, false)));
      $("#events-total").textContent = body.total;
    } catch (err) { $("#filter-error").textContent = String(err.message); $("#filter-error").hidden = false; }
    setExportLinks();
  }
  function addLiveEvent(ev) {
    addLabel(ev.emotion.label);
    state.timelineEvents.push(ev);
    if (!$("#tab-timeline").hidden) drawTimeline();
    if (!matches(ev)) return;
    const tbody = $("#events-table tbody");
    if (tbody.querySelector(`tr[data-id="${CSS.escape(ev.id)}"]`)) return;
    tbody.prepend(eventRow(ev, true));
    while (tbody.rows.length > MAX_ROWS) tbody.deleteRow(-1);
    $("#events-total").textContent = Number($("#events-total").textContent) + 1;
  }
  function addLabel(label) {
    if (state.labels.has(label)) return;
    state.labels.add(label); renderLabels();
  }
  function renderLabels() {
    const sel = $("#filter-label"), current = sel.value;
    sel.replaceChildren(el("option", { value: "" }, "any"), ...[...state.labels].sort().map((l) => el("option", { value: l }, l)));
    sel.value = current;
  }

  // ---- header: state and privacy pause ----------------------------------------------------------------------------
  function showState(s) {
    if (s.paused !== undefined) state.paused = s.paused;
    if (s.pause_available !== undefined) state.pauseAvailable = s.pause_available;
    const running = s.daemon_running;
    const ds = $("#daemon-status");
    if (running !== undefined) {
      ds.textContent = running ? (s.state ? s.state.state : "running") : "daemon not running";
      ds.className = "badge " + (running ? "ok" : "warn");
    }
    const ps = $("#privacy-status"), btn = $("#pause-btn");
    if (state.paused === null) { ps.textContent = "privacy: unknown"; ps.className = "badge"; }
    else { ps.textContent = state.paused ? "privacy pause: camera off" : "camera on"; ps.className = "badge " + (state.paused ? "warn" : "ok"); }
    btn.disabled = !state.pauseAvailable;
    btn.title = state.pauseAvailable ? "" : "Pause is available only when the dashboard runs inside the daemon";
    btn.textContent = state.paused ? "Resume" : "Pause";
    btn.classList.toggle("paused", !!state.paused);
  }
  async function togglePause() {
    const action = state.paused ? "resume" : "pause";
    const res = await fetch("/api/control", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": state.csrf || "" }, body: JSON.stringify({ action }) });
    const body = await res.json();
    if (res.ok) showState({ paused: body.paused }); else alert(body.error + ": " + JSON.stringify(body.detail));
  }

  // ---- live stream --------------------------------------------------------------------------------------------
  function connect() {
    const es = new EventSource("/api/stream");
    const live = $("#live-status");
    es.addEventListener("open", () => { live.textContent = "live"; live.className = "badge ok"; });
    es.addEventListener("error", () => { live.textContent = "reconnecting"; live.className = "badge warn"; });
    es.addEventListener("hello", (m) => showState(JSON.parse(m.data)));
    es.addEventListener("event", (m) => addLiveEvent(JSON.parse(m.data)));
    es.addEventListener("state", (m) => { const s = JSON.parse(m.data); showState({ paused: s.paused, state: s, daemon_running: true }); });
    es.addEventListener("stats", (m) => { const s = JSON.parse(m.data); if (s.score_history) state.scoreHistory = s.score_history; });
  }

  // ---- timeline -----------------------------------------------------------------------------------------------
  async function loadTimeline() {
    const since = new Date(Date.now() - TIMELINE_MIN * 60000).toISOString();
    try {
      const [events, stats] = await Promise.all([getJSON("/api/events?limit=1000&since=" + encodeURIComponent(since)), getJSON("/api/stats")]);
      state.timelineEvents = events.events; state.scoreHistory = stats.score_history || [];
    } catch (err) { /* drawn with what we have */ }
    drawTimeline();
  }
  function drawTimeline() {
    const svg = $("#timeline"), W = 1000, H = 260, top = 10, bottom = 230, now = Date.now(), t0 = now - TIMELINE_MIN * 60000;
    const x = (ms) => ((ms - t0) / (now - t0)) * W, y = (v) => bottom - Math.max(0, Math.min(1, v)) * (bottom - top);
    svg.replaceChildren();
    for (let m = 0; m <= TIMELINE_MIN; m++) {
      const xm = x(t0 + m * 60000);
      svg.append(el("svg:line", { x1: xm, x2: xm, y1: top, y2: bottom, stroke: "#2c333d" }),
        el("svg:text", { x: Math.min(xm + 3, W - 40), y: 250 }, m === TIMELINE_MIN ? "now" : `-${TIMELINE_MIN - m} min`));
    }
    for (const ev of state.timelineEvents) {
      const a = new Date(ev.onset).getTime(), b = new Date(ev.offset).getTime();
      if (b < t0) continue;
      const r = el("svg:rect", { x: x(a), y: y(ev.confidence), width: Math.max(3, x(b) - x(a)), height: bottom - y(ev.confidence),
        fill: COLORS[ev.emotion.label] || "#9aa7b8", opacity: "0.8", class: "tl-event" });
      r.append(el("svg:title", {}, `${ev.kind} · ${ev.emotion.label} · confidence ${ev.confidence.toFixed(2)}`));
      svg.append(r);
    }
    const pts = state.scoreHistory.filter((p) => p[0] * 1000 >= t0).map((p) => `${x(p[0] * 1000).toFixed(1)},${y(p[1]).toFixed(1)}`);
    if (pts.length > 1) svg.append(el("svg:polyline", { points: pts.join(" "), fill: "none", stroke: "#4fa3ff", "stroke-width": "1.5", id: "score-line" }));
    svg.append(el("svg:text", { x: 4, y: top + 10 }, "1.0"), el("svg:text", { x: 4, y: bottom - 2 }, "0"));
    if (pts.length < 2) svg.append(el("svg:text", { x: 420, y: 120 }, "no spotting score (daemon not attached)"));
    const legend = $("#timeline-legend"); legend.replaceChildren(el("span", { class: "muted" }, "— spotting score"));
    for (const [k, c] of Object.entries(COLORS)) { const s = el("span", { class: "label-" + k }, "■ " + k); legend.append(s); void c; }
  }

  // ---- counts -------------------------------------------------------------------------------------------------
  function bars(target, counts) {
    const max = Math.max(1, ...Object.values(counts));
    target.replaceChildren(...Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => {
      const row = el("div", { class: "row" }), bar = el("div", { class: "bar" });
      bar.style.width = (100 * n / max) + "%"; bar.style.background = COLORS[k] || "";
      row.append(el("span", { class: "label-" + k }, k), el("div", {}), el("span", {}, String(n)));
      row.children[1].append(bar); return row;
    }));
    if (!Object.keys(counts).length) target.replaceChildren(el("p", { class: "muted" }, "no events"));
  }
  async function loadCounts() {
    const body = await getJSON("/api/counts?" + new URLSearchParams(state.filters));
    bars($("#counts-label"), body.by_label); bars($("#counts-kind"), body.by_kind);
    const hours = Object.entries(body.by_hour).slice(-48), svg = $("#counts-hour"); svg.replaceChildren();
    const totals = hours.map(([, by]) => Object.values(by).reduce((a, b) => a + b, 0)), max = Math.max(1, ...totals);
    const w = 1000 / Math.max(hours.length, 1);
    hours.forEach(([hour, by], i) => {
      let yb = 180;
      for (const [label, n] of Object.entries(by)) {
        const h = 160 * n / max; yb -= h;
        const r = el("svg:rect", { x: i * w + 2, y: yb, width: Math.max(1, w - 4), height: h, fill: COLORS[label] || "#9aa7b8" });
        r.append(el("svg:title", {}, `${hour}: ${label} ${n}`)); svg.append(r);
      }
      if (i % Math.ceil(hours.length / 8) === 0) svg.append(el("svg:text", { x: i * w + 2, y: 196 }, hour.slice(5, 13).replace("T", " ") + "h"));
    });
    for (const l of Object.keys(body.by_label)) addLabel(l);
  }

  // ---- health and settings ------------------------------------------------------------------------------------
  function kv(table, rows) {
    table.replaceChildren(...rows.map(([k, v]) => { const tr = el("tr"); tr.append(el("td", {}, k), el("td", {}, v)); return tr; }));
  }
  async function loadHealth() {
    const h = await getJSON("/api/health"), p = h.pipeline || {}, host = h.host, run = h.daemon === "running";
    const up = (s) => s === null || s === undefined ? "—" : `${Math.floor(s / 3600)} h ${Math.floor(s / 60) % 60} min`;
    kv($("#health-pipeline"), run ? [["Daemon", "running"], ["Camera fps in / out", `${fmt(p.fps_in)} / ${fmt(p.fps_out)}`],
      ["Dropped frames", fmt(p.dropped_frames, 0)], ["Frames in / analysed", `${fmt(p.frames_in, 0)} / ${fmt(p.frames_analyzed, 0)}`],
      ["Face found", p.face_found_rate === undefined ? "—" : fmt(100 * p.face_found_rate, 0) + " %"],
      ["Engine / model", `${p.engine_backend ?? "—"} / ${p.model ?? "—"}`], ["Uptime", up(p.uptime_s)],
      ["MQTT", p.mqtt_connected === null || p.mqtt_connected === undefined ? "disabled" : (p.mqtt_connected ? "connected" : "disconnected")],
      ["Privacy pause", p.paused ? "on (camera off)" : "off"],
      ["Events waiting for disk", p.write_error ? `${Object.values(p.unwritten_events || {}).reduce((a, b) => a + b, 0)} (${p.write_error})` : "none"]]
      : [["Daemon", "daemon not running"], ["Mode", h.dashboard.mode]]);
    const th = host.throttled, disk = host.disk;
    const thText = th ? (th.under_voltage_now || th.throttled_now || th.arm_freq_capped_now ? "THROTTLED now " : "no") + ` (${th.raw})` : "unknown (no vcgencmd)";
    kv($("#health-host"), [["CPU load (1/5/15 min)", host.load ? `${host.load["1m"]} / ${host.load["5m"]} / ${host.load["15m"]} (${host.cpu_count} cores)` : "—"],
      ["CPU temperature", host.temperature_c === null ? "—" : fmt(host.temperature_c) + " °C"], ["Throttling", thText],
      ["Disk (event store)", disk ? `${fmt(disk.used_pct)} % used, ${fmt(disk.free_bytes / 1e9)} GB free` : "—"],
      ["Process memory (RSS)", host.dashboard_rss_bytes ? fmt(host.dashboard_rss_bytes / 1048576) + " MiB" : "—"],
      ["Live clients", String(h.dashboard.live_clients)]]);
    const stages = Object.entries(p.stage_ms || {});
    $("#health-stages tbody").replaceChildren(...stages.map(([name, q]) => { const tr = el("tr");
      tr.append(el("td", {}, name), el("td", {}, fmt(q.p50, 2)), el("td", {}, fmt(q.p95, 2)), el("td", {}, fmt(q.p99, 2))); return tr; }));
  }
  async function loadSettings() {
    const body = await getJSON("/api/config");
    $("#settings-table tbody").replaceChildren(...body.settings.map((s) => { const tr = el("tr");
      const value = s.value === null ? "—" : (typeof s.value === "object" ? JSON.stringify(s.value) : String(s.value));
      tr.append(el("td", {}, s.key), el("td", { class: s.secret ? "muted" : "" }, value), el("td", { class: "muted" }, s.description)); return tr; }));
  }

  // ---- start --------------------------------------------------------------------------------------------------
  async function start() {
    const session = await getJSON("/api/session");
    state.csrf = session.csrf; state.loginRequired = session.login_required; state.pauseAvailable = session.pause_available;
    $("#logout-btn").hidden = !session.login_required;
    showState(await getJSON("/api/state"));
    $("#filters").addEventListener("submit", (e) => { e.preventDefault(); state.filters = readFilters(); loadEvents(); });
    $("#clear-filters").addEventListener("click", () => { $("#filters").reset(); state.filters = {}; loadEvents(); });
    $("#pause-btn").addEventListener("click", togglePause);
    $("#logout-btn").addEventListener("click", async () => {
      await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": state.csrf }, credentials: "same-origin" });
      location.href = "/login";
    });
    window.addEventListener("hashchange", showTab);
    renderLabels();
    getJSON("/api/counts").then((c) => Object.keys(c.by_label).forEach(addLabel)).catch(() => {});
    showTab(); await loadEvents(); connect();
    setInterval(async () => {
      const tab = (location.hash || "#events").slice(1);
      if (tab === "timeline") { try { state.scoreHistory = (await getJSON("/api/stats")).score_history || []; } catch (e) { /* retry */ } drawTimeline(); }
      if (tab === "health") loadHealth();
      showState(await getJSON("/api/state"));
    }, 2000);
  }
  start();
})();
