// Glimpse kiosk view: polls /api/kiosk once a second; large type, nothing to click.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`;
  }
  function render(k) {
    const priv = $("k-privacy");
    if (k.paused) { priv.textContent = "Privacy pause — camera off"; priv.className = "k-privacy paused"; }
    else if (k.paused === false) { priv.textContent = "Camera on — analysing facial movement, no images kept"; priv.className = "k-privacy"; }
    else { priv.textContent = "Camera state unknown"; priv.className = "k-privacy off"; }
    $("k-status").textContent = k.status;
    $("k-face").textContent = k.paused ? "nothing is being analysed" : (k.face_present ? "face in view" : (k.capturing ? "no face in view" : ""));
    const ev = k.last_event;
    if (!ev) { $("k-event").textContent = "none yet"; $("k-event-detail").textContent = ""; return; }
    const label = ev.emotion.label, score = ev.emotion.scores[label] || 0;
    const aus = ev.action_units.filter((a) => a.p >= 0.5).map((a) => "AU" + a.au).join(" ") || "no clear AU";
    $("k-event").textContent = `${ev.kind}-expression, looks ${label} (${score.toFixed(2)})`;
    $("k-event").className = "k-event label-" + label;
    $("k-event-detail").textContent = `${aus} · ${Math.round(ev.duration_ms)} ms · confidence ${ev.confidence.toFixed(2)} · ${ago(ev.onset)}`;
  }
  async function tick() {
    try {
      const res = await fetch("/api/kiosk", { credentials: "same-origin" });
      if (res.ok) render(await res.json());
      else $("k-status").textContent = res.status === 401 ? "login required" : "dashboard error " + res.status;
    } catch (e) { $("k-status").textContent = "dashboard unreachable"; }
    $("k-clock").textContent = new Date().toLocaleTimeString([], { hour12: false });
  }
  tick(); setInterval(tick, 1000);
})();
