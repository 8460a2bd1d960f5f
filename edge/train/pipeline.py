"""`glimpse train` end to end: data, LOSO estimate, final fit, FP32 + INT8 export, parity, model card."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS
from edge.train.data import TrainingSet
from edge.train.fit import Budget, loso, train
from edge.train.net import count_parameters

logger = logging.getLogger(__name__)


def recognition_scores(rows: list[tuple[str, int, str, str, dict[str, float]]]) -> dict[str, Any]:
    """UF1 / UAR of pooled LOSO rows (edge.evaluation's scorer)."""
    from edge.evaluation.formats import RecognitionRow
    from edge.evaluation.recognition import score_recognition

    rec = [RecognitionRow(s, str(i), "synthetic", t, p, sc) for s, i, t, p, sc in rows]
    overall = score_recognition(rec, list(COMPOSITE_CLASSES)).overall
    return {
        "uf1": round(overall.uf1, 4),
        "uar": round(overall.uar, 4),
        "accuracy": round(overall.accuracy, 4),
        "n": overall.n,
        "subjects": overall.n_subjects,
        "labels": list(overall.labels),
        "confusion": [[int(v) for v in row] for row in overall.confusion],
    }


def parity(fp32: Path, int8: Path, x: np.ndarray) -> dict[str, float]:
    """FP32 vs INT8 on the same inputs: class agreement and max/mean absolute probability error."""
    from edge.inference.ort import OrtBackend

    with OrtBackend(fp32) as a, OrtBackend(int8) as b:
        pa, pb = a.run({"x": x}), b.run({"x": x})
    ea, eb = pa["emotion"], pb["emotion"]
    return {
        "samples": len(x),
        "class_agreement": round(float(np.mean(ea.argmax(1) == eb.argmax(1))), 4),
        "emotion_max_abs_err": round(float(np.abs(ea - eb).max()), 4),
        "emotion_mean_abs_err": round(float(np.abs(ea - eb).mean()), 5),
        "spot_max_abs_err": round(float(np.abs(pa["spot"] - pb["spot"]).max()), 4),
    }


Evaluate = Callable[[TrainingSet, Budget], dict[str, Any]]
CardWriter = Callable[[Path, str, dict[str, Any], Path, Path], Path]


def synthetic_loso(data: TrainingSet, budget: Budget) -> dict[str, Any]:
    """The default LOSO estimate: one fold per subject of ``data``, scored with :func:`recognition_scores`."""
    return recognition_scores(loso(data, budget))


def run(
    data: TrainingSet,
    out_dir: Path,
    name: str,
    budget: Budget,
    do_loso: bool = True,
    *,
    evaluate: Evaluate = synthetic_loso,
    card: CardWriter | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train, evaluate, export and document; return the report (also written as ``<name>.report.json``).

    ``evaluate`` gives the LOSO estimate (dataset training keys folds by dataset and subject), ``card`` writes
    the model card (default :func:`edge.train.card.write_card`), ``extra`` is merged into the report.
    """
    from edge.train.card import write_card
    from edge.train.export import export_fp32, export_int8

    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"data": _describe(data), "budget": asdict(budget), **(extra or {})}
    if do_loso:
        t0 = time.perf_counter()
        report["loso"] = evaluate(data, budget)
        report["loso"]["seconds"] = round(time.perf_counter() - t0, 1)
        logger.info("LOSO UF1 %.4f UAR %.4f", report["loso"]["uf1"], report["loso"]["uar"])
    net = train(data, np.arange(len(data)), budget)
    report["parameters"] = count_parameters(net)
    fp32 = export_fp32(net, out_dir / f"{name}.onnx")
    rng = np.random.default_rng(budget.seed)
    calib = np.concatenate(
        [data.x_cls[rng.permutation(len(data))[:128]], data.x_spot[rng.permutation(len(data))[:128]]]
    )
    int8 = export_int8(fp32, out_dir / f"{name}.int8.onnx", calib)
    report["parity"] = parity(fp32, int8, data.x_cls[data.label >= 0][:200])
    (out_dir / f"{name}.report.json").write_text(json.dumps(report, indent=2) + "\n")
    (card or write_card)(out_dir / f"{name}.card.md", name, report, fp32, int8)
    return report


def _describe(data: TrainingSet) -> dict[str, Any]:
    expressive = data.label >= 0
    return {
        "source": data.source,
        "samples": len(data),
        "expressive": int(expressive.sum()),
        "subjects": len(set(data.subject)),
        "classes": {c: int((data.label == i).sum()) for i, c in enumerate(COMPOSITE_CLASSES)},
        "aus": list(ENGINE_AUS),
    }
