"""Write synthetic clips: video or frame folder, ``ground_truth.csv`` and per-clip JSON.

``ground_truth.csv`` columns: ``video,onset,offset,kind,label,apex,aus,emotion,
composite,onset_ms,apex_ms,offset_ms,fps,subject``. Frames are 1-based; frame
``n`` is exposed at ``(n - 1) * 1000 / fps`` ms. ``kind`` is ``micro`` or
``macro``; ``label`` is the composite class (negative / positive / surprise)
for emotional expressions and ``AU<recipe>`` (``AU12``, ``AUR14``) for single
action units, which have an empty ``emotion`` and ``composite``. Blinks,
talking and head motion are distractors: they are listed in the per-clip
``<video>.json``, never in the CSV.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from edge.errors import OutputError, UsageError
from edge.synth.render import U8, Renderer
from edge.synth.timeline import ClipSpec, Event, Plan, plan_clip

logger = logging.getLogger(__name__)

GT_COLUMNS = (
    "video", "onset", "offset", "kind", "label", "apex", "aus", "emotion",
    "composite", "onset_ms", "apex_ms", "offset_ms", "fps", "subject",
)  # fmt: skip
FORMATS = ("mp4", "frames")


def _ms(frame: int, fps: float) -> str:
    return f"{frame * 1000.0 / fps:.3f}"


def gt_rows(plan: Plan) -> list[dict[str, str]]:
    """The clip's ground-truth rows (micro and macro only), in CSV layout."""
    fps = plan.spec.fps
    return [
        {
            "video": plan.spec.name, "onset": str(e.onset + 1), "offset": str(e.offset + 1), "kind": e.kind,
            "label": e.label, "apex": str(e.apex + 1), "aus": e.recipe, "emotion": e.emotion,
            "composite": e.composite, "onset_ms": _ms(e.onset, fps), "apex_ms": _ms(e.apex, fps),
            "offset_ms": _ms(e.offset, fps), "fps": f"{fps:g}", "subject": plan.spec.subject,
        }
        for e in plan.ground_truth
    ]  # fmt: skip


def generate_clip(spec: ClipSpec, seed: int) -> tuple[Iterator[U8], list[Event]]:
    """Plan and lazily render a clip: ``(frames, ground_truth)`` with 0-based frame indices in the events."""
    plan = plan_clip(spec, seed)
    renderer = Renderer(plan)
    return (renderer.frame(i) for i in range(plan.n_frames)), plan.ground_truth


def clip_metadata(plan: Plan) -> dict[str, Any]:
    """Everything about a clip for training and debugging (0-based frame indices)."""
    return {
        "video": plan.spec.name,
        "seed": plan.seed,
        "n_frames": plan.n_frames,
        "spec": asdict(plan.spec),
        "events": [asdict(e) | {"label": e.label, "composite": e.composite} for e in plan.events],
        "head_turns": [asdict(h) for h in plan.head_turns],
        "frame_index_base": 0,
    }


def write_clip(plan: Plan, out_dir: Path, fmt: str = "mp4") -> Path:
    """Render ``plan`` into ``out_dir`` as ``<name>.mp4`` or ``<name>/img00001.png``; write its JSON."""
    import cv2

    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r} is not supported; expected one of {list(FORMATS)}")
    spec, renderer = plan.spec, Renderer(plan)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{spec.name}.json").write_text(json.dumps(clip_metadata(plan), indent=1) + "\n")
    if fmt == "frames":
        folder = out_dir / spec.name
        folder.mkdir(exist_ok=True)
        for i in range(plan.n_frames):
            cv2.imwrite(str(folder / f"img{i + 1:05d}.png"), renderer.frame(i))
        return folder
    path = out_dir / f"{spec.name}.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), spec.fps, (spec.width, spec.height), False)
    if not writer.isOpened():
        raise OutputError(f"cv2.VideoWriter cannot write {str(path)!r} (mp4v codec); try --format frames")
    try:
        for i in range(plan.n_frames):
            writer.write(renderer.frame(i))
    finally:
        writer.release()
    return path


def write_set(clips: list[tuple[ClipSpec, int]], out_dir: Path, fmt: str = "mp4") -> Path:
    """Write every clip and one ``ground_truth.csv`` (LF line endings); return the CSV path.

    Every clip is planned, and the format checked, before anything is created: a rejected plan leaves no folder.
    """
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r} is not supported; expected one of {list(FORMATS)}")
    plans = [plan_clip(spec, seed) for spec, seed in clips]
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    for plan in plans:
        path = write_clip(plan, out_dir, fmt)
        rows.extend(gt_rows(plan))
        logger.info("wrote %s (%d frames, %d expressions)", path, plan.n_frames, len(plan.ground_truth))
    csv_path = out_dir / "ground_truth.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=GT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return csv_path
