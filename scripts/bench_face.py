#!/usr/bin/env python3
"""Benchmark the face stage on real clips and on no-face footage; prints numbers, asserts nothing.

    taskset -c 1 .venv/bin/python scripts/bench_face.py [--clips ../shared/clips] [--json]

Per clip: face-found rate, tracks, keyframes and detections; jitter on still
stretches in aligned-crop pixels; cost per frame (amortised, one thread) on
frames letterboxed to 640x480, with keyframing (landmarks every
``face.keyframe_interval_ms``, timestamps at the clip's rate and re-timed to
200 fps) and without (landmarks on every frame). No-face footage: black,
flat gray and noise frames.

Still stretch: a frame whose face region moved less than 0.25 px (median LK
flow on a grid over the face box, frame px) from the previous frame, and so
did its two neighbours. Alignment jitter: RMS over a grid of crop pixels of
how far the crop transform moves a fixed frame point between consecutive
still frames (0 for a perfectly steady crop). Landmark jitter: RMS
frame-to-frame displacement of all 468 raw FaceMesh landmarks (landmarks on
every frame), scaled to aligned-crop px.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.capture.base import Frame
from edge.config import GlimpseConfig
from edge.face import align
from edge.face.base import ALIGNED_SIZE, FaceObservation
from edge.face.tracker import MediaPipeTracker

STILL_PX = 0.25


def read_clip(path: Path) -> tuple[list[np.ndarray], float]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        pad = max(0, (480 - gray.shape[0]) // 2)
        frames.append(cv2.copyMakeBorder(gray, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=0))
    cap.release()
    return frames, fps


def run(frames: list[np.ndarray], fps: float, **face: Any) -> tuple[list[FaceObservation], float, MediaPipeTracker]:
    config = GlimpseConfig.model_validate({"face": face})
    tracker = MediaPipeTracker.from_config(config)
    period_ns = int(1e9 / fps)
    obs = []
    t0 = time.perf_counter()
    for i, gray in enumerate(frames):
        obs.append(tracker.process(Frame(i, i * period_ns, gray, "bench")))
    cost_ms = (time.perf_counter() - t0) * 1000 / max(1, len(frames))
    tracker.close()
    return obs, cost_ms, tracker


def still_mask(frames: list[np.ndarray], obs: list[FaceObservation]) -> np.ndarray:
    moving = np.ones(len(frames), bool)
    for i in range(1, len(frames)):
        box = obs[i].box
        if box is None or obs[i - 1].box is None:
            continue
        x, y, w, h = box
        gx, gy = np.meshgrid(np.linspace(x + 0.2 * w, x + 0.8 * w, 8), np.linspace(y + 0.2 * h, y + 0.8 * h, 8))
        pts = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32).reshape(-1, 1, 2)
        new, st, _ = cv2.calcOpticalFlowPyrLK(frames[i - 1], frames[i], pts, None, winSize=(21, 21), maxLevel=2)
        ok = st.ravel().astype(bool)
        if ok.sum() > 10:
            moving[i] = float(np.median(np.linalg.norm((new - pts).reshape(-1, 2)[ok], axis=1))) >= STILL_PX
    still = ~moving
    return still & np.roll(still, 1) & np.roll(still, -1)


def transform_jitter(transforms: list[np.ndarray | None], still: np.ndarray) -> list[float]:
    g = np.linspace(16, ALIGNED_SIZE - 16, 7)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2).astype(np.float32)
    out = []
    for i in range(1, len(transforms)):
        a, b = transforms[i - 1], transforms[i]
        if not still[i] or a is None or b is None:
            continue
        inv = cv2.invertAffineTransform(a)
        moved = align.apply_affine(b, align.apply_affine(inv, grid))
        out.append(float(np.sqrt(np.mean(np.sum((moved - grid) ** 2, axis=1)))))
    return out


def crop_flow(frames: list[np.ndarray], transforms: list[np.ndarray | None], mask: np.ndarray) -> list[float]:
    """Median LK flow (aligned px) of a grid over eyes and nose bridge between consecutive aligned crops."""
    gx, gy = np.meshgrid(np.linspace(28, 100, 7), np.linspace(24, 72, 5))
    pts = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32).reshape(-1, 1, 2)
    size = (ALIGNED_SIZE, ALIGNED_SIZE)
    out = []
    for i in range(1, len(frames)):
        a, b = transforms[i - 1], transforms[i]
        if not mask[i] or a is None or b is None:
            continue
        ca = cv2.warpAffine(frames[i - 1], a, size, flags=cv2.INTER_LINEAR)
        cb = cv2.warpAffine(frames[i], b, size, flags=cv2.INTER_LINEAR)
        new, st, _ = cv2.calcOpticalFlowPyrLK(ca, cb, pts, None, winSize=(15, 15), maxLevel=1)
        ok = st.ravel().astype(bool)
        if ok.sum() > 10:
            out.append(float(np.median(np.linalg.norm((new - pts).reshape(-1, 2)[ok], axis=1))))
    return out


def jitter(frames: list[np.ndarray], obs: list[FaceObservation]) -> dict[str, Any]:
    """Jitter numbers on still stretches (obs must come from a run with landmarks on every frame)."""
    still = still_mask(frames, obs)
    raw_t = [None if o.landmarks is None else align.crop_transform(align.eye_similarity(o.landmarks)) for o in obs]
    lm = []
    for i in range(1, len(obs)):
        a, b, t = obs[i - 1].landmarks, obs[i].landmarks, obs[i].transform
        if still[i] and a is not None and b is not None and t is not None:
            scale = float(np.sqrt(abs(np.linalg.det(t[:, :2]))))
            lm.append(float(np.sqrt(np.mean(np.sum((b[:, :2] - a[:, :2]) ** 2, axis=1)))) * scale)
    smooth = transform_jitter([o.transform for o in obs], still)
    raw = transform_jitter(raw_t, still)
    every = np.ones(len(obs), bool)

    def stats(v: list[float]) -> dict[str, float]:
        return {"median": float(np.median(v)), "p90": float(np.percentile(v, 90))} if v else {}

    return {
        "still_frames": int(still.sum()),
        "landmark_jitter_px": stats(lm),
        "align_jitter_raw_px": stats(raw),
        "align_jitter_px": stats(smooth),
        "crop_flow_still_raw_px": stats(crop_flow(frames, raw_t, still)),
        "crop_flow_still_px": stats(crop_flow(frames, [o.transform for o in obs], still)),
        "crop_flow_all_raw_px": stats(crop_flow(frames, raw_t, every)),
        "crop_flow_all_px": stats(crop_flow(frames, [o.transform for o in obs], every)),
    }


def summary(obs: list[FaceObservation], cost_ms: float, tracker: MediaPipeTracker) -> dict[str, Any]:
    return {
        "frames": len(obs),
        "face_found_rate": sum(o.found for o in obs) / max(1, len(obs)),
        "tracks": len({o.track_id for o in obs if o.found}),
        "keyframes": tracker.keyframes,
        "detections": tracker.detections,
        "ms_per_frame": cost_ms,
    }


def bench_clip(path: Path) -> dict[str, Any]:
    frames, fps = read_clip(path)
    every, cost_every, tr_every = run(frames, fps, keyframe_interval_ms=0.0)
    keyed, cost_keyed, tr_keyed = run(frames, fps)
    keyed200, cost_200, tr_200 = run(frames, 200.0)
    jit = jitter(frames, every)
    keyed_jit = jitter(frames, keyed)
    jit["align_jitter_keyframed_px"] = keyed_jit["align_jitter_px"]
    jit["crop_flow_still_keyframed_px"] = keyed_jit["crop_flow_still_px"]
    jit["crop_flow_all_keyframed_px"] = keyed_jit["crop_flow_all_px"]
    quality: dict[str, int] = {}
    for o in keyed:
        for q in o.quality:
            quality[q.value] = quality.get(q.value, 0) + 1
    return {
        "clip": path.name,
        "fps": fps,
        "every_frame": summary(every, cost_every, tr_every),
        "keyframed": summary(keyed, cost_keyed, tr_keyed),
        "keyframed_200fps": summary(keyed200, cost_200, tr_200),
        "jitter": jit,
        "quality_flags": quality,
    }


def bench_noface(n: int = 150) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    videos = {
        "black": [np.zeros((480, 640), np.uint8)] * n,
        "gray": [np.full((480, 640), 128, np.uint8)] * n,
        "noise": [rng.integers(0, 256, (480, 640), dtype=np.uint8) for _ in range(n)],
    }
    out = {}
    for name, frames in videos.items():
        obs, cost, tracker = run(frames, 30.0)
        out[name] = summary(obs, cost, tracker)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="Face-stage benchmark (numbers, not asserts).")
    parser.add_argument(
        "--clips",
        type=Path,
        default=Path(os.environ.get("GLIMPSE_CLIPS") or Path(__file__).resolve().parents[2] / "shared" / "clips"),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    result: dict[str, Any] = {"clips": [], "no_face": bench_noface()}
    for clip in sorted(args.clips.glob("*.mp4")):
        result["clips"].append(bench_clip(clip))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
