#!/usr/bin/env python3
"""Select the roiflow settings that use the displacement from rest, on the tuning set only.

    .venv/bin/python scripts/tune_rest.py /tmp/gbench/clips/tune-ci --cache /tmp/gbench/tune-ci-rest.pkl \
        [/tmp/gbench/clips/tune-hold --cache /tmp/gbench/tune-hold-rest.pkl]

With several tuning sets (each folder followed by its own ``--cache``), every setting is scored on all of them
pooled (one MEGC count over every clip); ``tune-hold`` adds held macro-expressions at 30 fps, which ``tune-ci``
lacks (see docs/benchmarks.md).

Everything else stays at the current defaults (the other rules, onset/offset shifts). Three stages, repeated
while a round changes something (at most ``MAX_ROUNDS``), each scored on the whole spotter with every rule on (the live
spotter's output, replayed from recorded motion by ``edge.train.replay.replay_fast``): first the macro pass
(``macro_feature`` x ``macro_contrast_k_ms`` x ``macro_threshold_sigma`` x ``macro_merge_gap_ms`` x
``macro_hysteresis``), then ``rest_context_ratio`` x ``rest_context_min_px`` (each from off to most aggressive),
then the micro pass (``threshold_sigma`` x ``hysteresis`` x ``contrast_k_ms`` x ``min_flow_px``); a fourth
stage, ``held`` (``held_max_ms`` x ``held_still_ratio``: a held expression joined into one event), runs when
``--stages`` names it.
Rule fixed before any score was seen: best overall F1, ties to the fewest fields changed from the defaults, then
to the earlier grid point. Use a cache recorded with the current motion stage (it holds ``rest_px``): a cache
from before it gives the rest feature nothing to work on.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

#: Run this tree's package, whichever environment runs the script (a worktree may share one).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import edge.train.tuning as _tuning  # after the path insert above: this tree's package

MACRO_GRID: dict[str, tuple[Any, ...]] = {
    "macro_feature": ("flow", "rest", "both"),
    "macro_contrast_k_ms": (1000.0, 1500.0, 2000.0, 3000.0),
    "macro_threshold_sigma": (3.0, 4.0, 5.0, 6.0),
    "macro_merge_gap_ms": (200.0, 400.0),
    "macro_hysteresis": (0.0, 0.35, 0.5),
}
#: The micro pass, scored like the others on the whole spotter with every rule on (the rules now remove most of
#: what a lower threshold adds; ``edge.train.tuning`` selects it with the rules off).
MICRO_GRID: dict[str, tuple[Any, ...]] = {
    "threshold_sigma": (3.0, 3.5, 4.0, 5.0),
    "hysteresis": (0.2, 0.3, 0.4),
    "contrast_k_ms": (250.0, 350.0),
    "min_flow_px": (0.15, 0.25),
}
#: Rounds of (macro stage, rule stage, micro stage) at most; the search stops early when a round changes nothing.
MAX_ROUNDS = 3
#: The held-expression rule: the same grid as ``edge.train.tuning``'s last stage.
REST_GRID: dict[str, tuple[Any, ...]] = dict(_tuning.REST_GRID)

#: Held expressions joined into one event (``edge/spotting/held.py``); scored with the rules on, like the rest.
HELD_GRID: dict[str, tuple[Any, ...]] = {
    "held_max_ms": (0.0, 2000.0, 3000.0, 4000.0, 6000.0, 8000.0),
    "held_still_ratio": (0.0, 0.5, 0.75, 1.0, 1.5),
}

GRIDS: dict[str, dict[str, tuple[Any, ...]]] = {
    "macro": MACRO_GRID,
    "rest": REST_GRID,
    "micro": MICRO_GRID,
    "held": HELD_GRID,
}


def main(argv: list[str] | None = None) -> int:
    from edge.cli_common import add_set_arg
    from edge.spotting.config import SpottingConfig
    from edge.train.tuning import _summary, check_fast_replay, grid_search_rules, load_sets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("clips_dir", type=Path, nargs="+", help="tuning set folders (pooled)")
    parser.add_argument("--cache", type=Path, action="append", default=[], help="one per folder, in order")
    parser.add_argument("--top", type=int, default=8)
    add_set_arg(
        parser,
        "configuration override for recording motion (e.g. face.follow=fast); a cache holds what it was recorded with",
    )
    parser.add_argument(
        "--macro-features",
        default=",".join(MACRO_GRID["macro_feature"]),
        help="comma-separated macro_feature values the macro stage may choose (e.g. flow)",
    )
    parser.add_argument(
        "--stages",
        default="macro,rest,micro",
        help="comma-separated stages to search, in order (macro, rest, micro, held); the others keep the defaults",
    )
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stages = [name.strip() for name in args.stages.split(",") if name.strip()]
    if not stages or any(name not in GRIDS for name in stages):
        parser.error(f"--stages {args.stages!r}; expected a comma-separated subset of {sorted(GRIDS)}")
    features = tuple(f.strip() for f in args.macro_features.split(",") if f.strip())
    if not features or any(f not in MACRO_GRID["macro_feature"] for f in features):
        parser.error(f"--macro-features {args.macro_features!r}; expected a subset of {MACRO_GRID['macro_feature']}")
    grids = {**GRIDS, "macro": {**MACRO_GRID, "macro_feature": features}}
    clips, gt = load_sets(args.clips_dir, args.cache, args.overrides)
    if clips is None:
        parser.error(f"{len(args.clips_dir)} folder(s) but {len(args.cache)} --cache; expected one per folder")
    check_fast_replay(clips)
    chosen = SpottingConfig(type="roiflow")
    for round_ in range(1, MAX_ROUNDS + 1):  # coordinate search: the rule changes what the macro pass should be
        before = chosen
        for stage in stages:
            grid = grids[stage]
            ranked = grid_search_rules(clips, gt, grid, chosen)
            for point, report in ranked[: args.top]:
                print(f"round {round_} {stage}", json.dumps(point), json.dumps(_summary(report)), flush=True)
            chosen = chosen.model_copy(update=ranked[0][0])
        if chosen == before:
            break
    print("chosen:", json.dumps({n: getattr(chosen, n) for stage in stages for n in grids[stage]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
