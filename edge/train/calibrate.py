"""Temperature calibration, expected calibration error, and the emotion head against an EMFACS reading of the AUs.

The temperature is fitted on held-out identities only (never on a test set) by minimising the negative
log-likelihood of the emotion head's logits over a fixed grid, then folded into the emotion layer's weights
(logits / T), so the exported graph's softmax *is* the calibrated probability and no runtime code changes.

EMFACS reading (DESIGN section 9 prototypes, reduced to the three composite classes): positive when the lip
corner puller (AU12) is up, surprise when both brow raisers (AU1, AU2) are, negative for any of the
negative-class AUs (AU4, AU9, AU10, AU14, AU15, AU17, AU20, AU23, AU24); the class scores are those AU
probabilities, normalised.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS

F64 = npt.NDArray[np.float64]
NEGATIVE_AUS = (4, 9, 10, 14, 15, 17, 20, 23, 24)
#: Temperatures tried (log-spaced); the fit is a 1-D NLL minimum, so a grid is exact enough.
GRID = np.exp(np.linspace(np.log(0.25), np.log(20.0), 200))


def softmax(logits: F64, temperature: float = 1.0) -> F64:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: F64 = e / e.sum(axis=1, keepdims=True)
    return out


def nll(logits: F64, labels: npt.NDArray[np.int64], temperature: float) -> float:
    p = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, None))))


def fit_temperature(logits: F64, labels: npt.NDArray[np.int64]) -> float:
    """The grid temperature with the lowest NLL on (held-out) ``logits``."""
    return float(GRID[int(np.argmin([nll(logits, labels, float(t)) for t in GRID]))])


def reliability(probs: F64, labels: npt.NDArray[np.int64], bins: int = 10) -> dict[str, Any]:
    """ECE (``bins`` equal-width confidence bins) and the per-bin confidence, accuracy and count."""
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (conf > lo) & (conf <= hi)
        if not inside.any():
            continue
        c, a = float(conf[inside].mean()), float(right[inside].mean())
        ece += inside.mean() * abs(c - a)
        rows.append({"lo": round(float(lo), 2), "hi": round(float(hi), 2), "confidence": round(c, 4),
                     "accuracy": round(a, 4), "n": int(inside.sum())})  # fmt: skip
    return {"ece": round(float(ece), 4), "bins": rows, "accuracy": round(float(right.mean()), 4), "n": len(labels)}


def emfacs_scores(au_probs: F64) -> F64:
    """[N, 3] class scores (negative, positive, surprise) read from the AU head's probabilities."""
    col = {a: i for i, a in enumerate(ENGINE_AUS)}
    neg = au_probs[:, [col[a] for a in NEGATIVE_AUS]].max(axis=1)
    pos = au_probs[:, col[12]]
    sur = np.minimum(au_probs[:, col[1]], au_probs[:, col[2]])
    raw = np.stack([neg, pos, sur], axis=1) + 1e-3
    out: F64 = raw / raw.sum(axis=1, keepdims=True)
    return out


def combine(emotion: F64, emfacs: F64, weight: float) -> F64:
    """Geometric mix ``emotion^(1-w) * emfacs^w``, renormalised."""
    mixed = np.exp((1.0 - weight) * np.log(np.clip(emotion, 1e-9, None)) + weight * np.log(emfacs))
    out: F64 = mixed / mixed.sum(axis=1, keepdims=True)
    return out


def uf1_uar(pred: npt.NDArray[np.int64], labels: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Unweighted F1 and average recall over the composite classes."""
    f1s, recalls = [], []
    for c in range(len(COMPOSITE_CLASSES)):
        tp = int(((pred == c) & (labels == c)).sum())
        fp, fn = int(((pred == c) & (labels != c)).sum()), int(((pred != c) & (labels == c)).sum())
        f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
        recalls.append(tp / max(tp + fn, 1))
    return round(float(np.mean(f1s)), 4), round(float(np.mean(recalls)), 4)


def agreement_report(emotion: F64, au_probs: F64, labels: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Agreement of the emotion head with the EMFACS reading, and UF1 of each and of their mixes."""
    emfacs = emfacs_scores(au_probs)
    out: dict[str, Any] = {
        "agreement": round(float(np.mean(emotion.argmax(1) == emfacs.argmax(1))), 4),
        "uf1_uar": {"emotion_head": uf1_uar(emotion.argmax(1), labels), "emfacs": uf1_uar(emfacs.argmax(1), labels)},
    }
    for w in (0.25, 0.5):
        out["uf1_uar"][f"mix_w{w}"] = uf1_uar(combine(emotion, emfacs, w).argmax(1), labels)
    return out


def fold_temperature(net: Any, temperature: float) -> None:
    """Divide the emotion layer's weights and bias by ``temperature`` (softmax(logits / T) in the graph)."""
    import torch

    with torch.no_grad():
        net.emotion.weight /= temperature
        net.emotion.bias /= temperature


def plot_reliability(before: dict[str, Any], after: dict[str, Any], path: Any, title: str) -> None:
    """A reliability diagram (accuracy per confidence bin, before and after the temperature) as PNG."""
    import cv2

    size, pad = 360, 40
    img = np.full((size + 2 * pad, size + 2 * pad, 3), 255, np.uint8)

    def xy(c: float, a: float) -> tuple[int, int]:
        return int(pad + c * size), int(pad + (1 - a) * size)

    cv2.rectangle(img, xy(0, 1), xy(1, 0), (0, 0, 0), 1)
    cv2.line(img, xy(0, 0), xy(1, 1), (160, 160, 160), 1)
    for rep, color, name in ((before, (0, 0, 220), "before"), (after, (200, 80, 0), "after")):
        pts = [xy(b["confidence"], b["accuracy"]) for b in rep["bins"]]
        for p, q in itertools.pairwise(pts):
            cv2.line(img, p, q, color, 2)
        for b, p in zip(rep["bins"], pts, strict=True):
            cv2.circle(img, p, 2 + min(8, int(np.sqrt(b["n"]) / 4)), color, -1)
        y = 18 if name == "before" else 34
        cv2.putText(img, f"{name}: ECE {rep['ece']:.3f}", (pad + 6, pad + y), 0, 0.45, color, 1)
    cv2.putText(img, title, (pad, pad - 12), 0, 0.45, (0, 0, 0), 1)
    cv2.putText(img, "confidence", (pad + size // 2 - 40, size + pad + 28), 0, 0.45, (0, 0, 0), 1)
    cv2.putText(img, "accuracy", (4, pad - 24 + size // 2), 0, 0.4, (0, 0, 0), 1)
    cv2.imwrite(str(path), img)
