"""Malformed input, fed to the command line in process: one line on stderr, the documented exit code, no traceback.

Exit codes (edge/cli.py): 2 for bad usage or configuration, 1 for runtime failures (a file that cannot be used,
a store that cannot be opened). Each row is an input a user could plausibly give; ``{tmp}`` is a folder of
prepared bad files (see :func:`bad_inputs`), ``{long}`` a 100,000-character name.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.cli import EXIT_BROKEN_PIPE, main

LONG = "x" * 100_000
#: Settings that keep `run` off the system paths and the network (the rest of the configuration is default).
RUN = ["run", "--set", "dashboard.enabled=false", "--set", "store.path={tmp}/s.db", "--set", "logs.dir={tmp}/logs"]

# (argv, exit code, text the one stderr line must contain)
CASES: list[tuple[list[str], int, str]] = [
    # configuration files and --set values
    (["config", "check", "--config", "{tmp}/utf16.toml"], 2, "is not UTF-8"),
    (["config", "check", "--config", "{tmp}/binary.toml"], 2, "is not UTF-8"),
    (["config", "check", "--config", "{tmp}/deep.toml"], 2, "nested too deeply"),
    (["config", "check", "--config", "{tmp}/deep_tables.toml"], 2, "tables nested too deeply"),
    (["config", "check", "--config", "{tmp}/folder"], 2, "is not a file"),
    (["config", "check", "--config", "{tmp}/missing.toml"], 2, "does not exist"),
    (["config", "check", "--config", "{long}"], 2, "File name too long"),
    (["config", "check", "--set", "spotting.min_ms=500", "--set", "spotting.max_ms=100"], 2, "min_ms <= max_ms"),
    (["config", "check", "--set", "dashboard.host=0.0.0.0"], 2, "password_hash is not set"),
    (["config", "check", "--set", "dashboard.require_login=true"], 2, "require_login is set"),
    (["config", "check", "--set", "dashboard.password_hash=garbage"], 2, "dashboard.password_hash: got"),
    (["config", "check", "--set", "mqtt.discovery_prefix=#"], 2, "mqtt.discovery_prefix: got '#'"),
    (["config", "check", "--set", "mqtt.discovery_prefix=a/+/b"], 2, "mqtt.discovery_prefix"),
    (["config", "check", "--set", "mqtt.topic_prefix=a b"], 2, "mqtt.topic_prefix"),
    (["config", "check", "--set", "mqtt.client_id={long}"], 2, "at most 65535 bytes"),
    (["config", "check", "--set", 'logs.dir=""'], 2, "logs.dir: got ''"),
    (["config", "check", "--set", 'store.path=" "'], 2, "store.path: got ' '"),
    (["config", "check", "--set", "device=5"], 2, "expected a table of settings"),
    (["config", "check", "--set", "device.id={long}"], 2, "(100000 characters)"),
    (["config", "check", "--set", "nonsense"], 2, "expected key.path=value"),
    (["config", "check", "--set", "a." * 5000 + "b=1"], 2, "5001 levels; expected at most 8"),
    (["config", "check", "--set", "{long}=1"], 2, "(100000 characters): got 1; expected no such key"),
    (["config", "check", "--set", "source.uri={long}:x"], 2, "unknown source scheme 'xxxx"),
    (["config", "check", "--set", "source.uri=synthetic:{long}"], 2, "unknown synthetic clip 'xxxx"),
    (["config", "check", "--set", "source.uri=synthetic:demo?fps=0"], 2, "fps='0'; expected a number from 1"),
    (["config", "check", "--set", "source.uri=rtsp://camera"], 2, "unknown source scheme 'rtsp'"),
    (["config", "show", "--set", "spotting.min_ms=500", "--set", "spotting.max_ms=100"], 2, "min_ms"),
    # analyze
    (["analyze", "{tmp}/clip.mp4", "--out", "{tmp}/out", "--fps", "-5"], 2, "--fps -5.0 is out of range"),
    (["analyze", "{tmp}/clip.mp4", "--out", "{tmp}/out", "--fps", "100000"], 2, "expected 1 to 1000"),
    (["analyze", "{tmp}/clip.mp4", "--out", "{tmp}/out", "--fps", "nan"], 2, "--fps nan"),
    (["analyze", "{tmp}/clip.mp4", "--out", "{tmp}/out", "--fps", "0"], 2, "--fps 0.0"),
    (["analyze", "{tmp}/still.png", "--out", "{tmp}/out"], 1, "a still image cannot show a micro-expression"),
    (["analyze", "{tmp}/one_frame.mp4", "--out", "{tmp}/out"], 1, "holds a single frame"),
    (["analyze", "{tmp}/folder", "--out", "{tmp}/out"], 1, "is not a regular file"),
    (["analyze", "{tmp}/fifo", "--out", "{tmp}/out"], 1, "is not a regular file"),
    (["analyze", "{tmp}/missing.mp4", "--out", "{tmp}/out"], 1, "does not exist"),
    (["analyze", "{long}", "--out", "{tmp}/out"], 1, "File name too long"),
    (["analyze", "{tmp}/clip.mp4", "--out", "{tmp}/out"], 1, "cannot be read by OpenCV"),
    # run: source URIs are checked before anything starts; files when the capture opens them
    ([*RUN, "--set", "source.uri=synthetic:demo?fps=0"], 2, "fps='0'"),
    ([*RUN, "--set", "source.uri=synthetic:demo?seconds=nan"], 2, "seconds='nan'"),
    ([*RUN, "--set", "source.uri=synthetic:demo?seed=-1"], 2, "seed='-1'"),
    ([*RUN, "--set", "source.uri=synthetic:demo?width=0"], 2, "width='0'"),
    ([*RUN, "--set", "source.uri=synthetic:demo?width=-10"], 2, "width='-10'"),
    ([*RUN, "--set", "source.uri=synthetic:demo?width=1e30"], 2, "width='1e30'"),
    ([*RUN, "--set", "source.uri=synthetic:demo?realtime=maybe"], 2, "expected true or false"),
    ([*RUN, "--set", "source.uri=file:{tmp}/clip.mp4?fps=nan"], 2, "fps='nan'"),
    ([*RUN, "--set", "source.uri=file:{tmp}/clip.mp4?fps=1e-300"], 2, "fps='1e-300'"),
    ([*RUN, "--set", "source.uri=file:{tmp}/folder"], 1, "is not a regular file"),
    ([*RUN, "--set", "source.uri=file:{tmp}/missing.mp4"], 1, "does not exist"),
    ([*RUN, "--set", "source.uri=file:{tmp}/still.png"], 1, "a still image cannot show"),
    (["bench", "synthetic:demo?seconds=1", "--frames", "0"], 2, "--frames 0; expected at least 1"),
    (["bench", "synthetic:demo?seconds=1", "--threads", "-1"], 2, "--threads -1; expected 1 to 64"),
    (["bench", "synthetic:demo?fps=nan"], 2, "fps='nan'"),
    # the event store
    (["events", "--set", "store.path={tmp}/not_sqlite.db"], 1, "expected a Glimpse event store"),
    (["events", "--set", "store.path={tmp}/empty_sqlite.db"], 1, "no such table: events"),
    (["events", "--set", "store.path={tmp}/missing.db"], 1, "does not exist"),
    (["events", "--set", "store.path={long}"], 1, "File name too long"),
    (["events", "--since", "99999999999d", "--set", "store.path={tmp}/missing.db"], 2, "reaches before year 1"),
    (["events", "--since", "yesterday", "--set", "store.path={tmp}/missing.db"], 2, "is not ISO 8601"),
    (["events", "--label", "angry", "--set", "store.path={tmp}/missing.db"], 2, "'negative', 'positive'"),
    (["events", "--limit", "0", "--set", "store.path={tmp}/missing.db"], 2, "expected 1..10000"),
    (["dashboard", "--set", "store.path={tmp}/not_sqlite.db", "--set", "dashboard.port=0"], 1, "event store"),
    # synth and train
    (["synth", "--out", "{tmp}/synth", "--seconds", "1", "--micro", "9"], 2, "does not fit"),
    (["synth", "--out", "{tmp}/synth", "--seconds", "nan"], 2, "--seconds nan"),
    (["synth", "--out", "{tmp}/synth", "--fps", "1e9"], 2, "expected 30 to 200"),
    (["train", "--subjects", "1"], 2, "expected >= 2"),
]


@pytest.fixture
def bad_inputs(tmp_path: Path) -> Path:
    """A folder of the malformed files the table names (all made here, nothing from outside the repository)."""
    (tmp_path / "utf16.toml").write_bytes('[device]\nid = "a"\n'.encode("utf-16"))
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "deep_tables.toml").write_text("[" + ".".join(["a"] * 3000) + "]\nb = 1\n")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "clip.mp4").write_bytes(b"not a video" * 100)
    (tmp_path / "not_sqlite.db").write_text("not sqlite at all\n")
    import sqlite3

    sqlite3.connect(tmp_path / "empty_sqlite.db").execute("CREATE TABLE other (x)").connection.close()
    gray = np.tile(np.arange(64, dtype=np.uint8), (48, 1))
    cv2.imwrite(str(tmp_path / "still.png"), gray)
    writer = cv2.VideoWriter(str(tmp_path / "one_frame.mp4"), cv2.VideoWriter.fourcc(*"mp4v"), 25.0, (64, 48), False)
    writer.write(gray)
    writer.release()
    return tmp_path


def _run(argv: list[str], tmp: Path) -> int:
    args = [a.replace("{tmp}", str(tmp)).replace("{long}", LONG) for a in argv]
    try:
        return main(args)
    except SystemExit as exc:  # argparse errors
        return int(exc.code or 0)


@pytest.mark.parametrize(("argv", "code", "expected"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_malformed_input_gives_one_line_and_the_exit_code(
    argv: list[str],
    code: int,
    expected: str,
    bad_inputs: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    assert _run(argv, bad_inputs) == code
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err[:2000]
    assert expected in lines[0]
    assert len(lines[0]) < 600, "a long value must be cut, not echoed"
    assert "Traceback" not in err
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_synth_rejects_a_plan_before_creating_its_folder(bad_inputs: Path) -> None:
    assert _run(["synth", "--out", "{tmp}/synth/deeper", "--seconds", "1", "--micro", "9"], bad_inputs) == 2
    assert not (bad_inputs / "synth").exists()


def test_closed_stdout_ends_quietly(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            raise OSError("no file descriptor")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["config", "schema"]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_reader_closing_the_pipe_early_leaves_stderr_empty() -> None:
    """`glimpse config schema | head -0`, with a real pipe and a real interpreter exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "config", "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the interpreter has started: its first write meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert err == ""


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is not None, reason="picamera2 is installed here")
def test_run_on_a_missing_camera_library_is_one_runtime_line(
    bad_inputs: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert _run([*RUN, "--set", "source.uri=picamera2:0"], bad_inputs) == 1
    err = capsys.readouterr().err
    assert err.startswith("glimpse: picamera2 is not importable") and len(err.splitlines()) == 1
    assert not [r for r in caplog.records if r.exc_info]
    states = [r.getMessage() for r in caplog.records if r.getMessage().startswith("state ")]
    assert states and not [s for s in states if "camera active" in s], states
