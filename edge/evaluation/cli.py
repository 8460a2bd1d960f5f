"""``glimpse eval spotting|recognition``: score prediction files and print a table or JSON.

Exit 0 when scored, 2 when an input file is malformed (the message names file, line and column), 1 when an
output (log, plot) cannot be written.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE
from edge.errors import DatasetError, GlimpseError, shown

if TYPE_CHECKING:
    from edge.evaluation.formats import IntervalRow

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``eval`` with its ``spotting`` and ``recognition`` subcommands."""
    parser = subparsers.add_parser("eval", help="score spotting or recognition predictions (MEGC protocols)")
    verbs = parser.add_subparsers(dest="eval_command", metavar="{spotting,recognition}", required=True)

    spot = verbs.add_parser("spotting", help="MEGC spotting F1 (IoU >= 0.5) of predicted intervals")
    spot.add_argument(
        "--gt", required=True, metavar="CSV", help="ground truth: video,onset,offset,kind[,label,apex...]"
    )
    spot.add_argument("--pred", required=True, metavar="CSV", help="predictions: video,onset,offset,kind[,label,score]")
    spot.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    spot.add_argument("--megc-log", metavar="FILE", help="also write the MEGC submission log (TP/FP/FN lines)")
    spot.add_argument("--megc-kind", choices=["micro", "macro", "all"], default="all", help="kinds in the MEGC log")
    spot.add_argument("--plot-clip", metavar="VIDEO", help="video id to plot (needs --plot)")
    spot.add_argument("--scores", metavar="CSV", help="per-frame scores video,frame,score for the plotted clip")
    spot.add_argument("--plot", metavar="PNG", help="write the spotting-score curve of --plot-clip here")
    spot.set_defaults(func=_spotting)

    rec = verbs.add_parser("recognition", help="LOSO recognition UF1 / UAR / accuracy and the confusion matrix")
    rec.add_argument("--pred", required=True, metavar="CSV", help="subject,clip,dataset,true,pred[,score_<label>...]")
    rec.add_argument("--labels", metavar="A,B,C", help="class order (default: sorted labels found in the file)")
    rec.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    rec.add_argument("--confusion-png", metavar="FILE", help="write the overall confusion matrix as a PNG")
    rec.set_defaults(func=_recognition)


def _spotting(args: argparse.Namespace) -> int:
    from edge.evaluation.formats import read_intervals, read_scores, repeated_rows, write_megc_log
    from edge.evaluation.plots import draw_spotting_curve
    from edge.evaluation.report import spotting_table
    from edge.evaluation.spotting import score_spotting

    if bool(args.plot_clip) != bool(args.plot):
        return _usage("--plot-clip VIDEO and --plot PNG go together")
    try:
        gt = read_intervals(args.gt)
        # intervals the track or the video cut short ('truncated' 1 in glimpse analyze's CSV) are not predictions
        pred = [row for row in read_intervals(args.pred) if row.extra.get("truncated", "0") not in ("1", "true")]
        _warn_repeats(args.pred, repeated_rows(pred))
        report = score_spotting(gt, pred)
        points = read_scores(args.scores, args.plot_clip) if args.scores and args.plot_clip else []
    except DatasetError as exc:
        return _usage(str(exc))
    try:
        if args.megc_log:
            kind = None if args.megc_kind == "all" else args.megc_kind
            write_megc_log(args.megc_log, report.megc_rows(kind))
        if args.plot:
            lines = [m for m in report.matches if m.video == args.plot_clip]
            gts = [m.gt for m in lines if m.gt is not None]
            preds = [_labelled(m.pred, m.result) for m in lines if m.pred is not None]
            if not lines and not points:
                return _usage(f"--plot-clip {args.plot_clip!r} has no intervals and no scores; expected a video id")
            draw_spotting_curve(points, gts, preds, args.plot, title=args.plot_clip)
    except (OSError, GlimpseError) as exc:
        print(f"glimpse eval: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(json.dumps(report.to_dict(), indent=2) if args.json else spotting_table(report))
    return EXIT_OK


def _warn_repeats(path: str, repeats: dict[str, int]) -> None:
    if repeats:
        videos = ", ".join(f"{video} ({count})" for video, count in sorted(repeats.items())[:5])
        more = f" and {len(repeats) - 5} more" if len(repeats) > 5 else ""
        print(
            f"glimpse eval: warning: {shown(path)} repeats rows of {len(repeats)} video(s): {videos}{more}; "
            "each repeat counts as a false positive (was a video analysed twice into one --out?)",
            file=sys.stderr,
        )


def _labelled(row: IntervalRow, result: str) -> IntervalRow:
    from dataclasses import replace

    return replace(row, label=result)


def _recognition(args: argparse.Namespace) -> int:
    from edge.evaluation.formats import read_recognition
    from edge.evaluation.plots import draw_confusion_matrix
    from edge.evaluation.recognition import score_recognition
    from edge.evaluation.report import recognition_table

    labels = [label.strip() for label in args.labels.split(",")] if args.labels else None
    try:
        report = score_recognition(read_recognition(args.pred), labels)
    except DatasetError as exc:
        return _usage(f"{args.pred}: {exc}" if str(exc).startswith("line") else str(exc))
    if args.confusion_png:
        try:
            draw_confusion_matrix(report.overall, args.confusion_png)
        except (OSError, GlimpseError) as exc:
            print(f"glimpse eval: {exc}", file=sys.stderr)
            return EXIT_RUNTIME
    print(json.dumps(report.to_dict(), indent=2) if args.json else recognition_table(report))
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"glimpse eval: {message}", file=sys.stderr)
    return EXIT_USAGE
