"""The daemon's memory over a long accelerated run (issue 15, item 7): RSS sampled while `glimpse run` works.

Runs the real daemon (`glimpse run`, dashboard on, store and JSONL log in a
temporary folder) on a synthetic clip of ``--seconds`` of video analysed as
fast as the CPU allows (``realtime=false``), samples VmRSS of the process every
``--every`` seconds and prints the curve with the events and frames so far.

    .venv/bin/python scripts/rss_curve.py --seconds 3600 --fps 30 --limit 240

Numbers are printed, not asserted. ``--limit`` stops the run after that many
wall seconds (the clip is then only partly analysed; the curve says how far).
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    except sqlite3.Error:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3600, help="length of the synthetic clip")
    parser.add_argument("--fps", type=float, default=30.0, help="its frame rate")
    parser.add_argument("--every", type=float, default=10.0, help="sampling period (wall seconds)")
    parser.add_argument("--limit", type=float, default=300.0, help="stop after this many wall seconds")
    parser.add_argument(
        "--ring",
        type=int,
        default=0,
        help="capture.ring_frames (0: the default); a file fills the ring when "
        "analysis is slower than decoding, which is bounded growth, not a leak",
    )
    args = parser.parse_args()
    glimpse = Path(sys.executable).with_name("glimpse")
    with tempfile.TemporaryDirectory(prefix="glimpse-rss-") as tmp:
        db = Path(tmp) / "events.db"
        uri = f"synthetic:demo?seconds={args.seconds}&fps={args.fps:g}&realtime=false"
        settings = [f"source.uri={uri}", f"store.path={db}", f"logs.dir={tmp}/logs", "dashboard.port=0"]
        if args.ring:
            settings.append(f"capture.ring_frames={args.ring}")
        cmd = [str(glimpse), "run", *[arg for s in settings for arg in ("--set", s)]]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        curve = []
        try:
            while proc.poll() is None and time.monotonic() - t0 < args.limit:
                time.sleep(args.every)
                if proc.poll() is not None:
                    break
                point = {"wall_s": round(time.monotonic() - t0), "rss_mb": round(rss_mb(proc.pid), 1)}
                point["events_stored"] = stored(db)
                curve.append(point)
                print(json.dumps(point), flush=True)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        if len(curve) >= 6:
            settled = curve[len(curve) // 3 :]  # after warm-up (models loaded, caches and the ring filled)
            half = len(settled) // 2
            first, second = settled[:half], settled[half:]
            mean = [sum(p["rss_mb"] for p in part) / len(part) for part in (first, second)]
            rss = [p["rss_mb"] for p in settled]
            events = settled[-1]["events_stored"] - settled[0]["events_stored"]
            print(
                f"after warm-up: {min(rss):.1f}-{max(rss):.1f} MB; mean {mean[0]:.1f} MB then {mean[1]:.1f} MB "
                f"while {events} more events were stored"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
