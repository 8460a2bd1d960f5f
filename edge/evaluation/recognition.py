"""Recognition scored as in MEGC2019: leave-one-subject-out predictions, counts pooled over the folds.

- UF1 (unweighted F1) = mean over classes of ``2TP / (2TP + FP + FN)``, counts pooled over every fold;
- UAR (unweighted average recall) = mean over classes of ``TP / N_class``;
- accuracy = correct / all, and the confusion matrix (rows true, columns predicted).

Because the counts are pooled, the scores come from one confusion matrix summed over the folds (never an
average of per-fold scores). Scores are given overall and per dataset. A class enters the UF1 mean when it
occurs in the truth or in the predictions of that subset, and the UAR mean when it occurs in the truth.

Example::

    report = score_recognition(read_recognition("loso.csv"))
    print(report.overall.uf1, report.overall.uar)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from edge.errors import DatasetError
from edge.evaluation.formats import RecognitionRow


@dataclass(frozen=True, slots=True)
class ClassScore:
    """Pooled counts of one class."""

    label: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


@dataclass(frozen=True, slots=True)
class RecognitionScores:
    """Scores of one subset (a dataset, or everything) from its pooled confusion matrix."""

    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    n_subjects: int

    @classmethod
    def from_rows(cls, rows: Sequence[RecognitionRow], labels: Sequence[str]) -> RecognitionScores:
        index = {label: i for i, label in enumerate(labels)}
        matrix = [[0] * len(labels) for _ in labels]
        for row in rows:
            matrix[index[row.true]][index[row.pred]] += 1
        subjects = {(row.dataset, row.subject) for row in rows}
        return cls(tuple(labels), tuple(tuple(r) for r in matrix), len(subjects))

    @property
    def n(self) -> int:
        return sum(sum(row) for row in self.confusion)

    @property
    def per_class(self) -> tuple[ClassScore, ...]:
        size = len(self.labels)
        return tuple(
            ClassScore(
                label=label,
                tp=self.confusion[k][k],
                fp=sum(self.confusion[i][k] for i in range(size)) - self.confusion[k][k],
                fn=sum(self.confusion[k]) - self.confusion[k][k],
            )
            for k, label in enumerate(self.labels)
        )

    @property
    def uf1(self) -> float:
        present = [c for c in self.per_class if c.tp + c.fp + c.fn > 0]
        return sum(c.f1 for c in present) / len(present) if present else 0.0

    @property
    def uar(self) -> float:
        present = [c for c in self.per_class if c.support > 0]
        return sum(c.recall for c in present) / len(present) if present else 0.0

    @property
    def accuracy(self) -> float:
        correct = sum(self.confusion[k][k] for k in range(len(self.labels)))
        return correct / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "subjects": self.n_subjects,
            "uf1": self.uf1,
            "uar": self.uar,
            "accuracy": self.accuracy,
            "labels": list(self.labels),
            "confusion": [list(row) for row in self.confusion],
            "per_class": {
                c.label: {"tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision, "recall": c.recall, "f1": c.f1}
                for c in self.per_class
            },
        }


@dataclass(frozen=True, slots=True)
class RecognitionReport:
    """Overall and per-dataset recognition scores with one shared label order."""

    overall: RecognitionScores
    by_dataset: dict[str, RecognitionScores]

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": "leave-one-subject-out, counts pooled over folds",
            "overall": self.overall.to_dict(),
            "datasets": {name: scores.to_dict() for name, scores in sorted(self.by_dataset.items())},
        }


def score_recognition(rows: Iterable[RecognitionRow], labels: Sequence[str] | None = None) -> RecognitionReport:
    """Pool every row into confusion matrices, overall and per dataset.

    ``labels`` fixes the class order (default: sorted union of true and predicted labels); a row whose label is
    not in ``labels`` raises :class:`DatasetError`.
    """
    materialised = list(rows)
    if not materialised:
        raise DatasetError("no recognition rows to score; expected at least one 'subject,clip,dataset,true,pred' row")
    if labels is None:
        labels = sorted({row.true for row in materialised} | {row.pred for row in materialised})
    allowed = set(labels)
    for row in materialised:
        for value in (row.true, row.pred):
            if value not in allowed:
                raise DatasetError(f"line {row.line}: label {value!r} is not one of {list(labels)}")
    groups: dict[str, list[RecognitionRow]] = defaultdict(list)
    for row in materialised:
        groups[row.dataset].append(row)
    return RecognitionReport(
        overall=RecognitionScores.from_rows(materialised, labels),
        by_dataset={name: RecognitionScores.from_rows(group, labels) for name, group in groups.items()},
    )
