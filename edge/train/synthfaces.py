"""A self-contained synthetic training set: procedural faces warped by FACS-like displacement fields.

This is the engine's own fallback data, used when :mod:`edge.synth` offers no
training pairs. Faces are drawn in canonical aligned-crop coordinates (brows
near y = 0.15, eyes 0.32, mouth 0.78, chin 1.0 of the crop), each subject
with its own texture, feature geometry and contrast. An action unit is a set
of Gaussian displacement blobs (image coordinates; u right, v down); the apex
crop is the onset crop warped by the sum of the blobs, plus head motion,
blinks, noise and lighting drift as nuisances present in every class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS

GrayImage = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float32]
SIZE = 128

# AU -> blobs (x, y, dx, dy, sigma) in crop fractions; dx is mirrored for the right half when 'sym'.
_BLOBS: dict[int, tuple[tuple[float, float, float, float, float], ...]] = {
    1: ((0.40, 0.16, 0.0, -1.0, 0.06),),
    2: ((0.24, 0.14, 0.0, -1.0, 0.06),),
    4: ((0.40, 0.17, 0.5, 0.9, 0.06),),
    5: ((0.30, 0.29, 0.0, -1.0, 0.03),),
    6: ((0.28, 0.50, 0.1, -1.0, 0.08), (0.30, 0.37, 0.0, -0.5, 0.04)),
    7: ((0.30, 0.36, 0.0, -1.0, 0.03),),
    9: ((0.43, 0.52, 0.0, -1.0, 0.05),),
    10: ((0.44, 0.71, 0.0, -1.0, 0.05),),
    12: ((0.32, 0.78, -0.8, -0.6, 0.06),),
    14: ((0.32, 0.78, -0.6, -0.1, 0.04),),
    15: ((0.32, 0.79, -0.2, 1.0, 0.06),),
    17: ((0.50, 0.93, 0.0, -1.0, 0.08), (0.50, 0.84, 0.0, -0.6, 0.05)),
    20: ((0.32, 0.79, -1.0, 0.15, 0.06),),
    23: ((0.33, 0.78, 0.7, 0.0, 0.04),),
    24: ((0.44, 0.76, 0.0, 0.6, 0.04), (0.44, 0.82, 0.0, -0.8, 0.04)),
    25: ((0.46, 0.83, 0.0, 1.0, 0.04),),
    26: ((0.50, 0.90, 0.0, 1.0, 0.10), (0.44, 0.84, 0.0, 1.0, 0.06)),
}

#: (composite class, recipe) pairs; 'L'/'R' prefix = one side only (image left/right).
RECIPES: tuple[tuple[str, str], ...] = (
    ("positive", "6+12"),
    ("positive", "12"),
    ("positive", "6+12+25"),
    ("surprise", "1+2+5+26"),
    ("surprise", "1+2"),
    ("surprise", "1+2+26"),
    ("surprise", "1+2+5"),
    ("negative", "4"),
    ("negative", "1+4"),
    ("negative", "1+4+15"),
    ("negative", "1+4+20"),
    ("negative", "9"),
    ("negative", "10"),
    ("negative", "L14"),
    ("negative", "R14"),
    ("negative", "15"),
    ("negative", "17"),
    ("negative", "23"),
    ("negative", "24"),
    ("negative", "4+7+23"),
    ("negative", "9+15"),
    ("negative", "L12+L14"),
)


@dataclass(frozen=True, slots=True)
class Pair:
    """Onset and apex crops with labels; ``label`` is -1 for a no-expression pair."""

    onset: GrayImage
    apex: GrayImage
    label: int
    aus: tuple[int, ...]
    subject: str
    expressive: bool


def parse_recipe(recipe: str) -> list[tuple[str, int]]:
    """'1+L14' -> [('', 1), ('L', 14)]."""
    terms = []
    for term in recipe.split("+"):
        side = term[0] if term[0] in "LR" else ""
        terms.append((side, int(term[len(side) :])))
    return terms


def displacement(recipe: str, intensity_px: float, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Dense (u, v) of a recipe at ``intensity_px`` peak, with per-blob jitter."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    u = np.zeros((SIZE, SIZE), np.float32)
    v = np.zeros((SIZE, SIZE), np.float32)
    for side, au in parse_recipe(recipe):
        gain = intensity_px * float(rng.uniform(0.7, 1.3))
        for x, y, dx, dy, sigma in _BLOBS[au]:
            for mirror in (False, True):
                if (side == "L" and mirror) or (side == "R" and not mirror) or (mirror and abs(x - 0.5) < 1e-3):
                    continue
                cx = 1.0 - x if mirror else x
                sdx = -dx if mirror else dx
                g = np.exp(-((xx - cx) ** 2 + (yy - y) ** 2) / (2 * sigma * sigma))
                u += gain * sdx * g
                v += gain * dy * g
    return u, v


def face(rng: np.random.Generator) -> GrayImage:
    """One subject's neutral face crop (procedural texture and features)."""
    import cv2

    img: Any = rng.normal(0, 1, (SIZE, SIZE)).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(1.5, 3.0))) * float(rng.uniform(8, 20)) + 150

    def j(scale: float = 0.02) -> float:
        return float(rng.normal(0, scale))

    dark = float(rng.uniform(50, 90))
    for sgn in (-1, 1):
        cx = 0.5 + sgn * (0.19 + j())
        cv2.ellipse(img, (int(cx * SIZE), int((0.15 + j()) * SIZE)), (14, 3), sgn * 8.0, 0, 360, 150 - dark, -1)
        cv2.ellipse(img, (int(cx * SIZE), int((0.32 + j()) * SIZE)), (10, 4), 0, 0, 360, 150 - dark, -1)
        cv2.circle(img, (int(cx * SIZE), int(0.32 * SIZE)), 2, 20, -1)
        cv2.line(img, (int((0.5 + sgn * 0.05) * SIZE), 58), (int((0.5 + sgn * 0.08) * SIZE), 72), 150 - dark / 2, 2)
    cv2.ellipse(img, (64, int((0.78 + j()) * SIZE)), (int(SIZE * (0.17 + j())), 4), 0, 0, 360, 150 - dark, -1)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    out: GrayImage = np.clip(img, 0, 255).astype(np.uint8)
    return out


def warp(img: GrayImage, u: FloatArray, v: FloatArray) -> GrayImage:
    """Move content by (u, v) (backward mapping; fine for small, smooth fields)."""
    import cv2

    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    out = cv2.remap(img, xx - u, yy - v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return np.asarray(out, dtype=np.uint8)


def _nuisance(rng: np.random.Generator, blink: bool) -> tuple[FloatArray, FloatArray]:
    """Head motion (translation + small rotation) and optionally a blink."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    tx, ty, rot = rng.normal(0, 0.6), rng.normal(0, 0.6), rng.normal(0, 0.004)
    u = (tx - rot * (yy - 64)).astype(np.float32)
    v = (ty + rot * (xx - 64)).astype(np.float32)
    if blink:
        bu, bv = displacement("5", -float(rng.uniform(1.5, 3.0)), rng)  # lids go down
        u, v = u + bu, v + bv
    return u, v


def make_pair(
    base: GrayImage, recipe: str | None, intensity_px: float, rng: np.random.Generator
) -> tuple[GrayImage, GrayImage]:
    """Onset and apex crops: expression (if any) plus nuisances, noise and a brightness change."""
    du, dv = _nuisance(rng, blink=bool(rng.random() < 0.25))
    if recipe is not None:
        eu, ev = displacement(recipe, intensity_px, rng)
        du, dv = du + eu, dv + ev
    apex = warp(base, du, dv).astype(np.float32) + float(rng.normal(0, 2))
    onset = base.astype(np.float32)
    noise = float(rng.uniform(0.5, 2.0))
    onset += rng.normal(0, noise, onset.shape)
    apex += rng.normal(0, noise, apex.shape)
    return np.clip(onset, 0, 255).astype(np.uint8), np.clip(apex, 0, 255).astype(np.uint8)


def generate(subjects: int = 12, per_subject: int = 44, seed: int = 0, neutral_frac: float = 0.35) -> list[Pair]:
    """A balanced-ish set of expressive and neutral pairs over ``subjects`` faces."""
    rng = np.random.default_rng(seed)
    pairs: list[Pair] = []
    for s in range(subjects):
        base = face(rng)
        for _ in range(per_subject):
            if rng.random() < neutral_frac:
                onset, apex = make_pair(base, None, 0.0, rng)
                pairs.append(Pair(onset, apex, -1, (), f"s{s:02d}", False))
                continue
            cls, recipe = RECIPES[int(rng.integers(len(RECIPES)))]
            onset, apex = make_pair(base, recipe, float(rng.uniform(1.0, 3.5)), rng)
            aus = tuple(sorted({au for _, au in parse_recipe(recipe) if au in ENGINE_AUS}))
            pairs.append(Pair(onset, apex, COMPOSITE_CLASSES.index(cls), aus, f"s{s:02d}", True))
    return pairs
