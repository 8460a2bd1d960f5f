"""Offline tuning of the ROI-flow spotter's defaults on a generated tuning set.

The face and motion stages do not depend on the spotter's settings, so each
clip's motion samples are recorded once (:func:`record_motion`, the same
stages ``glimpse analyze`` builds) and the spotter is replayed over them for
every setting of a small grid (:func:`grid_search`), scored by the MEGC
protocol. Run it on a tuning set only (``scripts/run_benchmark.py`` writes
``tune-ci``, seeds disjoint from every benchmark), never on a set you report::

    python -m edge.train.tuning /tmp/gbench/clips/tune-ci --cache /tmp/gbench/tune-motion.pkl

The selection rule is fixed here, before any score is seen: highest overall F1
(micro and macro pooled), ties broken by micro F1, then by closeness to the
current defaults (fewest changed fields).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from edge.evaluation.formats import IntervalRow
from edge.evaluation.spotting import SpottingReport
from edge.motion.base import MotionSample
from edge.spotting.base import Interval
from edge.spotting.config import SpottingConfig
from edge.spotting.rules import FlowHistory

logger = logging.getLogger(__name__)

#: Stage 1: the micro pass and the settings both passes share, selected by micro F1.
MICRO_GRID: dict[str, tuple[float, ...]] = {
    "contrast_k_ms": (150.0, 250.0, 350.0, 500.0),
    "threshold_sigma": (3.0, 4.0, 5.0, 6.0, 8.0),
    "min_flow_px": (0.05, 0.1, 0.15, 0.25),
    "hysteresis": (0.15, 0.2, 0.3, 0.5),
    "onset_shift_ms": (0.0, 40.0, 80.0),
    "merge_gap_ms": (60.0, 120.0, 200.0, 300.0),
    "offset_shift_ms": (0.0, 50.0, 100.0),
}
#: Stage 2: the macro pass's own settings (shared ones fixed by stage 1), selected by macro F1.
MACRO_GRID: dict[str, tuple[float, ...]] = {
    "macro_contrast_k_ms": (500.0, 750.0, 1000.0, 1500.0, 2000.0, 3000.0),
    "macro_threshold_sigma": (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0),
    "macro_merge_gap_ms": (100.0, 200.0, 400.0, 800.0),
}
#: Stage 3: the rules of :mod:`edge.spotting.rules` (both passes fixed), selected by overall F1; ties go to the
#: fewest rules on, then to the least aggressive value (each list runs from off to most aggressive).
RULES_GRID: dict[str, tuple[float, ...]] = {
    "blink_max_frac": (0.0, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1),
    "cross_pass_iou": (0.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2),
}
#: Stage 4: the "part of a longer movement" rule (everything else fixed), selected like stage 3. ``context_ms``
#: stays below ``contrast_k_ms + merge_gap_ms`` so that the rule never delays an event.
CONTEXT_GRID: dict[str, tuple[float, ...]] = {
    "context_ratio": (0.0, 1.2, 0.9, 0.7, 0.5, 0.4, 0.3),
    "context_ms": (200.0, 300.0, 400.0, 500.0),
}
#: Stage 5: the speech rule (everything else fixed), selected like stage 3, from off to most aggressive.
SPEECH_GRID: dict[str, tuple[float, ...]] = {"speech_bumps": (0, 10, 8, 6, 5, 4, 3)}


def record_motion(video: Path, overrides: Sequence[str] = ()) -> list[MotionSample]:
    """Motion samples of every frame of ``video`` (face + motion stages of the default configuration)."""
    from edge.capture.registry import open_source
    from edge.config.loader import apply_overrides, validate
    from edge.face.registry import build_tracker
    from edge.motion.registry import build_motion

    config = validate(apply_overrides({}, ["spotting.type=roiflow", *overrides]))
    samples: list[MotionSample] = []
    with open_source(f"file:{quote(str(video), safe='/')}?realtime=false") as source:
        tracker, motion = build_tracker(config), build_motion(config)
        try:
            while (frame := source.read()) is not None:
                samples.append(motion.process(tracker.process(frame)))
        finally:
            motion.close()
            tracker.close()
    return samples


def replay(samples: Sequence[MotionSample], config: SpottingConfig) -> list[Interval]:
    """The ROI-flow spotter's intervals over recorded samples (what the live pipeline would emit)."""
    from edge.spotting.roiflow import RoiFlowSpotter

    spotter = RoiFlowSpotter(config)
    out: list[Interval] = []
    for sample in samples:
        out += spotter.update(sample)
    return out + spotter.flush()


def as_rows(video: str, intervals: Sequence[Interval]) -> list[IntervalRow]:
    """Intervals as 1-based prediction rows, as ``glimpse analyze`` writes them (truncated ones are not scored)."""
    return [
        IntervalRow(video, i.onset_index + 1, i.offset_index + 1, i.kind, apex=i.apex_index + 1)
        for i in intervals
        if not i.truncated
    ]


def score(clips: Mapping[str, Sequence[MotionSample]], gt: Sequence[IntervalRow], config: SpottingConfig) -> Any:
    """The MEGC report of ``config`` replayed over every clip."""
    from edge.evaluation.spotting import score_spotting

    pred = [row for video, samples in clips.items() for row in as_rows(video, replay(samples, config))]
    return score_spotting(gt, pred)


class _Recorder:
    """Records the spotter's per-point contrast and noise-scaled contrast per track segment (no runs)."""

    def __init__(self, config: SpottingConfig) -> None:
        from edge.spotting.roiflow import ContrastPass

        segments: list[list[tuple[int, int, Any, Any]]] = [[]]

        class Spotter(ContrastPass):
            def _decide(self, point: Any, contrast: Any, z: Any) -> list[Interval]:
                segments[-1].append((point.index, point.t_ns, contrast, z))
                return []

            def reset(self) -> None:
                super().reset()
                if segments[-1]:
                    segments.append([])

        self.spotter = Spotter(config)
        self.segments = segments


Curves = list[tuple[Any, Any, Any, Any]]  # per track segment: index [n], t_ns [n], contrast [n, R], z [n, R]


def record_curves(samples: Sequence[MotionSample], contrast_k_ms: float) -> Curves:
    """Per-point contrast and z of the ROI-flow spotter at ``contrast_k_ms`` (independent of the thresholds)."""
    import numpy as np

    rec = _Recorder(SpottingConfig(type="roiflow", contrast_k_ms=contrast_k_ms))
    for sample in samples:
        rec.spotter.update(sample)
    rec.spotter.flush()
    return [
        (
            np.array([p[0] for p in seg]),
            np.array([p[1] for p in seg]),
            np.stack([p[2] for p in seg]),
            np.stack([p[3] for p in seg]),
        )
        for seg in rec.segments
        if seg
    ]


def replay_curves(curves: Curves, config: SpottingConfig) -> list[Interval]:
    """What one pass of :func:`replay` gives for ``config``, from curves recorded at its ``contrast_k_ms`` (fast)."""
    return [iv for _, iv in replay_curves_timed(curves, config)]


def replay_curves_timed(curves: Curves, config: SpottingConfig) -> list[tuple[tuple[int, float], Interval]]:
    """:func:`replay_curves` with each interval's emission key: (track segment, stream time of the live sample
    that emits it; ``inf`` when the segment's flush does)."""
    import numpy as np

    from edge.spotting.runs import RunTracker

    out: list[tuple[tuple[int, float], Interval]] = []
    thr, k_ns = config.threshold_sigma, int(config.contrast_k_ms * 1e6)
    for seg, (index, t_ns, contrast, z) in enumerate(curves):
        score = np.where(contrast < config.min_flow_px, 0.0, z).max(axis=1)
        emit = np.searchsorted(t_ns, t_ns + k_ns, side="left")  # the sample that makes each point scorable
        runs = RunTracker(config, thr, thr * config.hysteresis)
        for j, (i, t, s) in enumerate(zip(index.tolist(), t_ns.tolist(), score.tolist(), strict=True)):
            when = float(t_ns[emit[j]]) if emit[j] < len(t_ns) else math.inf
            out += [((seg, when), iv) for iv in runs.push(i, t, s)]
        out += [((seg, math.inf), iv) for iv in runs.flush()]
    return out


def flow_history(samples: Sequence[MotionSample]) -> FlowHistory:
    """The per-region flow of every sample the spotter scores (what the live spotter's rules look at)."""
    from edge.spotting.rules import FlowHistory

    history = FlowHistory(2**62)
    for s in samples:
        if s.valid and s.roi_px:
            history.add(s.t_ns, s.roi_px)
    return history


def blink_flags(samples: Sequence[MotionSample]) -> dict[int, bool]:
    """The motion stage's blink flag of every sample the spotter scores, by frame index."""
    from edge.face.base import Quality

    return {s.frame_index: Quality.BLINK in s.quality for s in samples if s.valid and s.roi_px}


def combine_passes(
    passes: Sequence[Sequence[tuple[tuple[int, float], Interval]]],
    blink: Mapping[int, bool],
    config: SpottingConfig,
    flow: FlowHistory,
) -> list[Interval]:
    """What :class:`RoiFlowSpotter` emits from its passes' timed intervals (pass filter and rules, emission order)."""
    from edge.spotting.rules import in_longer_movement, is_blink, is_speech, repeats

    timed = sorted(((when, k, iv) for k, p in enumerate(passes) for when, iv in p), key=lambda x: (x[0], x[1]))
    out: list[Interval] = []
    micro: list[Interval] = []
    for _, k, iv in timed:
        if (len(passes) > 1 and k > 0 and iv.kind != "macro") or is_blink(iv, blink, config.blink_max_frac, flow):
            continue
        if in_longer_movement(iv, flow, config.context_ms, config.context_ratio) or is_speech(
            iv, flow, config.speech_bumps
        ):
            continue
        if k > 0 and repeats(iv, micro, config.cross_pass_iou):
            continue
        if k == 0 and iv.kind == "micro":
            micro.append(iv)
        out.append(iv)
    return out


def replay_fast(
    curves: Mapping[float, Curves], blink: Mapping[int, bool], config: SpottingConfig, flow: FlowHistory
) -> list[Interval]:
    """What :func:`replay` gives for the whole two-pass spotter, from curves recorded at each pass's k (fast)."""
    from edge.spotting.roiflow import channel_configs

    passes = [replay_curves_timed(curves[c.contrast_k_ms], c) for c in channel_configs(config)]
    return combine_passes(passes, blink, config, flow)


def grid_search(
    clips: Mapping[str, Sequence[MotionSample]],
    gt: Sequence[IntervalRow],
    grid: Mapping[str, Sequence[float]],
    base: SpottingConfig,
    kind: str = "micro",
) -> list[tuple[dict[str, float], SpottingReport]]:
    """Every grid point's report for the ``kind`` pass (micro: first, macro: second), best ``kind`` F1 first.

    Ties go to the setting closest to ``base`` (fewest changed fields).
    """
    from edge.evaluation.spotting import score_spotting
    from edge.spotting.roiflow import channel_configs

    names = list(grid)
    results = []
    curves: dict[float, dict[str, Curves]] = {}
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        config = channel_configs(base.model_copy(update=point))[0 if kind == "micro" else -1]
        k = config.contrast_k_ms
        if k not in curves:
            curves[k] = {video: record_curves(samples, k) for video, samples in clips.items()}
            logger.info("recorded curves at k = %g ms", k)
        pred = [
            row
            for video, c in curves[k].items()
            for row in as_rows(video, replay_curves(c, config))
            if row.kind == kind
        ]
        results.append((point, score_spotting(gt, pred)))

    def key(item: tuple[dict[str, float], SpottingReport]) -> tuple[float, int]:
        point, report = item
        return (-report.by_kind[kind].f1, sum(getattr(base, n) != v for n, v in point.items()))

    return sorted(results, key=key)


def grid_search_rules(
    clips: Mapping[str, Sequence[MotionSample]],
    gt: Sequence[IntervalRow],
    grid: Mapping[str, Sequence[float]],
    base: SpottingConfig,
) -> list[tuple[dict[str, float], SpottingReport]]:
    """Every rules setting's report for the whole spotter (passes fixed by ``base``), best overall F1 first.

    Ties go to the fewest fields changed from ``base``, then to the earlier grid point (the grid lists each
    rule from off to most aggressive).
    """
    from edge.evaluation.spotting import score_spotting
    from edge.spotting.roiflow import channel_configs

    ks = {c.contrast_k_ms for c in channel_configs(base)}
    curves = {video: {k: record_curves(samples, k) for k in ks} for video, samples in clips.items()}
    blink = {video: blink_flags(samples) for video, samples in clips.items()}
    flows = {video: flow_history(samples) for video, samples in clips.items()}
    names = list(grid)
    results = []
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        config = base.model_copy(update=point)
        pred = [
            row
            for video in clips
            for row in as_rows(video, replay_fast(curves[video], blink[video], config, flows[video]))
        ]
        results.append((point, score_spotting(gt, pred)))

    def key(item: tuple[dict[str, float], SpottingReport]) -> tuple[float, int]:
        point, report = item
        return (-report.overall.f1, sum(getattr(base, n) != v for n, v in point.items()))

    return sorted(results, key=key)


def load_clips(clips_dir: Path, cache: Path | None) -> dict[str, list[MotionSample]]:
    """Recorded motion of every mp4 in ``clips_dir`` (from ``cache`` when it exists)."""
    if cache is not None and cache.is_file():
        with cache.open("rb") as fh:
            loaded: dict[str, list[MotionSample]] = pickle.load(fh)  # our own file, written below
        return loaded
    clips = {}
    for video in sorted(clips_dir.glob("*.mp4")):
        clips[video.stem] = record_motion(video)
        logger.info("recorded %s: %d samples", video.stem, len(clips[video.stem]))
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump(clips, fh)
    return clips


def main(argv: Sequence[str] | None = None) -> int:
    import json

    from edge.evaluation.formats import read_intervals

    parser = argparse.ArgumentParser(description="grid-search the roiflow spotter on a tuning set")
    parser.add_argument("clips_dir", type=Path, help="folder with <clip>.mp4 and ground_truth.csv")
    parser.add_argument("--cache", type=Path, help="pickle of the recorded motion samples (written once)")
    parser.add_argument("--top", type=int, default=5, help="print this many best settings per stage")
    parser.add_argument(
        "--rules-only", action="store_true", help="keep the passes' current defaults; search stage 3 only"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    clips = load_clips(args.clips_dir, args.cache)
    gt = read_intervals(args.clips_dir / "ground_truth.csv")
    check_fast_replay(clips)
    print("current defaults:", json.dumps(_summary(score(clips, gt, SpottingConfig(type="roiflow")))))
    rules_off = {**dict.fromkeys((*RULES_GRID, "context_ratio"), 0.0), "speech_bumps": 0}
    chosen = SpottingConfig(type="roiflow").model_copy(update=rules_off)
    stages = [] if args.rules_only else [("micro", MICRO_GRID), ("macro", MACRO_GRID)]
    for kind, grid in stages:
        ranked = grid_search(clips, gt, grid, chosen, kind)
        for point, report in ranked[: args.top]:
            print(kind, json.dumps(point), json.dumps(_summary(report)[kind]))
        chosen = chosen.model_copy(update=ranked[0][0])
    for stage, grid in (("rules", RULES_GRID), ("context", CONTEXT_GRID), ("speech", SPEECH_GRID)):
        ranked_rules = grid_search_rules(clips, gt, grid, chosen)
        for point, report in ranked_rules[: args.top]:
            print(stage, json.dumps(point), json.dumps(_summary(report)))
        chosen = chosen.model_copy(update=ranked_rules[0][0])
    update = {n: getattr(chosen, n) for n in (*MICRO_GRID, *MACRO_GRID, *RULES_GRID, *CONTEXT_GRID, *SPEECH_GRID)}
    print("chosen:", json.dumps(update))
    print("chosen, full spotter:", json.dumps(_summary(score(clips, gt, chosen))))
    return 0


def check_fast_replay(clips: Mapping[str, Sequence[MotionSample]]) -> None:
    """The fast replay must give exactly the live spotter's intervals (one pass, and both passes with the rules)."""
    one = SpottingConfig(type="roiflow", macro_contrast_k_ms=0.0, blink_max_frac=0.0, context_ratio=0.0, speech_bumps=0)
    both = SpottingConfig(type="roiflow", blink_max_frac=0.3, cross_pass_iou=0.3, context_ratio=0.5, speech_bumps=5)
    for video, samples in clips.items():
        fast_one = replay_curves(record_curves(samples, one.contrast_k_ms), one)
        curves = {k: record_curves(samples, k) for k in {both.contrast_k_ms, both.macro_contrast_k_ms}}
        fast_both = replay_fast(curves, blink_flags(samples), both, flow_history(samples))
        if _key(fast_one) != _key(replay(samples, one)) or _key(fast_both) != _key(replay(samples, both)):
            raise RuntimeError(f"fast replay differs from the spotter on {video!r}; expected identical intervals")


def _key(intervals: Sequence[Interval]) -> list[tuple[int, int, int, str, bool]]:
    """What scoring sees of an interval (regions and track id are not recorded by the fast replay)."""
    return [(i.onset_index, i.apex_index, i.offset_index, i.kind, i.truncated) for i in intervals]


def _summary(report: SpottingReport) -> dict[str, object]:
    def row(c: Any) -> dict[str, object]:
        return {"tp": c.tp, "fp": c.fp, "fn": c.fn, "f1": round(c.f1, 4)}

    return {
        "micro": row(report.by_kind["micro"]),
        "macro": row(report.by_kind["macro"]),
        "overall": row(report.overall),
    }


if __name__ == "__main__":
    raise SystemExit(main())
