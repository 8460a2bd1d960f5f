"""UF1, UAR, accuracy and the confusion matrix on a hand-computed case, and the LOSO splitter."""

from __future__ import annotations

import pytest

from edge.errors import DatasetError
from edge.evaluation.formats import RecognitionRow
from edge.evaluation.loso import loso_folds
from edge.evaluation.recognition import score_recognition


def rows_from(pairs: list[tuple[str, str, str, str]]) -> list[RecognitionRow]:
    return [
        RecognitionRow(subject=s, clip=f"c{i}", dataset=d, true=t, pred=p, line=i + 2)
        for i, (d, s, t, p) in enumerate(pairs)
    ]


# Confusion (rows true n/p/s, columns pred n/p/s):
#   negative: 3 0 1     positive: 1 1 0     surprise: 0 0 2
# negative TP3 FP1 FN1 -> F1 6/8, recall 3/4
# positive TP1 FP0 FN1 -> F1 2/3, recall 1/2
# surprise TP2 FP1 FN0 -> F1 4/5, recall 1
HAND = [
    ("casme2", "01", "negative", "negative"),
    ("casme2", "01", "negative", "negative"),
    ("casme2", "02", "negative", "surprise"),
    ("samm", "006", "negative", "negative"),
    ("samm", "006", "positive", "negative"),
    ("samm", "007", "positive", "positive"),
    ("samm", "007", "surprise", "surprise"),
    ("casme2", "02", "surprise", "surprise"),
]


def test_uf1_uar_accuracy_and_confusion_by_hand() -> None:
    report = score_recognition(rows_from(HAND))
    overall = report.overall
    assert overall.labels == ("negative", "positive", "surprise")
    assert overall.confusion == ((3, 0, 1), (1, 1, 0), (0, 0, 2))
    assert overall.uf1 == pytest.approx((6 / 8 + 2 / 3 + 4 / 5) / 3)
    assert overall.uar == pytest.approx((3 / 4 + 1 / 2 + 1) / 3)
    assert overall.accuracy == pytest.approx(6 / 8)
    assert overall.n_subjects == 4


def test_per_dataset_scores_use_only_that_dataset() -> None:
    report = score_recognition(rows_from(HAND))
    casme = report.by_dataset["casme2"]
    # casme2: negative 2 right, 1 -> surprise; surprise 1 right. positive absent from truth and predictions.
    assert casme.confusion == ((2, 0, 1), (0, 0, 0), (0, 0, 1))
    assert casme.uf1 == pytest.approx((4 / 5 + 2 / 3) / 2)
    assert casme.uar == pytest.approx((2 / 3 + 1) / 2)
    assert report.by_dataset["samm"].n == 4


def test_pooled_over_folds_differs_from_mean_of_folds() -> None:
    # subject A: 1 of 1 right; subject B: 1 of 3 right -> pooled accuracy 2/4, mean per fold (1 + 1/3)/2
    rows = rows_from([("d", "A", "x", "x"), ("d", "B", "x", "y"), ("d", "B", "y", "y"), ("d", "B", "y", "x")])
    assert score_recognition(rows).overall.accuracy == pytest.approx(0.5)


def test_explicit_labels_reject_unknown_class() -> None:
    with pytest.raises(DatasetError, match="'joy'"):
        score_recognition(rows_from([("d", "A", "joy", "negative")]), labels=["negative", "positive", "surprise"])


def test_predicted_only_class_counts_in_uf1_not_uar() -> None:
    overall = score_recognition(rows_from([("d", "A", "x", "x"), ("d", "B", "x", "z")])).overall
    assert overall.uf1 == pytest.approx((2 / 3 + 0.0) / 2)
    assert overall.uar == pytest.approx(0.5)


def test_loso_folds_hold_out_each_subject_once() -> None:
    subjects = [("casme2", "01"), ("samm", "006"), ("casme2", "01"), ("casme2", "1")]
    folds = loso_folds(subjects)
    assert [f.subject for f in folds] == [("casme2", "01"), ("samm", "006"), ("casme2", "1")]
    assert folds[0].test == (0, 2) and folds[0].train == (1, 3)
    for fold in folds:
        assert set(fold.train).isdisjoint(fold.test)
        assert sorted(fold.train + fold.test) == [0, 1, 2, 3]


def test_loso_needs_two_subjects() -> None:
    with pytest.raises(DatasetError, match="at least 2"):
        loso_folds(["a", "a"])
