"""A frame source that renders a synthetic micro-expression clip in process.

``synthetic:NAME?fps=&seconds=&seed=&realtime=&width=&height=`` where NAME is
a preset of :mod:`edge.synth.presets` (``demo``, ``neutral``, ``micro`` or a
benchmark clip such as ``bench-ci_01``). Frames are rendered lazily and are
identical for the same URI. Timestamps follow the schedule
``t_ns = t0_ns + round(i * 1e9 / fps)``: ``t0_ns`` is 0 (or ``t0_ns=``) when not
real-time, and ``time.monotonic_ns()`` at :meth:`open` with ``realtime=true``,
where :meth:`read` also sleeps until each frame's time. What was rendered is
in :attr:`SyntheticSource.ground_truth`; the pipeline itself sees only frames.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from edge.capture.base import Frame, SourceBase, SourceInfo
from edge.capture.registry import SourceURI
from edge.errors import SourceError

if TYPE_CHECKING:
    from edge.synth.timeline import ClipSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """One rendered expression: frames 1-based (like the CSV), times in sensor ns."""

    kind: str
    label: str
    aus: str
    emotion: str
    onset: int
    apex: int
    offset: int
    onset_ns: int
    apex_ns: int
    offset_ns: int


def _fits(spec: ClipSpec) -> bool:
    """Whether the longest possible events fit (so short runs fall back to distractors only)."""
    from edge.synth.timeline import worst_case_seconds

    return worst_case_seconds(spec) <= spec.seconds


def _no_expressions(spec: ClipSpec) -> ClipSpec:
    logger.warning(
        "synthetic clip %r: %.1f s is too short for its expressions; rendering none", spec.name, spec.seconds
    )
    return replace(spec, n_micro=0, n_macro=0, n_talk=0)


class SyntheticSource(SourceBase):
    """Renders a synthetic face clip with known micro-expressions.

    Usage::

        with SyntheticSource(SourceURI.parse("synthetic:demo")) as src:
            while (frame := src.read()) is not None:
                ...
            print(src.ground_truth)
    """

    def __init__(self, uri: SourceURI) -> None:
        super().__init__(uri.scheme)
        from edge.synth.presets import clip_preset
        from edge.synth.timeline import plan_clip

        name = uri.target or "demo"
        base, default_seed = clip_preset(name)
        seconds = uri.get_float("seconds", base.seconds)
        ratio = seconds / base.seconds
        spec = replace(
            base,
            fps=uri.get_float("fps", base.fps),
            seconds=seconds,
            width=uri.get_int("width", base.width),
            height=uri.get_int("height", base.height),
            # A shorter or longer run keeps the preset's event rate.
            n_micro=round(base.n_micro * ratio),
            n_macro=round(base.n_macro * ratio),
            n_talk=round(base.n_talk * ratio),
        )
        self._uri = uri.raw or f"synthetic:{name}"
        self._seed = uri.get_int("seed", default_seed)
        self._realtime = uri.get_bool("realtime", False)
        self._t0_param = uri.get_int("t0_ns", 0)
        self.plan = plan_clip(spec, self._seed) if _fits(spec) else plan_clip(_no_expressions(spec), self._seed)
        self._renderer: object | None = None
        self._t0_ns = self._t0_param
        self._next = 0
        self._open = False

    @property
    def fps(self) -> float:
        return self.plan.spec.fps

    def t_ns(self, i: int) -> int:
        """The timestamp of frame ``i`` (0-based) on the schedule."""
        return self._t0_ns + round(i * 1e9 / self.fps)

    @property
    def ground_truth(self) -> list[GroundTruth]:
        """The micro- and macro-expressions rendered, in time order."""
        return [
            GroundTruth(
                e.kind, e.label, e.recipe, e.emotion, e.onset + 1, e.apex + 1, e.offset + 1,
                self.t_ns(e.onset), self.t_ns(e.apex), self.t_ns(e.offset),
            )
            for e in self.plan.ground_truth
        ]  # fmt: skip

    def open(self) -> SourceInfo:
        if not self._open:
            from edge.synth.render import Renderer

            try:
                self._renderer = Renderer(self.plan)
            except (OSError, ValueError) as exc:
                raise SourceError(f"synthetic source {self._uri!r} cannot load its face asset: {exc}") from exc
            self._t0_ns = time.monotonic_ns() if self._realtime else self._t0_param
            self._next = 0
            self._open = True
            logger.info("synthetic source %s: %d frames at %.1f fps", self._uri, self.plan.n_frames, self.fps)
        spec = self.plan.spec
        return SourceInfo(self._uri, spec.width, spec.height, spec.fps)

    def read(self) -> Frame | None:
        if not self._open:
            self.open()
        if self._next >= self.plan.n_frames:
            return None
        from edge.synth.render import Renderer

        assert isinstance(self._renderer, Renderer)
        i = self._next
        gray = self._renderer.frame(i)
        t_ns = self.t_ns(i)
        if self._realtime:
            wait_ns = t_ns - time.monotonic_ns()
            if wait_ns > 0:
                time.sleep(wait_ns / 1e9)
        self._next += 1
        self._drops.observe(t_ns)
        return Frame(i, t_ns, gray, self._uri)

    def close(self) -> None:
        self._renderer = None
        self._open = False
