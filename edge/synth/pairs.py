"""Onset/apex training pairs for the micro-expression engine.

:func:`make_pairs` renders, for each sample, one short synthetic clip holding a
single expression and returns its onset and apex frames, cropped to the
framing of the research datasets' face crops (DESIGN section 9: cheek
landmarks 234 / 454 at x = -0.10 / 1.07 of the crop width, brow top at
y = 0.095 and chin at y = 1.03 of the crop height), or the full frame with
``crop="frame"``. The crop box comes from the onset frame's known landmarks and
is shared by both frames, as a dataset's cropping would be; head drift, light,
noise and sometimes a blink stay in, as they do in real pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.synth.aus import parse_recipe
from edge.synth.face import VARIANTS
from edge.synth.render import U8, Renderer
from edge.synth.timeline import ClipSpec, Event, Plan, add_head_motion, draw_expression

_BROW_TOP = [70, 63, 105, 66, 107, 336, 296, 334, 293, 300]


def face_box(renderer: Renderer, i: int) -> tuple[float, float, float, float]:
    """``(x0, y0, width, height)`` of the dataset-style face crop at frame ``i`` in canvas pixels."""
    m = renderer.pose(i)
    lm = renderer.subject.landmarks.astype(np.float64) @ m[:, :2].T + m[:, 2]
    width = (lm[454, 0] - lm[234, 0]) / 1.17
    brow = float(lm[_BROW_TOP, 1].min())
    height = (lm[152, 1] - brow) / (1.03 - 0.095)
    return float(lm[234, 0] + 0.10 * width), brow - 0.095 * height, float(width), float(height)


def crop(gray: U8, box: tuple[float, float, float, float], size: int) -> U8:
    """Resample ``box`` of ``gray`` to ``size`` x ``size`` (bilinear)."""
    import cv2

    x0, y0, w, h = box
    m = np.array([[size / w, 0.0, -x0 * size / w], [0.0, size / h, -y0 * size / h]])
    out = cv2.warpAffine(gray, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, np.uint8)


def _sample_plan(k: int, seed: int, fps: float, macro_frac: float) -> Plan:
    rng = np.random.default_rng([seed, k])
    subjects = sorted(VARIANTS)
    kind = "macro" if rng.random() < macro_frac else "micro"
    spec = ClipSpec(
        name=f"pair{k:05d}",
        fps=fps,
        seconds=4.0,
        width=320,
        height=240,
        face_width_frac=0.45,
        subject=subjects[k % len(subjects)],
        n_micro=0,
        n_macro=0,
        n_talk=0,
        macro_ms=(600.0, 1500.0),
    )
    recipe, emotion, length, apex, amp = draw_expression(rng, spec, kind)
    onset = round(0.5 * fps)
    plan = Plan(spec, seed * 100003 + k, onset + length + 2)
    plan.events.append(Event(kind, recipe, emotion, onset, onset + apex, onset + length, amp, 0.0, fps))
    if rng.random() < 0.15:  # a blink during the expression, as in real recordings
        b0 = onset + int(rng.integers(0, max(1, apex)))
        plan.events.append(Event("blink", "45", "", b0, b0 + max(1, round(0.05 * fps)), b0 + round(0.2 * fps), 0.9))
    add_head_motion(plan, rng)
    plan.head_turns.clear()
    return plan


def make_pairs(
    n: int, seed: int, fps: float = 200.0, crop_to: str = "face", size: int = 128, macro_frac: float = 0.0
) -> list[tuple[U8, U8, dict[str, Any]]]:
    """``n`` (onset_gray, apex_gray, labels) triples, deterministic by ``seed``.

    ``labels``: ``aus`` (recipe string, e.g. ``"1+4+15"`` or ``"R12+R14"``),
    ``au_list`` (AU numbers), ``emotion`` ("" for single AUs), ``composite``
    (negative / positive / surprise, "" for single AUs), ``label``, ``kind``,
    ``subject`` (S01..S06, for leave-one-subject-out), ``amplitude_fw``,
    ``onset_to_apex_ms``. With ``crop_to="face"`` images are ``size`` x ``size``
    dataset-style face crops; with ``"frame"`` the full 320x240 frames (face ~144 px wide).
    """
    out: list[tuple[U8, U8, dict[str, Any]]] = []
    for k in range(n):
        plan = _sample_plan(k, seed, fps, macro_frac)
        renderer = Renderer(plan, noise_frames=2)
        event = plan.events[0]
        onset, apex = renderer.frame(event.onset), renderer.frame(event.apex)
        if crop_to == "face":
            box = face_box(renderer, event.onset)
            onset, apex = crop(onset, box, size), crop(apex, box, size)
        labels = {
            "aus": event.recipe,
            "au_list": sorted({t.au for t in parse_recipe(event.recipe)}),
            "emotion": event.emotion,
            "composite": event.composite,
            "label": event.label,
            "kind": event.kind,
            "subject": plan.spec.subject,
            "amplitude_fw": event.amplitude,
            "onset_to_apex_ms": (event.apex - event.onset) * 1000.0 / fps,
        }
        out.append((onset, apex, labels))
    return out
