"""Named clip presets and the standard synthetic benchmark sets.

``demo`` is the clip ``glimpse demo`` and ``synthetic:demo`` show. The
benchmark sets are fixed by name and seed so scores can be compared across
versions of the pipeline; changing a preset changes the benchmark, so bump
:data:`BENCH_VERSION` when you do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from edge.errors import UsageError, shown
from edge.synth.face import VARIANTS
from edge.synth.timeline import ClipSpec

BENCH_VERSION = 1

#: Single-clip presets (used by ``synthetic:NAME``).
CLIPS: dict[str, ClipSpec] = {
    "demo": ClipSpec(
        name="demo", fps=90.0, seconds=15.0, n_micro=4, n_macro=1, n_talk=0, blinks_per_min=12.0,
        micro_amp_fw=(0.02, 0.03), micro_ms=(200.0, 450.0), single_au_frac=0.0, head_turns_per_min=2.0,
    ),
    "neutral": ClipSpec(name="neutral", fps=90.0, seconds=15.0, n_micro=0, n_macro=0, n_talk=1),
    "micro": ClipSpec(name="micro", fps=200.0, seconds=20.0, n_micro=8, n_macro=0, n_talk=0),
}  # fmt: skip


#: Default seeds of the single-clip presets; demo's 15 gives micro happiness, sadness and surprise.
CLIP_SEEDS: dict[str, int] = {"demo": 15, "neutral": 1, "micro": 1}


@dataclass(frozen=True, slots=True)
class BenchSet:
    """A named set of clips: ``clips`` clips from ``spec``, subjects cycled, seeds ``seed + k``."""

    name: str
    spec: ClipSpec
    clips: int
    seed: int

    def clip_specs(self) -> list[tuple[ClipSpec, int]]:
        """Every clip's spec (named ``<set>_<k>``, subject cycled over the pseudo-subjects) and seed."""
        subjects = sorted(VARIANTS)
        return [
            (replace(self.spec, name=f"{self.name}_{k + 1:02d}", subject=subjects[k % len(subjects)]), self.seed + k)
            for k in range(self.clips)
        ]


_BENCH_CLIP = ClipSpec(n_talk=1, blinks_per_min=15.0, head_turns_per_min=4.0, jpeg_quality=90)

PRESETS: dict[str, BenchSet] = {
    "bench-ci": BenchSet("bench-ci", replace(_BENCH_CLIP, fps=100.0, seconds=20.0, n_micro=4, n_macro=2), 6, 1000),
    "bench-full": BenchSet(
        "bench-full", replace(_BENCH_CLIP, fps=200.0, seconds=60.0, n_micro=10, n_macro=5, n_talk=2), 20, 2000
    ),
}


def clip_preset(name: str) -> tuple[ClipSpec, int]:
    """The single-clip preset ``name`` and its default seed; benchmark clips (``bench-ci_03``) resolve too."""
    if name in CLIPS:
        return CLIPS[name], CLIP_SEEDS[name]
    for bench in PRESETS.values():
        for spec, seed in bench.clip_specs():
            if spec.name == name:
                return spec, seed
    raise UsageError(
        f"unknown synthetic clip {shown(name)}; expected one of {sorted(CLIPS)} or a benchmark clip like 'bench-ci_01'"
    )


def bench_preset(name: str) -> BenchSet:
    """The benchmark set ``name``."""
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown synthetic preset {shown(name)}; expected one of {sorted(PRESETS)}") from None
