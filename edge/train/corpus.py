"""Synthetic expression pairs on real faces: FACS-warped identities with identity augmentation and nuisances.

Every pair is one identity frame (:mod:`edge.train.identities`) warped twice: the onset with
nuisances only, the apex with an action-unit recipe (landmark-anchored fields of :mod:`edge.synth.aus`)
plus nuisances. Identity augmentation is shared by both frames of a pair: a face-shape warp anchored on
the landmarks (wider/narrower cheeks, longer chin, brow height, a smooth random field), skin tone
(gamma, gain, bias), light direction (a linear shading ramp), a framing jitter around the datasets'
crop (scale, shift, roll; DESIGN section 9), blur. Per frame: sensor noise, a brightness change, JPEG.
Nuisances occur in every class, neutral pairs included: blinks, gaze shifts, speech (lips part, jaw,
lip tightening) and residual head motion. Intensities are drawn log-uniformly from micro (0.5 px peak at
128 x 128) to macro (a broad smile, 8 px).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS
from edge.face.base import ALIGNED_SIZE
from edge.synth.aus import AUTerm, parse_recipe
from edge.synth.face import Subject
from edge.train.identities import CANVAS, SCALE, Identity

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]

#: Recipes per composite class (FACS notation; L/R = the subject's left/right side only).
RECIPES: dict[str, tuple[str, ...]] = {
    "negative": (
        "4", "1+4", "1+4+15", "1+4+20", "4+7", "4+7+23", "9", "10", "9+10", "9+15", "L14", "R14",
        "R12+R14", "L12+L14", "15", "15+17", "17", "23", "24", "23+24", "4+15+17", "1+4+15+17", "20", "4+5+7+23",
    ),
    "positive": ("6+12", "12", "6+12+25", "6+12+26", "12+25", "L12", "R12", "6+L12", "6+R12", "6+12+7", "6"),
    "surprise": ("1+2", "1+2+5", "1+2+26", "1+2+5+26", "1+2+25", "1+2+5+25+26", "5+1+2+25", "L1+L2", "2"),
}  # fmt: skip
#: Peak displacement range of an expression, px at 128 x 128 (micro to macro), drawn log-uniformly.
INTENSITY_PX = (0.5, 8.0)


@dataclass(frozen=True, slots=True)
class RenderedPair:
    """Onset and apex 128 x 128 crops; ``label`` -1 for a no-expression pair; ``aus`` the expression's AUs."""

    onset: U8
    apex: U8
    label: int
    aus: tuple[int, ...]
    subject: str
    expressive: bool
    recipe: str
    intensity_px: float


def recipe_aus(recipe: str) -> tuple[int, ...]:
    """AU numbers of a recipe that the engine's AU head predicts."""
    return tuple(sorted({t.au for t in parse_recipe(recipe) if t.au in ENGINE_AUS}))


def subject_of(identity: Identity) -> Subject:
    """An :class:`edge.synth.face.Subject` (lazily cached AU fields) on the identity's canvas."""
    return Subject(identity.identity, identity.image, identity.landmarks)


def _field(subject: Subject, recipe: str, peak_px: float, rng: np.random.Generator) -> F32:
    out = np.zeros((2, CANVAS, CANVAS), np.float32)
    for term in parse_recipe(recipe):
        out += subject.au_field(term) * np.float32(peak_px * SCALE * rng.uniform(0.6, 1.4))
    return out


def _nuisance_field(subject: Subject, rng: np.random.Generator, speech: bool, blink: bool, gaze: bool) -> F32:
    """Blink, gaze shift and speech displacements (canvas px) of one frame."""
    out = np.zeros((2, CANVAS, CANVAS), np.float32)
    if blink:
        out += subject.au_field(AUTerm(45)) * np.float32(subject.eye_opening_px * rng.uniform(0.2, 0.9))
    if speech:
        for au, lo, hi in ((25, 0.0, 3.0), (26, 0.0, 4.0), (23, 0.0, 1.5), (10, 0.0, 1.0), (17, 0.0, 1.0)):
            if rng.random() < 0.6:
                out += subject.au_field(AUTerm(au)) * np.float32(SCALE * rng.uniform(lo, hi))
    if gaze:
        out += _gaze(subject, float(rng.uniform(-2.0, 2.0)) * SCALE, float(rng.uniform(-0.8, 0.8)) * SCALE)
    return out


def _gaze(subject: Subject, dx: float, dy: float) -> F32:
    """Both irises shifted by (dx, dy): tight Gaussian blobs at the eye centres."""
    ys, xs = _grid()
    lm = subject.landmarks
    sigma = 0.03 * subject.face_width_px
    out = np.zeros((2, CANVAS, CANVAS), np.float32)
    for a, b in ((33, 133), (362, 263)):
        cx, cy = (lm[a] + lm[b]) / 2.0
        k = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma * sigma)).astype(np.float32)
        out[0] += dx * k
        out[1] += dy * k
    return out


@cache
def _grid() -> tuple[F32, F32]:
    ys, xs = np.mgrid[0:CANVAS, 0:CANVAS].astype(np.float32)
    return ys, xs


def _remap(image: F32, field: F32) -> F32:
    import cv2

    ys, xs = _grid()
    out = cv2.remap(image, xs - field[0], ys - field[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, np.float32)


def _shape_field(subject: Subject, rng: np.random.Generator) -> F32:
    """A landmark-anchored identity warp: cheeks/jaw width, chin length, brow height, smooth random field."""
    import cv2

    fw = subject.face_width_px
    out = subject.au_field(AUTerm(26)) * np.float32(rng.uniform(-0.05, 0.05) * fw)
    out += (subject.au_field(AUTerm(1)) + subject.au_field(AUTerm(2))) * np.float32(rng.uniform(-0.02, 0.02) * fw)
    ys, xs = _grid()
    cy = float(subject.landmarks[[234, 454], 1].mean())
    bump = np.exp(-((ys - cy) ** 2) / (2 * (0.25 * fw) ** 2)).astype(np.float32)
    out[0] += np.float32(rng.uniform(-0.06, 0.06)) * (xs - subject.midline_x) * bump
    coarse = rng.normal(0.0, 0.012 * fw, (2, 4, 4)).astype(np.float32)
    for c in range(2):
        out[c] += cv2.resize(coarse[c], (CANVAS, CANVAS), interpolation=cv2.INTER_CUBIC)
    return out


@dataclass(frozen=True, slots=True)
class _Look:
    """Per-pair identity augmentation shared by onset and apex."""

    gamma: float
    gain: float
    bias: float
    light: tuple[float, float, float]
    frame: tuple[float, float, float, float]  # scale, dx, dy (crop fractions), roll (rad)
    blur: float
    noise: float
    jpeg: int


def _look(rng: np.random.Generator) -> _Look:
    # Draw order is part of the corpus (cached by seed): keep it when editing.
    angle = float(rng.uniform(0, 2 * np.pi))
    gamma = float(np.exp(rng.uniform(-0.45, 0.45)))
    gain, bias = float(rng.uniform(0.6, 1.25)), float(rng.uniform(-25, 25))
    light = (float(rng.uniform(0.0, 0.7)), float(np.cos(angle)), float(np.sin(angle)))
    scale = float(rng.uniform(0.93, 1.07))
    dx, dy = (float(x) for x in rng.uniform(-0.03, 0.03, 2))
    frame = (scale, dx, dy, float(rng.normal(0, 0.03)))
    blur = float(rng.uniform(0.0, 1.2)) if rng.random() < 0.6 else 0.0
    noise = float(rng.uniform(0.5, 4.0))
    jpeg = int(rng.integers(35, 96)) if rng.random() < 0.6 else 0
    return _Look(gamma, gain, bias, light, frame, blur, noise, jpeg)


def _crop_matrix(frame: tuple[float, float, float, float], head: tuple[float, float, float]) -> F32:
    """Canvas -> 128 crop: the aligned crop's square, jittered (framing) and moved (residual head motion)."""
    scale, fx, fy, roll = frame
    tx, ty, rot = head
    s = scale / SCALE
    a, b = s * np.cos(roll + rot), s * np.sin(roll + rot)
    c = CANVAS / 2.0
    half = ALIGNED_SIZE / 2.0
    ox = half + fx * ALIGNED_SIZE + tx - (a * c - b * c)
    oy = half + fy * ALIGNED_SIZE + ty - (b * c + a * c)
    return np.array([[a, -b, ox], [b, a, oy]], np.float32)


def _finish(canvas: F32, look: _Look, head: tuple[float, float, float], rng: np.random.Generator) -> U8:
    import cv2

    m = _crop_matrix(look.frame, head)
    img = np.asarray(
        cv2.warpAffine(canvas, m, (ALIGNED_SIZE, ALIGNED_SIZE), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE),
        np.float32,
    )
    if look.blur > 0.3:
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), look.blur), np.float32)
    img = img * np.float32(1.0 + rng.normal(0, 0.015)) + np.float32(rng.normal(0, 1.5))
    img += rng.normal(0, look.noise, img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if look.jpeg:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, look.jpeg])
        out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), np.uint8) if ok else out
    return out


def _tone(canvas: F32, look: _Look) -> F32:
    ys, xs = (g / np.float32(CANVAS) - np.float32(0.5) for g in _grid())
    amount, cx, cy = look.light
    shade = 1.0 + np.float32(amount) * (np.float32(cx) * xs + np.float32(cy) * ys)
    toned = 255.0 * (np.clip(canvas, 0, 255) / 255.0) ** look.gamma * look.gain + look.bias
    return (toned * shade).astype(np.float32)


def render_pair(
    subject: Subject, recipe: str | None, intensity_px: float, rng: np.random.Generator, augment: bool = True
) -> tuple[U8, U8]:
    """Onset and apex crops of ``recipe`` (None: no expression) at ``intensity_px`` on ``subject``."""
    blink, gaze, speech = (bool(rng.random() < p) for p in (0.25, 0.25, 0.25))
    which = rng.integers(0, 2, 3)  # which frame carries each nuisance
    fields = [np.zeros((2, CANVAS, CANVAS), np.float32) for _ in range(2)]
    for k, (on, fn) in enumerate(((blink, "blink"), (gaze, "gaze"), (speech, "speech"))):
        if on:
            fields[int(which[k])] += _nuisance_field(subject, rng, fn == "speech", fn == "blink", fn == "gaze")
    if recipe is not None:
        fields[1] += _field(subject, recipe, intensity_px, rng)
    shape = _shape_field(subject, rng) if augment else None
    look = _look(rng) if augment else _Look(1.0, 1.0, 0.0, (0.0, 1.0, 0.0), (1.0, 0.0, 0.0, 0.0), 0.0, 1.0, 0)
    heads = [(0.0, 0.0, 0.0), tuple(float(x) for x in rng.normal(0, (0.5, 0.5, 0.004)))]
    out = []
    for field, head in zip(fields, heads, strict=True):
        canvas = _remap(subject.image, field) if np.any(field) else subject.image
        if shape is not None:
            canvas = _remap(canvas, shape)
        out.append(_finish(_tone(canvas, look), look, head, rng))  # type: ignore[arg-type]
    return out[0], out[1]


def draw_recipe(rng: np.random.Generator) -> tuple[int, str]:
    """A class (uniform: balanced) and one of its recipes (uniform)."""
    label = int(rng.integers(len(COMPOSITE_CLASSES)))
    recipes = RECIPES[COMPOSITE_CLASSES[label]]
    return label, recipes[int(rng.integers(len(recipes)))]


def draw_intensity(rng: np.random.Generator) -> float:
    """Peak px at 128 x 128, log-uniform over :data:`INTENSITY_PX`."""
    lo, hi = np.log(INTENSITY_PX[0]), np.log(INTENSITY_PX[1])
    return float(np.exp(rng.uniform(lo, hi)))


def identity_pairs(identity: Identity, n: int, seed: int, neutral_frac: float = 0.25) -> list[RenderedPair]:
    """``n`` pairs on one identity frame, deterministic in ``(seed, identity, frame)``."""
    name = f"{identity.identity}:{identity.frame}"
    rng = np.random.default_rng([seed, *name.encode()])
    subject = subject_of(identity)
    pairs = []
    for _ in range(n):
        if rng.random() < neutral_frac:
            onset, apex = render_pair(subject, None, 0.0, rng)
            pairs.append(RenderedPair(onset, apex, -1, (), identity.identity, False, "", 0.0))
            continue
        label, recipe = draw_recipe(rng)
        intensity = draw_intensity(rng)
        onset, apex = render_pair(subject, recipe, intensity, rng)
        pairs.append(RenderedPair(onset, apex, label, recipe_aus(recipe), identity.identity, True, recipe, intensity))
    return pairs
