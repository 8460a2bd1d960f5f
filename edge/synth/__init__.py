"""Synthetic micro-expressions: FACS action units warped onto a real face, with ground truth.

Usage::

    from edge.synth import ClipSpec, generate_clip, make_pairs

    frames, truth = generate_clip(ClipSpec(fps=200, seconds=10), seed=1)
    pairs = make_pairs(100, seed=0, fps=200)  # (onset, apex, labels) face crops

See docs/synth.md for the model, the benchmark presets and the limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.lazy import lazy_exports

if TYPE_CHECKING:
    from edge.synth.output import generate_clip, write_set
    from edge.synth.pairs import make_pairs
    from edge.synth.presets import PRESETS, bench_preset, clip_preset
    from edge.synth.timeline import ClipSpec, Event, Plan, plan_clip

__all__ = [
    "PRESETS",
    "ClipSpec",
    "Event",
    "Plan",
    "bench_preset",
    "clip_preset",
    "generate_clip",
    "make_pairs",
    "plan_clip",
    "write_set",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "generate_clip": "edge.synth.output",
        "write_set": "edge.synth.output",
        "make_pairs": "edge.synth.pairs",
        "PRESETS": "edge.synth.presets",
        "bench_preset": "edge.synth.presets",
        "clip_preset": "edge.synth.presets",
        "ClipSpec": "edge.synth.timeline",
        "Event": "edge.synth.timeline",
        "Plan": "edge.synth.timeline",
        "plan_clip": "edge.synth.timeline",
    },
)
