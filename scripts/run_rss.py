#!/usr/bin/env python3
"""Peak RSS of ``glimpse run`` with every output enabled; prints numbers, asserts nothing.

    .venv/bin/python scripts/run_rss.py [--source URI] [--seconds 30]

Starts a private Mosquitto (``mosquitto`` from apt) on a free port, then
``glimpse run`` in a child process with the JSONL log, the journal line, the
SQLite store, MQTT, the dashboard (port 0) and GPIO (gpiozero's mock pin
factory with PWM pins, every LED, the buzzer and both
buttons wired) all on, on ``--source`` (default ``synthetic:demo``, the
daemon's default source: 640x480 at 90 fps in real time). The child is stopped with
SIGTERM; its peak resident set size is ``getrusage(RUSAGE_CHILDREN).ru_maxrss``
read once it is reaped (the broker is reaped later), the whole process: Python, onnxruntime, OpenCV, every thread.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIP = Path("/work/shared/clips/WolfgangLanger_Pexels.mp4")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", default="synthetic:demo", help=f"source URI (e.g. file:{CLIP})")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the daemon runs (default 30)")
    args = parser.parse_args(argv)
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with tempfile.TemporaryDirectory(prefix="glimpse-rss-") as tmp:
        port = free_port()
        conf = Path(tmp) / "mosquitto.conf"
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
        broker = subprocess.Popen([mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            overrides = [
                f"source.uri={args.source}",
                f"logs.dir={tmp}/logs",
                "logs.journal=true",
                f"store.path={tmp}/events.db",
                "mqtt.enabled=true",
                f"mqtt.port={port}",
                "dashboard.enabled=true",
                "dashboard.port=0",
                "gpio.enabled=true",
                "gpio.camera_led_pin=17",
                "gpio.event_led_pin=27",
                "gpio.rgb_pins=[5, 6, 13]",
                "gpio.buzzer_pin=18",
                "gpio.pause_button_pin=23",
                "gpio.session_button_pin=24",
            ]
            cmd = [str(Path(sys.executable).parent / "glimpse"), "run"]
            for item in overrides:
                cmd += ["--set", item]
            env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock", "GPIOZERO_MOCK_PIN_CLASS": "mockpwmpin"}
            child = subprocess.Popen(cmd, env=env, cwd=tmp)
            time.sleep(args.seconds)
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
            status = child.wait()
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the broker is not reaped yet
        finally:
            broker.terminate()
            broker.wait()
    print(f"glimpse run, every output on, {args.seconds:.0f} s on {args.source}")
    print(f"exit status {status}; peak RSS {peak_kb / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
