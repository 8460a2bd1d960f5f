"""Offline tuning of the ROI-flow spotter's defaults on a generated tuning set.

The face and motion stages do not depend on the spotter's settings, so each
clip's motion samples are recorded once (:func:`record_motion`, the same
stages ``glimpse analyze`` builds) and the spotter is replayed over them for
every setting of a small grid (:func:`grid_search`), scored by the MEGC
protocol. Run it on a tuning set only (``scripts/run_benchmark.py`` writes
``tune-ci``, seeds disjoint from every benchmark), never on a set you report::

    python -m edge.train.tuning /tmp/gbench/clips/tune-ci --cache /tmp/gbench/tune-motion.pkl \
        [/tmp/gbench/clips/tune-hold --cache /tmp/gbench/tune-hold-motion.pkl]

With several tuning sets (each folder followed by its own ``--cache``) every setting is scored on all their
clips pooled: ``tune-hold`` (30 fps, macro-expressions held at apex) covers what ``tune-ci`` lacks.

The selection rule is fixed here, before any score is seen: highest overall F1
(micro and macro pooled), ties broken by micro F1, then by closeness to the
current defaults (fewest changed fields).
"""

from __future__ import annotations

import argparse
import itertools
import logging
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
from edge.train.replay import (
    Curves,
    blink_flags,
    flow_history,
    pass_keys,
    record_curves,
    replay_curves,
    replay_fast,
)

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
MACRO_GRID: dict[str, tuple[Any, ...]] = {
    "macro_feature": ("flow", "rest"),
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
#: Stage 6: the "longer movement" rule on the displacement from rest, selected like stage 3.
REST_GRID: dict[str, tuple[float, ...]] = {
    "rest_context_ratio": (0.0, 1.2, 0.9, 0.7, 0.5, 0.4, 0.3),
    "rest_context_min_px": (0.0, 0.3, 0.6, 1.0),
}


def record_motion(video: Path, overrides: Sequence[str] = ()) -> list[MotionSample]:
    """Motion samples of every frame of ``video`` (face + motion stages of the default configuration, rest on)."""
    from edge.capture.registry import open_source
    from edge.config.loader import apply_overrides, validate
    from edge.face.registry import build_tracker
    from edge.motion.registry import build_motion

    # with the displacement from rest measured (build_motion skips it when the default spotter does not read it)
    config = validate(apply_overrides({}, ["spotting.type=roiflow", "spotting.macro_feature=rest", *overrides]))
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


def grid_search(
    clips: Mapping[str, Sequence[MotionSample]],
    gt: Sequence[IntervalRow],
    grid: Mapping[str, Sequence[Any]],
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
    curves: dict[tuple[float, str], dict[str, Curves]] = {}
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        full = base.model_copy(update=point)
        config = channel_configs(full)[0 if kind == "micro" else -1]
        k = pass_keys(full)[0 if kind == "micro" else -1]
        if k not in curves:
            curves[k] = {video: record_curves(samples, *k) for video, samples in clips.items()}
            logger.info("recorded curves at k = %g ms on %s", *k)
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
    grid: Mapping[str, Sequence[Any]],
    base: SpottingConfig,
) -> list[tuple[dict[str, float], SpottingReport]]:
    """Every rules setting's report for the whole spotter (passes fixed by ``base``), best overall F1 first.

    Ties go to the fewest fields changed from ``base``, then to the earlier grid point (the grid lists each
    rule from off to most aggressive).
    """
    from edge.evaluation.spotting import score_spotting

    curves: dict[str, dict[tuple[float, str], Curves]] = {video: {} for video in clips}  # recorded when needed
    blink = {video: blink_flags(samples) for video, samples in clips.items()}
    flows = {video: flow_history(samples) for video, samples in clips.items()}
    rests = {video: flow_history(samples, rest=True) for video, samples in clips.items()}
    names = list(grid)
    results = []
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        config = base.model_copy(update=point)
        for video, samples in clips.items():
            for k in pass_keys(config):
                if k not in curves[video]:
                    curves[video][k] = record_curves(samples, *k)
        pred = [
            row
            for video in clips
            for row in as_rows(video, replay_fast(curves[video], blink[video], config, flows[video], rests[video]))
        ]
        results.append((point, score_spotting(gt, pred)))

    def key(item: tuple[dict[str, float], SpottingReport]) -> tuple[float, int]:
        point, report = item
        return (-report.overall.f1, sum(getattr(base, n) != v for n, v in point.items()))

    return sorted(results, key=key)


def load_clips(clips_dir: Path, cache: Path | None, overrides: Sequence[str] = ()) -> dict[str, list[MotionSample]]:
    """Recorded motion of every mp4 in ``clips_dir`` (from ``cache`` when it exists; else recorded with the
    configuration ``overrides``, e.g. ``face.follow=fast``)."""
    if cache is not None and cache.is_file():
        with cache.open("rb") as fh:
            loaded: dict[str, list[MotionSample]] = pickle.load(fh)  # our own file, written below
        return loaded
    clips = {}
    for video in sorted(clips_dir.glob("*.mp4")):
        clips[video.stem] = record_motion(video, overrides)
        logger.info("recorded %s: %d samples", video.stem, len(clips[video.stem]))
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump(clips, fh)
    return clips


def load_sets(
    folders: Sequence[Path], caches: Sequence[Path], overrides: Sequence[str] = ()
) -> tuple[dict[str, list[MotionSample]] | None, list[IntervalRow]]:
    """Every folder's recorded motion and ground truth, pooled (clip names are unique across the sets); None
    when ``caches`` is given but not one per folder."""
    from edge.evaluation.formats import read_intervals

    if caches and len(caches) != len(folders):
        return None, []
    clips: dict[str, list[MotionSample]] = {}
    gt: list[IntervalRow] = []
    for k, folder in enumerate(folders):
        clips |= load_clips(folder, caches[k] if caches else None, overrides)
        gt += read_intervals(folder / "ground_truth.csv")
    return clips, gt


def main(argv: Sequence[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(description="grid-search the roiflow spotter on a tuning set")
    parser.add_argument(
        "clips_dir", type=Path, nargs="+", help="folder(s) with <clip>.mp4 and ground_truth.csv (pooled)"
    )
    parser.add_argument(
        "--cache", type=Path, action="append", default=[], help="pickle of a folder's recorded motion (one per folder)"
    )
    parser.add_argument("--top", type=int, default=5, help="print this many best settings per stage")
    parser.add_argument(
        "--rules-only", action="store_true", help="keep the passes' current defaults; search stage 3 only"
    )
    parser.add_argument(
        "--start", choices=("all", "macro"), default="all", help="macro: keep the micro pass's defaults (stage 2 on)"
    )
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    clips, gt = load_sets(args.clips_dir, args.cache)
    if clips is None:
        parser.error(f"{len(args.clips_dir)} folder(s) but {len(args.cache)} --cache; expected one per folder")
    check_fast_replay(clips)
    print("current defaults:", json.dumps(_summary(score(clips, gt, SpottingConfig(type="roiflow")))))
    rules_off = {**dict.fromkeys((*RULES_GRID, "context_ratio", "rest_context_ratio"), 0.0), "speech_bumps": 0}
    chosen = SpottingConfig(type="roiflow").model_copy(update=rules_off)
    parser_stages = {"all": [("micro", MICRO_GRID), ("macro", MACRO_GRID)], "macro": [("macro", MACRO_GRID)]}
    stages = [] if args.rules_only else parser_stages[args.start]
    for kind, grid in stages:
        ranked = grid_search(clips, gt, grid, chosen, kind)
        for point, report in ranked[: args.top]:
            print(kind, json.dumps(point), json.dumps(_summary(report)[kind]))
        chosen = chosen.model_copy(update=ranked[0][0])
    for stage, grid in (("rules", RULES_GRID), ("context", CONTEXT_GRID), ("speech", SPEECH_GRID), ("rest", REST_GRID)):
        ranked_rules = grid_search_rules(clips, gt, grid, chosen)
        for point, report in ranked_rules[: args.top]:
            print(stage, json.dumps(point), json.dumps(_summary(report)))
        chosen = chosen.model_copy(update=ranked_rules[0][0])
    grids = (MICRO_GRID, MACRO_GRID, RULES_GRID, CONTEXT_GRID, SPEECH_GRID, REST_GRID)
    update = {n: getattr(chosen, n) for grid in grids for n in grid}
    print("chosen:", json.dumps(update))
    print("chosen, full spotter:", json.dumps(_summary(score(clips, gt, chosen))))
    return 0


def check_fast_replay(clips: Mapping[str, Sequence[MotionSample]]) -> None:
    """The fast replay must give exactly the live spotter's intervals (one pass, and both passes with the rules)."""
    one = SpottingConfig(
        type="roiflow",
        macro_contrast_k_ms=0.0,
        blink_max_frac=0.0,
        context_ratio=0.0,
        speech_bumps=0,
        rest_context_ratio=0.0,
    )  # one pass, no rule: what replay_curves replays
    both = SpottingConfig(
        type="roiflow",
        macro_feature="rest",
        blink_max_frac=0.3,
        cross_pass_iou=0.3,
        context_ratio=0.5,
        speech_bumps=5,
        rest_context_ratio=0.5,
        rest_context_min_px=0.3,
        held_max_ms=3000.0,
        held_still_ratio=1.0,
    )
    for video, samples in clips.items():
        fast_one = replay_curves(record_curves(samples, one.contrast_k_ms), one)
        curves = {k: record_curves(samples, *k) for k in set(pass_keys(both))}
        fast_both = replay_fast(curves, blink_flags(samples), both, flow_history(samples), flow_history(samples, True))
        if _key(fast_one) != _key(replay(samples, one)) or _key(fast_both) != _key(replay(samples, both)):
            raise RuntimeError(f"fast replay differs from the spotter on {video!r}; expected identical intervals")


def _key(intervals: Sequence[Interval]) -> list[tuple[int, int, int, str, bool, tuple[str, ...]]]:
    """What scoring and the rules see of an interval (the track id is not recorded by the fast replay), in time
    order (a held expression is emitted at a sample, which the fast replay reaches at the next interval)."""
    return sorted((i.onset_index, i.apex_index, i.offset_index, i.kind, i.truncated, i.regions) for i in intervals)


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
