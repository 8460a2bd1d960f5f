"""``glimpse synth``: write synthetic micro-expression clips and their ground truth."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from edge.cli_common import EXIT_OK, EXIT_RUNTIME
from edge.errors import UsageError

if TYPE_CHECKING:
    from edge.synth.timeline import ClipSpec

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``glimpse synth`` to the command line."""
    parser = subparsers.add_parser(
        "synth",
        help="render synthetic micro-expression clips with ground truth",
        description="Render clips of a face with known micro-/macro-expressions and distractors, plus "
        "ground_truth.csv (video,onset,offset,kind,label,apex,aus,emotion,composite,onset_ms,apex_ms,offset_ms,"
        "fps,subject; frames 1-based) and one JSON per clip. Deterministic by seed.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--preset", help="a benchmark set: bench-ci or bench-full (fixes fps, length, count, seed)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0; presets have their own)")
    parser.add_argument("--fps", type=float, default=100.0, help="frame rate, 30-200 (default 100)")
    parser.add_argument("--seconds", type=float, default=20.0, help="clip length in seconds (default 20)")
    parser.add_argument("--clips", type=int, default=1, help="number of clips (default 1)")
    parser.add_argument("--micro", type=int, default=4, help="micro-expressions per clip (default 4)")
    parser.add_argument("--macro", type=int, default=2, help="macro-expressions per clip (default 2)")
    parser.add_argument("--format", choices=("mp4", "frames"), default="mp4", help="mp4 (mp4v) or PNG frame folders")
    parser.add_argument(
        "--clip-backgrounds",
        action="store_true",
        help="put blurred frames of $GLIMPSE_CLIPS (default: ../shared/clips beside the checkout) behind the face, "
        "if present",
    )
    parser.add_argument("--sheet", type=Path, metavar="PNG", help="also write an onset/apex contact sheet")
    parser.set_defaults(func=handle)


def _clips(args: argparse.Namespace) -> list[tuple[ClipSpec, int]]:
    from edge.synth.face import VARIANTS
    from edge.synth.presets import bench_preset
    from edge.synth.timeline import ClipSpec

    if args.preset:
        return list(bench_preset(args.preset).clip_specs())
    if not 30.0 <= args.fps <= 200.0:
        raise UsageError(f"--fps {args.fps!r} is out of range; expected 30 to 200")
    if not (1 <= args.clips <= 10_000 and 0 < args.seconds <= 3600):  # `not (...)` also refuses nan
        raise UsageError(
            f"--clips {args.clips!r} / --seconds {args.seconds!r}; expected 1 to 10000 clips of more than 0 and up "
            "to 3600 s"
        )
    if args.micro < 0 or args.macro < 0:
        raise UsageError(f"--micro {args.micro!r} / --macro {args.macro!r}; expected counts >= 0")
    subjects = sorted(VARIANTS)
    base = ClipSpec(
        fps=args.fps,
        seconds=args.seconds,
        n_micro=args.micro,
        n_macro=args.macro,
        clip_background=args.clip_backgrounds,
    )
    return [
        (
            replace(base, name=f"synth_{args.seed}_{k + 1:02d}", subject=subjects[k % len(subjects)]),
            args.seed * 1000 + k,
        )
        for k in range(args.clips)
    ]


def handle(args: argparse.Namespace) -> int:
    """Write the clips; 0 ok, 1 on a write failure, 2 on bad arguments."""
    from edge.synth.output import write_set

    try:
        clips = _clips(args)
        csv_path = write_set(clips, args.out, args.format)
        if args.sheet:
            from edge.synth.sheets import contact_sheet

            contact_sheet(args.sheet)
    except OSError as exc:  # bad arguments (UsageError) and other GlimpseErrors are mapped by edge.cli
        print(f"glimpse synth: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"wrote {len(clips)} clip(s) and {csv_path}")
    return EXIT_OK
