"""Plain-text tables of the spotting and recognition reports (the JSON comes from their ``to_dict``)."""

from __future__ import annotations

from collections.abc import Sequence

from edge.evaluation.recognition import RecognitionReport, RecognitionScores
from edge.evaluation.spotting import SpottingReport


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(
            cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def spotting_table(report: SpottingReport) -> str:
    """Micro, macro and overall rows: GT, predictions, TP, FP, FN, precision, recall, F1."""
    rows = []
    for name in ("micro", "macro", "overall"):
        counts = report.overall if name == "overall" else report.by_kind[name]
        n_gt = sum(report.n_gt.values()) if name == "overall" else report.n_gt[name]
        n_pred = sum(report.n_pred.values()) if name == "overall" else report.n_pred[name]
        rows.append(
            [
                name,
                str(n_gt),
                str(n_pred),
                str(counts.tp),
                str(counts.fp),
                str(counts.fn),
                f"{counts.precision:.4f}",
                f"{counts.recall:.4f}",
                f"{counts.f1:.4f}",
            ]
        )
    header = ["kind", "GT", "pred", "TP", "FP", "FN", "precision", "recall", "F1"]
    return "MEGC spotting (IoU >= 0.5, counts pooled over videos)\n" + _table(header, rows)


def recognition_table(report: RecognitionReport) -> str:
    """One row per dataset and one overall, then the overall confusion matrix."""
    header = ["dataset", "n", "subjects", "UF1", "UAR", "accuracy"]
    subsets: list[tuple[str, RecognitionScores]] = sorted(report.by_dataset.items())
    subsets.append(("overall", report.overall))
    rows = [
        [name, str(s.n), str(s.n_subjects), f"{s.uf1:.4f}", f"{s.uar:.4f}", f"{s.accuracy:.4f}"] for name, s in subsets
    ]
    text = "Recognition (leave-one-subject-out, counts pooled over folds)\n" + _table(header, rows)
    return text + "\n\nConfusion matrix (rows true, columns predicted)\n" + confusion_table(report.overall)


def confusion_table(scores: RecognitionScores) -> str:
    header = ["true \\ pred", *scores.labels]
    rows = [[label, *(str(v) for v in row)] for label, row in zip(scores.labels, scores.confusion, strict=True)]
    return _table(header, rows)
