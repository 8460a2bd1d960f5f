#!/usr/bin/env python3
"""Glimpse's whole pipeline against MediaPipe FaceMesh (video mode) on the same clips, one core each.

    .venv/bin/python scripts/peer_bench.py [--rounds 5] [--core 1] [--clips A.mp4 B.mp4 ...] [--no-pad]
        [--set face.follow=fast ...]

Prints numbers; asserts nothing. Steps:

1. The peer gets its own venv (``~/.cache/glimpse/peer-mediapipe-VERSION``,
   made on first use with ``python3 -m venv`` + pip): mediapipe 0.10.21 on
   x86_64, 0.10.18 on aarch64, the last releases that ship ``mp.solutions``.
   mediapipe is never a dependency of Glimpse.
   ``--baseline DIR`` adds a third side: the ``edge`` package in DIR (for
   before/after tables, e.g. ``git archive OLD edge | tar -x -C DIR``).
2. Clips: the ones given (default: the two in /work/shared/clips) plus, for
   each clip smaller than 640x480, a copy padded (black borders) to 640x480,
   and with ``--edited`` a reel cut from them (1.5 s of each in turn, hard
   cuts, a 0.2 s black gap after every second one); written as MJPG into a
   temporary folder that is deleted afterwards (never committed).
3. Rounds: in every round each clip runs once through Glimpse and once
   through MediaPipe, the order alternating from round to round, each in a
   fresh process pinned with ``taskset -c CORE`` (one core, one thread:
   OMP/MKL/OpenBLAS threads 1, ``cv2.setNumThreads(1)``, ``engine.threads`` 1).
   Each worker decodes the file itself (decode included on both sides),
   models load before the clock starts.
4. Table: per clip and side, the median wall-clock fps over the rounds, the
   median CPU-time fps (frames / process CPU seconds: less sensitive to other
   jobs on a shared machine), the ratio Glimpse / MediaPipe for both, and
   the share of frames in which each found a face.

Glimpse runs what ``glimpse analyze`` runs (default configuration, or with
``--set`` overrides: face, motion, spotting, classification). The table also
gives each stage's CPU ms per frame (``time.thread_time`` around each stage)
and the FaceMesh runs (keyframes). MediaPipe runs ``FaceMesh(
static_image_mode=False, max_num_faces=1, refine_landmarks=False)`` on RGB
frames: 468 landmarks per frame and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = (Path("/work/shared/clips/WolfgangLanger_Pexels.mp4"), Path("/work/shared/clips/single_face.mp4"))
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


def peer_version() -> str:
    """The mediapipe release that still ships ``mp.solutions`` for this machine."""
    return "0.10.18" if platform.machine() in {"aarch64", "arm64"} else "0.10.21"


def peer_python(venv: Path | None) -> Path:
    """The peer venv's python, creating the venv on first use."""
    version = peer_version()
    venv = venv or Path.home() / ".cache" / "glimpse" / f"peer-mediapipe-{version}"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import mediapipe as mp; mp.solutions.face_mesh.FaceMesh"]
    if python.is_file() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating the peer venv {venv} (mediapipe {version}) ...", file=sys.stderr, flush=True)
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"mediapipe=={version}"], check=True)
    subprocess.run(probe, check=True)
    return python


def padded(clip: Path, folder: Path) -> Path | None:
    """``clip`` letterboxed to 640x480 (MJPG, quality 95) in ``folder``; None when it is not smaller."""
    import cv2
    import numpy as np

    cap = cv2.VideoCapture(str(clip))
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    if w > 640 or h > 480 or (w, h) == (640, 480):
        cap.release()
        return None
    out = folder / f"{clip.stem}_640x480.avi"
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 95)
    top, left = (480 - h) // 2, (640 - w) // 2
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        canvas = np.zeros((480, 640, 3), np.uint8)
        canvas[top : top + h, left : left + w] = bgr
        writer.write(canvas)
    cap.release()
    writer.release()
    return out


def edited(clips: list[Path], folder: Path, segment_s: float = 1.5, gap_frames: int = 6) -> Path:
    """An edited reel of real footage: ``segment_s`` of each clip in turn (hard cuts, the face jumps),
    a ``gap_frames`` black gap after every second segment, letterboxed to 640x480 at 30 fps (MJPG)."""
    import cv2
    import numpy as np

    out = folder / "edited_cuts_640x480.avi"
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 480))
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 95)
    for n, clip in enumerate(clips):
        cap = cv2.VideoCapture(str(clip))
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) // 3)  # from a third in
        for _ in range(round(segment_s * 30)):
            ok, bgr = cap.read()
            if not ok:
                break
            h, w = bgr.shape[:2]
            scale = min(640 / w, 480 / h, 1.0)
            small = cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            canvas = np.zeros((480, 640, 3), np.uint8)
            top, left = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
            canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
            writer.write(canvas)
        cap.release()
        if n % 2 == 1:
            for _ in range(gap_frames):
                writer.write(np.zeros((480, 640, 3), np.uint8))
    writer.release()
    return out


def overrides(settings: list[str]) -> dict[str, Any]:
    """``["face.follow=fast", ...]`` as the nested mapping that ``edge.config.validate`` takes."""
    data: dict[str, Any] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set takes KEY=VALUE, got {item!r}")
        *sections, name = key.split(".")
        node = data
        for section in sections:
            node = node.setdefault(section, {})
        node[name] = value
    return data


def worker_glimpse(clip: Path, tree: Path = ROOT, settings: list[str] | None = None) -> dict[str, Any]:
    """The ``glimpse analyze`` pipeline (the ``edge`` package under ``tree``) on ``clip``."""
    import cv2

    sys.path.insert(0, str(tree))
    from urllib.parse import quote

    from edge.capture.registry import open_source
    from edge.config import validate
    from edge.metrics import Metrics
    from edge.offline import run_sequential
    from edge.stages import build_analyzer

    class CpuMetrics(Metrics):
        """Stage times in this thread's CPU time (``time.thread_time``), not wall-clock."""

        @contextmanager
        def stage(self, name: str) -> Iterator[None]:
            t0 = time.thread_time_ns()
            try:
                yield
            finally:
                self.record(name, (time.thread_time_ns() - t0) / 1e6)

    cv2.setNumThreads(1)
    metrics = CpuMetrics()
    analyzer = build_analyzer(validate(overrides(settings or [])), clip.name, metrics)
    source = open_source(f"file:{quote(str(clip), safe='/')}?realtime=false")
    wall, cpu = time.perf_counter(), time.process_time()
    summary = run_sequential(source, analyzer)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tracker = analyzer.stages.tracker
    analyzer.stages.close()
    frames = summary.frames_analyzed
    stage_ms = {k: v["mean"] * v["count"] / max(1, frames) for k, v in metrics.stage_summary().items()}
    return {
        "frames": frames,
        "wall_s": wall,
        "cpu_s": cpu,
        "faces": analyzer.faces_seen,
        "stage_cpu_ms": stage_ms,
        "keyframes": getattr(tracker, "keyframes", None),
    }


def worker_mediapipe(clip: Path) -> dict[str, Any]:
    """MediaPipe FaceMesh in video mode on ``clip`` (decode and BGR->RGB included)."""
    import cv2
    import mediapipe as mp

    cv2.setNumThreads(1)
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=False)
    cap = cv2.VideoCapture(str(clip))
    frames = faces = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        result = mesh.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        frames += 1
        faces += result.multi_face_landmarks is not None
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    cap.release()
    mesh.close()
    return {"frames": frames, "wall_s": wall, "cpu_s": cpu, "faces": faces}


def run_worker(
    python: Path, side: str, clip: Path, core: int, tree: Path | None = None, settings: list[str] | None = None
) -> dict[str, Any]:
    """One pinned worker process; its JSON result."""
    cmd = ["taskset", "-c", str(core), str(python), str(Path(__file__).resolve()), "--worker", side, str(clip)]
    if tree is not None:
        cmd += ["--baseline", str(tree)]
    for item in settings or []:
        cmd += ["--set", item]
    env = {**os.environ, **ONE_THREAD, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} worker failed on {clip}:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(results: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    """The markdown table of median fps, ratios and face-found rates."""
    baseline = any("baseline" in sides for sides in results.values())
    lines = [
        "| clip | frames | Glimpse fps (wall) | MediaPipe fps (wall) | ratio | Glimpse fps (CPU) "
        "| MediaPipe fps (CPU) | ratio | face found Glimpse / MediaPipe |"
        + (" baseline fps (wall / CPU) | baseline ratio (CPU) | baseline face found |" if baseline else ""),
        "|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if baseline else ""),
    ]
    for clip, sides in results.items():
        g, m = sides["glimpse"], sides["mediapipe"]
        frames = g[0]["frames"]

        def fps(runs: list[dict[str, Any]], key: str) -> float:
            return statistics.median(r["frames"] / r[key] for r in runs)

        gw, mw, gc, mc = fps(g, "wall_s"), fps(m, "wall_s"), fps(g, "cpu_s"), fps(m, "cpu_s")
        found = f"{g[0]['faces'] / frames:.1%} / {m[0]['faces'] / max(1, m[0]['frames']):.1%}"
        wall = f"{gw:.0f} | {mw:.0f} | {gw / mw:.2f}"
        row = f"| {clip} | {frames} | {wall} | {gc:.0f} | {mc:.0f} | {gc / mc:.2f} | {found} |"
        if baseline:
            bw, bc = fps(sides["baseline"], "wall_s"), fps(sides["baseline"], "cpu_s")
            row += f" {bw:.0f} / {bc:.0f} | {bc / mc:.2f} | {sides['baseline'][0]['faces'] / frames:.1%} |"
        lines.append(row)
    lines += ["", "CPU ms per frame by stage (time.thread_time, median over rounds; FaceMesh runs = keyframes):", ""]
    for clip, sides in results.items():
        for side, runs in sides.items():
            if side == "mediapipe" or "stage_cpu_ms" not in runs[0]:  # event_latency is not a stage: left out
                continue
            names = sorted(n for n in runs[0]["stage_cpu_ms"] if n != "event_latency")
            parts = [f"{n} {statistics.median(r['stage_cpu_ms'].get(n, 0.0) for r in runs):.3f}" for n in names]
            lines.append(f"- {clip} {side}: " + ", ".join(parts) + f"; keyframes {runs[0].get('keyframes')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", choices=("glimpse", "mediapipe"), help=argparse.SUPPRESS)
    parser.add_argument("clip", nargs="?", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--clips", nargs="+", type=Path, default=list(DEFAULT_CLIPS), help="clips to run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--core", type=int, default=1, help="the CPU core both sides are pinned to (default 1)")
    parser.add_argument("--no-pad", action="store_true", help="skip the 640x480 padded copies")
    parser.add_argument(
        "--edited",
        action="store_true",
        help="also run an edited reel cut from the clips (1.5 s of each, hard cuts, black gaps): faces kept",
    )
    parser.add_argument("--edited-only", action="store_true", help="run the edited reel alone")
    parser.add_argument("--peer-venv", type=Path, default=None, help="where the mediapipe venv lives")
    parser.add_argument("--json", type=Path, default=None, help="also write every run's numbers here")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="also run the edge package in this folder (e.g. a `git archive` of an older commit) as a third side",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a configuration override for Glimpse (not the baseline), e.g. --set face.follow=fast; repeatable",
    )
    args = parser.parse_args(argv)
    if args.worker:
        if args.worker == "glimpse":
            print(json.dumps(worker_glimpse(args.clip, args.baseline or ROOT, args.set)))
        else:
            print(json.dumps(worker_mediapipe(args.clip)))
        return 0
    if shutil.which("taskset") is None:
        raise SystemExit("taskset not found (util-linux); it pins both sides to one core")
    peer = peer_python(args.peer_venv)
    with tempfile.TemporaryDirectory(prefix="glimpse-peer-") as tmp:
        clips = [] if args.edited_only else list(args.clips)
        if not args.no_pad and not args.edited_only:
            clips += [p for p in (padded(c, Path(tmp)) for c in args.clips) if p is not None]
        if args.edited or args.edited_only:
            clips.append(edited(list(args.clips), Path(tmp)))
        sides: list[tuple[str, Path, Path | None]] = [("glimpse", Path(sys.executable), None)]
        if args.baseline:
            sides.append(("baseline", Path(sys.executable), args.baseline))
        sides.append(("mediapipe", peer, None))
        results: dict[str, dict[str, list[dict[str, Any]]]] = {c.name: {s[0]: [] for s in sides} for c in clips}
        for r in range(args.rounds):
            for clip in clips:
                for side, python, tree in sides if r % 2 == 0 else sides[::-1]:
                    worker = "mediapipe" if side == "mediapipe" else "glimpse"
                    run = run_worker(python, worker, clip, args.core, tree, args.set if side == "glimpse" else None)
                    results[clip.name][side].append(run)
                    print(f"round {r + 1} {clip.name} {side}: {run['frames'] / run['wall_s']:.0f} fps", file=sys.stderr)
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}; core {args.core}; ")
    print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; {args.rounds} interleaved rounds")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
