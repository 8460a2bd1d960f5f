"""Leave-one-subject-out training and evaluation on precomputed flow images (``glimpse train --flows``).

One fold per ``(dataset, subject)``; every fold trains a network for exactly the same budget, fixed before
any fold is seen, from scratch or from the weights of a shipped ONNX model (``init``), and predicts its
held-out subject once, at the end. Nothing is chosen on a test fold: no best epoch, no early stopping, no
threshold (DESIGN section 9). Only the emotion head is trained: these images carry no spotting or AU labels.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edge.engine.labels import COMPOSITE_CLASSES
from edge.errors import ModelError
from edge.evaluation.formats import RecognitionRow
from edge.train.fit import Budget, class_weights, flip
from edge.train.flows import FlowSet
from edge.train.net import GlimpseNet

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FlowBudget(Budget):
    """The fixed budget of every fold: AdamW, one-cycle schedule, left-right flip augmentation."""

    lr: float = 1e-3
    batch: int = 32


def _onnx_weights(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of every Conv and Gemm node, in graph order (BatchNorm is already folded into Conv)."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as exc:  # onnx is in the train extra
        raise ModelError(f"--init {str(path)!r} needs the onnx package (pip install onnx)") from exc
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises OSError, protobuf's DecodeError and more for a bad file
        raise ModelError(f"cannot read {str(path)!r} as an ONNX model ({exc}); expected e.g. glimpse_me.onnx") from exc
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    pairs = []
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm") and len(node.input) >= 3:
            pairs.append((init[node.input[1]], init[node.input[2]]))
    return pairs


def init_from_onnx(net: GlimpseNet, path: Path) -> GlimpseNet:
    """Load an exported model's weights into ``net``; BatchNorm layers become identities (folded already).

    Raises :class:`ModelError` when the model's layers do not match the network's (another architecture).
    """
    pairs = _onnx_weights(path)
    layers = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    if len(pairs) != len(layers):
        raise ModelError(f"{str(path)!r} has {len(pairs)} Conv/Gemm layers; expected {len(layers)} (GlimpseNet)")
    with torch.no_grad():
        for (name, layer), (weight, bias) in zip(layers, pairs, strict=True):
            if tuple(weight.shape) != tuple(layer.weight.shape):
                raise ModelError(
                    f"{str(path)!r}: layer {name!r} has weights {tuple(weight.shape)}; "
                    f"expected {tuple(layer.weight.shape)} (GlimpseNet)"
                )
            layer.weight.copy_(torch.tensor(weight))
            layer.bias.copy_(torch.tensor(bias))
    _drop_batchnorm(net)
    return net


def _drop_batchnorm(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.Identity())
        else:
            _drop_batchnorm(child)


def fit(x: np.ndarray, label: np.ndarray, budget: FlowBudget, init: Path | None = None) -> GlimpseNet:
    """A network trained on ``x``/``label`` (emotion head) for exactly ``budget``, from scratch or ``init``."""
    torch.manual_seed(budget.seed)
    rng = np.random.default_rng(budget.seed)
    net = init_from_onnx(GlimpseNet(), init) if init is not None else GlimpseNet()
    loss_fn = nn.CrossEntropyLoss(weight=class_weights(label))
    opt = torch.optim.AdamW(net.parameters(), lr=budget.lr, weight_decay=budget.weight_decay)
    steps = budget.epochs * max(1, -(-len(label) // budget.batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=budget.lr, total_steps=steps) if budget.lr > 0 else None
    xs, ys = torch.from_numpy(x), torch.from_numpy(label)
    order = np.arange(len(label))
    net.train()
    for _ in range(budget.epochs):
        order = rng.permutation(order)
        for start in range(0, len(order), budget.batch):
            idx = torch.from_numpy(order[start : start + budget.batch])
            batch = flip(xs[idx]) if rng.random() < 0.5 else xs[idx]
            _, logits, _ = net.logits(batch)
            loss = loss_fn(logits, ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
    net.eval()
    return net


def emotion_probabilities(net: GlimpseNet, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        _, emotion, _ = net(torch.from_numpy(x))
    out: np.ndarray = emotion.numpy()
    return out


def loso(flows: FlowSet, budget: FlowBudget, init: Path | None = None) -> list[RecognitionRow]:
    """One prediction per row, each made by the network of the fold that held its subject out."""
    from edge.evaluation.loso import loso_folds

    rows: list[RecognitionRow] = []
    folds = loso_folds(flows.folds())
    for k, fold in enumerate(folds, start=1):
        train_idx, test_idx = np.asarray(fold.train, dtype=np.int64), np.asarray(fold.test, dtype=np.int64)
        net = fit(flows.x[train_idx], flows.label[train_idx], budget, init)
        for i, probs in zip(test_idx, emotion_probabilities(net, flows.x[test_idx]), strict=True):
            scores = {c: float(p) for c, p in zip(COMPOSITE_CLASSES, probs, strict=True)}
            pred = max(scores, key=scores.__getitem__)
            true = COMPOSITE_CLASSES[int(flows.label[i])]
            rows.append(RecognitionRow(flows.subject[i], flows.clip[i], flows.dataset[i], true, pred, scores))
        logger.info("fold %d/%d %s: %d held out", k, len(folds), fold.subject, len(test_idx))
    return rows


def run_flows(flows: FlowSet, out_dir: Path, name: str, budget: FlowBudget, init: Path | None) -> dict[str, Any]:
    """LOSO on ``flows``; writes ``<name>.flows.loso.csv`` and ``<name>.flows.report.json``, returns the report."""
    import json

    from edge.evaluation.recognition import score_recognition
    from edge.train.datasets import write_rows

    rows = loso(flows, budget, init)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = write_rows(out_dir / f"{name}.flows.loso.csv", rows)
    scores = score_recognition(rows, COMPOSITE_CLASSES)
    report: dict[str, Any] = {
        "manifest": flows.source,
        "rows_used": len(flows),
        "rows_skipped": [{"source": r.source, "reason": r.reason} for r in flows.skipped],
        "counts": flows.counts(),
        "folds": len(set(flows.folds())),
        "budget": asdict(budget),
        "init": None if init is None else {"path": str(init), "sha256": hashlib.sha256(init.read_bytes()).hexdigest()},
        "selection": "none: every fold trains for the fixed budget and predicts its held-out subject once",
        "predictions": str(csv_path),
        "uf1": round(scores.overall.uf1, 4),
        "uar": round(scores.overall.uar, 4),
        "scores": scores.to_dict(),
    }
    (out_dir / f"{name}.flows.report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
