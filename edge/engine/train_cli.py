"""`glimpse train`: train the engine with LOSO evaluation and export FP32, INT8 and a model card."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train the micro-expression engine (synthetic data by default) and export ONNX + INT8 + model card",
        description="Leave-one-subject-out evaluation with a budget fixed in advance, then one final fit on "
        "every subject, exported as <name>.onnx, <name>.int8.onnx, <name>.card.md and <name>.report.json.",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the models folder)")
    parser.add_argument("--name", default="glimpse_me", help="model name (default: glimpse_me)")
    parser.add_argument("--subjects", type=int, default=12, help="synthetic subjects (default: 12)")
    parser.add_argument("--per-subject", type=int, default=44, help="synthetic pairs per subject (default: 44)")
    parser.add_argument("--epochs", type=int, default=30, help="fixed epochs per fit (default: 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-subject-out estimate")
    parser.add_argument(
        "--source",
        choices=("procedural", "synth", "both"),
        default="procedural",
        help="synthetic data: the engine's procedural faces (default, the shipped model), edge.synth renders, or both",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default: 2)")
    parser.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    if args.subjects < 2 or args.per_subject < 4 or args.epochs < 1:
        logger.error(
            "--subjects %r, --per-subject %r, --epochs %r: expected >= 2, >= 4, >= 1",
            args.subjects,
            args.per_subject,
            args.epochs,
        )
        return EXIT_USAGE
    try:
        import torch
    except ImportError:
        logger.error("glimpse train needs PyTorch; install the 'train' extra (pip install 'glimpse-edge[train]')")
        return EXIT_RUNTIME
    from edge.engine.train.data import synthetic_set
    from edge.engine.train.fit import Budget
    from edge.engine.train.pipeline import run
    from edge.paths import models_dir

    torch.set_num_threads(args.threads)
    data = synthetic_set(args.subjects, args.per_subject, args.seed, args.source)
    report = run(
        data, args.out or models_dir(), args.name, Budget(epochs=args.epochs, seed=args.seed), not args.no_loso
    )
    loso = report.get("loso", {})
    print(
        f"trained {args.name}: {report['parameters']} parameters; LOSO UF1 {loso.get('uf1', 'n/a')} "
        f"UAR {loso.get('uar', 'n/a')}; INT8 agreement {report['parity']['class_agreement']}"
    )
    return EXIT_OK
