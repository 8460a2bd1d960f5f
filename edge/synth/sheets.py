"""Contact sheets: onset vs apex face crops and their amplified difference, one row per recipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.synth.pairs import crop, face_box
from edge.synth.render import U8, Renderer
from edge.synth.timeline import ClipSpec, Event, Plan

DEFAULT_RECIPES = ("1", "2", "4", "6+12", "9", "12", "R14", "15", "17", "20", "23", "26", "45")


def _pair(recipe: str, amplitude_fw: float, subject: str, size: int) -> tuple[U8, U8]:
    spec = ClipSpec(
        name="sheet", fps=100.0, seconds=1.0, subject=subject, noise_sigma=0.0, light_drift=0.0, flicker=0.0
    )
    kind = "blink" if recipe == "45" else "micro"
    amp = 1.0 if kind == "blink" else amplitude_fw
    plan = Plan(spec, 0, 40, [Event(kind, recipe, "", 5, 20, 35, amp)])
    renderer = Renderer(plan)
    box = face_box(renderer, 5)
    return crop(renderer.frame(5), box, size), crop(renderer.frame(20), box, size)


def contact_sheet(
    path: Path, recipes: tuple[str, ...] = DEFAULT_RECIPES, amplitude_fw: float = 0.03, subject: str = "S01",
    size: int = 112, gain: float = 6.0,
) -> Path:  # fmt: skip
    """Write a PNG: for each recipe, onset | apex | (apex - onset) x ``gain`` around mid-gray."""
    import cv2

    rows = []
    for recipe in recipes:
        onset, apex = _pair(recipe, amplitude_fw, subject, size)
        diff = np.clip(128.0 + gain * (apex.astype(np.float32) - onset.astype(np.float32)), 0, 255).astype(np.uint8)
        row = np.hstack([onset, apex, diff])
        label = np.full((18, row.shape[1]), 255, np.uint8)
        text = f"AU{recipe}" + (
            " (blink, full closure)" if recipe == "45" else f" ({amplitude_fw * 100:.1f}% face width)"
        )
        cv2.putText(label, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 0, 1, cv2.LINE_AA)
        rows.append(np.vstack([label, row]))
    cols = 3 if len(rows) > 6 else 2
    while len(rows) % cols:
        rows.append(np.full_like(rows[0], 255))
    grid = np.vstack([np.hstack(rows[r : r + cols]) for r in range(0, len(rows), cols)])
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), grid, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path
