"""The ``--flows`` options of ``glimpse train``: LOSO on precomputed flow images (docs/training.md)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE
from edge.errors import DatasetError, GlimpseError

logger = logging.getLogger(__name__)

SHIPPED = "shipped"


def add_flow_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("precomputed flow images (docs/training.md)")
    group.add_argument(
        "--flows",
        type=Path,
        default=None,
        metavar="MANIFEST.csv",
        help="leave-one-subject-out on 28x28 RGB (u, v, strain) PNGs listed as path,subject,label[,dataset]",
    )
    group.add_argument(
        "--init",
        default=None,
        metavar="MODEL.onnx",
        help=f"fine-tune from this exported model ('{SHIPPED}': the shipped glimpse_me.onnx); default: from scratch",
    )
    group.add_argument("--lr", type=float, default=1e-3, help="--flows: peak learning rate (default: 1e-3)")
    group.add_argument("--batch", type=int, default=32, help="--flows: batch size (default: 32)")


def flows_usage(args: argparse.Namespace) -> str:
    """A one-line usage problem of the flow options, or ''."""
    if args.init is not None and args.flows is None:
        return "--init applies to --flows only; expected --flows MANIFEST.csv with it"
    if args.flows is None:
        return ""
    if args.dataset or args.root or args.with_synth:
        return "--flows cannot be combined with --dataset/--root/--with-synth: the manifest is the data"
    if args.out is None:
        return "--out is required with --flows: the predictions of licensed data must not land in models/"
    if args.batch < 1 or args.lr < 0:
        return f"--batch {args.batch!r}, --lr {args.lr!r}: expected >= 1 and >= 0"
    return ""


def _init_path(value: str | None) -> Path | None:
    if value is None:
        return None
    if value == SHIPPED:
        from edge.engine.model import model_path

        return Path(model_path())
    return Path(value)


def training_error(exc: GlimpseError) -> int:
    """Report a failed ``glimpse train`` run (a dataset error or another failure) and return its exit status."""
    print(f"dataset error: {exc}" if isinstance(exc, DatasetError) else f"training failed: {exc}")
    return EXIT_RUNTIME


def train_flows(args: argparse.Namespace) -> int:
    """Run LOSO on the manifest with the budget given on the command line; print UF1/UAR overall and per dataset."""
    from edge.train.flows import read_manifest
    from edge.train.flows_fit import FlowBudget, run_flows

    # The budget is fixed here, from the command line, before any image is read or any fold is scored.
    budget = FlowBudget(epochs=args.epochs, lr=args.lr, batch=args.batch, seed=args.seed)
    try:
        init = _init_path(args.init)
        if init is not None and not init.is_file():
            print(f"--init {str(init)!r} not found; expected an exported model such as models/glimpse_me.onnx")
            return EXIT_USAGE
        flows = read_manifest(args.flows)
        report = run_flows(flows, args.out, args.name, budget, init)
    except GlimpseError as exc:
        return training_error(exc)
    start = "fine-tuned from " + str(init) if init is not None else "from scratch"
    print(
        f"flows LOSO ({start}, {report['folds']} folds, {report['rows_used']} images, "
        f"{len(report['rows_skipped'])} skipped): UF1 {report['uf1']:.4f} UAR {report['uar']:.4f}"
    )
    for dataset, scores in report["scores"]["datasets"].items():
        print(f"  {dataset}: n {scores['n']} UF1 {scores['uf1']:.4f} UAR {scores['uar']:.4f}")
    print(f"predictions: {report['predictions']}")
    return EXIT_OK
