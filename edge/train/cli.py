"""`glimpse train`: train the engine with LOSO evaluation and export FP32, INT8 and a model card.

Synthetic data by default (the shipped model); ``--dataset NAME --root PATH`` (repeatable) trains on licensed
datasets read by :mod:`edge.datasets` instead, optionally mixed with synthetic data (``--with-synth``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from edge.cli_common import EXIT_OK, EXIT_RUNTIME, add_config_args, config_from_args
from edge.datasets import DATASETS
from edge.errors import BackendUnavailable, GlimpseError, UsageError
from edge.train.flows_cli import add_flow_args, flows_usage, train_flows, training_error

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train the micro-expression engine (synthetic data by default) and export ONNX + INT8 + model card",
        description="Leave-one-subject-out evaluation with a budget fixed in advance, then one final fit on "
        "every subject, exported as <name>.onnx, <name>.int8.onnx, <name>.card.md and <name>.report.json. "
        "With --dataset/--root the data are licensed datasets (docs/training.md).",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the models folder)")
    parser.add_argument("--name", default="glimpse_me", help="model name (default: glimpse_me)")
    parser.add_argument("--subjects", type=int, default=6, help="synthetic subjects (default: 6, the shipped model)")
    parser.add_argument(
        "--per-subject", type=int, default=150, help="synthetic pairs per subject (default: 150, the shipped model)"
    )
    parser.add_argument(
        "--epochs", type=int, default=None, help="fixed epochs per fit (default: 20 with realfaces, else 30)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-subject-out estimate")
    parser.add_argument(
        "--source",
        choices=("realfaces", "procedural", "synth", "both"),
        default="realfaces",
        help="synthetic data: FACS-warped real faces (default, the shipped model; docs/training.md), edge.synth "
        "renders of one face, the engine's procedural faces, or both of the latter",
    )
    _realfaces_args(parser)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default: 1; on 2 busy cores 2 threads ran 5x slower)"
    )
    _dataset_args(parser)
    add_flow_args(parser)
    add_config_args(parser)
    parser.set_defaults(func=_handle)


def _realfaces_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("--source realfaces (the default)")
    group.add_argument("--samples", type=int, default=28000, help="training pairs (default: 28000)")
    group.add_argument("--val-samples", type=int, default=3000, help="held-out identity pairs (default: 3000)")
    group.add_argument("--clips", type=Path, default=None, help="identity clips folder (default: ../shared/clips)")
    group.add_argument("--cache", type=Path, default=None, help="cache folder (default: ~/.cache/glimpse)")
    group.add_argument("--workers", type=int, default=2, help="rendering processes (default: 2)")
    group.add_argument("--plot", type=Path, default=None, help="write the reliability diagram (PNG) here")


def _dataset_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("licensed datasets (docs/training.md)")
    group.add_argument(
        "--dataset", action="append", default=[], choices=sorted(DATASETS), help="dataset loader name (repeatable)"
    )
    group.add_argument(
        "--root", action="append", default=[], type=Path, help="that dataset's folder (one per --dataset, in order)"
    )
    group.add_argument("--with-synth", action="store_true", help="add synthetic data (--source) as training-only rows")
    group.add_argument("--include-macro", action="store_true", help="also train on macro-expressions")
    group.add_argument(
        "--cropped",
        action="store_true",
        help="casme2: read the Cropped/ frames (use with --set face.tracker=fullframe)",
    )
    group.add_argument(
        "--no-rest-pairs", action="store_true", help="no onset-to-offset no-expression pairs for the spotting head"
    )


def _handle(args: argparse.Namespace) -> int:
    if args.epochs is None:
        args.epochs = 20 if args.source == "realfaces" and not args.dataset else 30
    if args.subjects < 2 or args.per_subject < 4 or args.epochs < 1:
        raise UsageError(
            f"--subjects {args.subjects!r}, --per-subject {args.per_subject!r}, --epochs {args.epochs!r}: "
            "expected >= 2, >= 4, >= 1"
        )
    problem = flows_usage(args)
    if not problem and args.flows is not None and _inside_repository(args.out):
        problem = f"--out {str(args.out)!r} is inside the Glimpse repository; expected a folder outside it"
    if problem:
        raise UsageError(problem)
    if args.dataset or args.root:
        problem = _dataset_usage(args)
        if problem:
            raise UsageError(problem)
    try:
        import torch
    except ImportError:
        raise BackendUnavailable(f"train needs PyTorch; install it with: {train_install_hint()}") from None
    torch.set_num_threads(args.threads)
    if args.flows is not None:
        return train_flows(args)
    return _train_datasets(args) if args.dataset else _train_synthetic(args)


def train_install_hint() -> str:
    """The command that installs the ``train`` extra here: from the checkout when Glimpse runs from one."""
    import sys

    import edge

    checkout = Path(edge.__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return f"{sys.executable} -m pip install -e '{checkout}[train]'"
    from importlib.metadata import PackageNotFoundError, requires

    try:  # an installed (non-editable) Glimpse: its own metadata lists the extra
        wanted = [r.partition(";")[0].strip() for r in requires("glimpse-edge") or [] if 'extra == "train"' in r]
    except PackageNotFoundError:
        wanted = []
    quoted = " ".join(f"'{req}'" for req in wanted or ["torch"])
    return f"{sys.executable} -m pip install {quoted} (Glimpse is not published on PyPI)"


def _train_synthetic(args: argparse.Namespace) -> int:
    from edge.paths import models_dir
    from edge.train.data import synthetic_set
    from edge.train.fit import Budget
    from edge.train.pipeline import run

    budget = Budget(epochs=args.epochs, seed=args.seed)
    if args.source == "realfaces":
        budget = Budget(epochs=args.epochs, lr=4e-3, batch=256, seed=args.seed)
        from edge.train.realsynth import corpus_sets

        try:
            data, val, about = corpus_sets(
                args.samples, args.val_samples, args.seed, args.clips, args.cache, max(1, args.workers)
            )
        except GlimpseError as exc:
            print(f"training failed: {exc}")
            return EXIT_RUNTIME
        # Held-out identities replace LOSO here: one fit per identity would not fit the time budget.
        report = run(
            data, args.out or models_dir(), args.name, budget, False, extra={"corpus": about}, held_out=val,
            plot=args.plot,
        )  # fmt: skip
        _print_summary(args.name, report, "")
        return EXIT_OK
    data = synthetic_set(args.subjects, args.per_subject, args.seed, args.source)
    report = run(data, args.out or models_dir(), args.name, budget, not args.no_loso)
    _print_summary(args.name, report, "")
    return EXIT_OK


def _dataset_usage(args: argparse.Namespace) -> str:
    """A one-line usage problem of the dataset options, or ''."""
    if len(args.dataset) != len(args.root):
        return f"--dataset given {len(args.dataset)} time(s) and --root {len(args.root)}: expected one --root each"
    if args.out is None:
        return "--out is required with --dataset: a model trained on licensed data must not land in models/"
    if _inside_repository(args.out):
        return (
            f"--out {str(args.out)!r} is inside the Glimpse repository; expected a folder outside it "
            "(a model trained on licensed data must not be committed)"
        )
    return ""


def _inside_repository(out: Path) -> bool:
    import edge

    root = Path(edge.__file__).resolve().parents[1]
    return (root / ".git").exists() and out.resolve().is_relative_to(root)


def _train_datasets(args: argparse.Namespace) -> int:
    from edge.face.registry import build_tracker
    from edge.train.datasets import DatasetRoot, load_all, prepare, train_on_datasets, with_synthetic
    from edge.train.fit import Budget

    config = config_from_args(args)  # a ConfigError is exit 2 with its problems (edge.cli)
    roots = [DatasetRoot(n, r) for n, r in zip(args.dataset, args.root, strict=True)]
    if args.no_rest_pairs and not args.with_synth:
        logger.warning("--no-rest-pairs without --with-synth: the spotting head sees no no-expression example")
    # The budget is fixed here, from the command line, before any data is read or any fold is scored.
    budget = Budget(epochs=args.epochs, seed=args.seed)
    try:
        samples = load_all(roots, args.include_macro, args.cropped)
        tracker = build_tracker(config)
        try:
            prepared = prepare(samples, tracker, rest_pairs=not args.no_rest_pairs)
        finally:
            tracker.close()
        if args.with_synth:
            prepared = with_synthetic(prepared, _synthetic_rows(args))
        report = train_on_datasets(prepared, args.out, args.name, budget, not args.no_loso, config.face.tracker)
    except GlimpseError as exc:
        return training_error(exc)
    skipped = report["training_data"]["skipped_no_face"]
    _print_summary(args.name, report, f" on {'+'.join(args.dataset)} ({skipped} sample(s) skipped: no face)")
    return EXIT_OK


def _synthetic_rows(args: argparse.Namespace) -> Any:
    """The ``--source`` training rows mixed into dataset training (realfaces: its training identities only)."""
    if args.source == "realfaces":
        from edge.train.realsynth import corpus_sets

        return corpus_sets(args.samples, args.val_samples, args.seed, args.clips, args.cache, max(1, args.workers))[0]
    from edge.train.data import synthetic_set

    return synthetic_set(args.subjects, args.per_subject, args.seed, args.source)


def _print_summary(name: str, report: dict[str, Any], where: str) -> None:
    loso = report.get("loso", {})
    held = report.get("held_out")
    scores = (
        f"held-out identities UF1 {held['uf1']} UAR {held['uar']}, T {held['temperature']}, "
        f"ECE {held['reliability_after']['ece']}"
        if held
        else f"LOSO UF1 {loso.get('uf1', 'n/a')} UAR {loso.get('uar', 'n/a')}"
    )
    print(
        f"trained {name}{where}: {report['parameters']} parameters; {scores}; "
        f"INT8 agreement {report['parity']['class_agreement']}"
    )
