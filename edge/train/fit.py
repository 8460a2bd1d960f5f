"""Training loop and leave-one-subject-out evaluation for the engine network.

The budget (epochs, learning rate, batch size) is fixed before any fold is
seen and is the same for every fold and for the final model: nothing is
selected on a test subject (DESIGN section 9).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from edge.engine.labels import COMPOSITE_CLASSES
from edge.train.data import TrainingSet
from edge.train.net import GlimpseNet

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Budget:
    """The fixed training budget."""

    epochs: int = 30
    lr: float = 3e-3
    batch: int = 64
    weight_decay: float = 1e-4
    seed: int = 0


def flip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left-right: the u channel changes sign, i.e. becomes 1 - u in [0, 1] coordinates."""
    x = torch.flip(x, dims=(3,))
    return torch.cat([1.0 - x[:, :1], x[:, 1:]], dim=1)


def class_weights(labels: np.ndarray) -> torch.Tensor:
    """Cross-entropy weights: inversely proportional to each class's count (unlabelled rows, -1, left out)."""
    counts = np.bincount(labels[labels >= 0], minlength=len(COMPOSITE_CLASSES)).astype(np.float64)
    weights = counts.sum() / np.maximum(counts, 1.0) / len(counts)
    return torch.tensor(weights, dtype=torch.float32)


def train(data: TrainingSet, indices: np.ndarray, budget: Budget) -> GlimpseNet:
    """Train a fresh network on ``data[indices]`` for exactly the budget."""
    torch.manual_seed(budget.seed)
    rng = np.random.default_rng(budget.seed)
    net = GlimpseNet()
    opt = torch.optim.AdamW(net.parameters(), lr=budget.lr, weight_decay=budget.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=budget.lr, total_steps=budget.epochs * max(1, -(-len(indices) // budget.batch))
    )
    x_cls, x_spot = torch.from_numpy(data.x_cls), torch.from_numpy(data.x_spot)
    label, spot, au = torch.from_numpy(data.label), torch.from_numpy(data.spot), torch.from_numpy(data.au)
    ce = nn.CrossEntropyLoss(weight=class_weights(data.label[indices]))
    bce = nn.BCEWithLogitsLoss()
    net.train()
    for _ in range(budget.epochs):
        for start in range(0, len(indices), budget.batch):
            idx = torch.from_numpy(indices[start : start + budget.batch])
            loss = _step_loss(net, x_cls[idx], x_spot[idx], label[idx], spot[idx], au[idx], ce, bce, rng)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        indices = rng.permutation(indices)
    net.eval()
    return net


def _step_loss(
    net: GlimpseNet,
    xc: torch.Tensor,
    xs: torch.Tensor,
    label: torch.Tensor,
    spot: torch.Tensor,
    au: torch.Tensor,
    ce: nn.Module,
    bce: nn.Module,
    rng: np.random.Generator,
) -> torch.Tensor:
    if rng.random() < 0.5:
        xc, xs = flip(xc), flip(xs)
    spot_logit, _, _ = net.logits(xs)
    loss = bce(spot_logit, spot)
    keep = label >= 0
    if bool(keep.any()):
        _, emo_logit, au_logit = net.logits(xc[keep])
        loss = loss + ce(emo_logit, label[keep]) + 0.5 * bce(au_logit, au[keep])
    out: torch.Tensor = loss
    return out


def predict(net: GlimpseNet, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spot [N], emotion [N, 3], au [N, A]) probabilities."""
    with torch.no_grad():
        spot, emotion, au = net(torch.from_numpy(x))
    return spot.numpy(), emotion.numpy(), au.numpy()


def loso(data: TrainingSet, budget: Budget) -> list[tuple[str, int, str, str, dict[str, float]]]:
    """Leave-one-subject-out: (subject, sample index, true, predicted, scores) for every expressive sample."""
    from edge.evaluation.loso import loso_folds

    rows = []
    for fold in loso_folds(data.subject):
        train_idx = np.asarray(fold.train, dtype=np.int64)
        test_idx = np.asarray([i for i in fold.test if data.label[i] >= 0], dtype=np.int64)
        net = train(data, train_idx, budget)
        if len(test_idx) == 0:
            continue
        _, emotion, _ = predict(net, data.x_cls[test_idx])
        for i, probs in zip(test_idx, emotion, strict=True):
            scores = {c: float(p) for c, p in zip(COMPOSITE_CLASSES, probs, strict=True)}
            rows.append(
                (
                    str(fold.subject),
                    int(i),
                    COMPOSITE_CLASSES[data.label[i]],
                    max(scores, key=scores.__getitem__),
                    scores,
                )
            )
        logger.info("fold %s: %d test samples", fold.subject, len(test_idx))
    return rows
