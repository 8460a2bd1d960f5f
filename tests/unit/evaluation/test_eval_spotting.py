"""MEGC spotting metric on hand-computed cases."""

from __future__ import annotations

import pytest

from edge.evaluation.formats import IntervalRow
from edge.evaluation.spotting import Counts, iou, match_intervals, score_spotting


def row(video: str, onset: int, offset: int, kind: str = "micro") -> IntervalRow:
    return IntervalRow(video=video, onset=onset, offset=offset, kind=kind)


def test_published_mdmd_arithmetic() -> None:
    counts = Counts(tp=130, fp=6428, fn=227)
    assert round(counts.f1, 4) == 0.0376
    assert counts.f1 == pytest.approx(260 / 6915)
    assert counts.precision == pytest.approx(130 / 6558)
    assert counts.recall == pytest.approx(130 / 357)


def test_empty_counts_score_zero() -> None:
    assert Counts().f1 == 0.0 and Counts().precision == 0.0 and Counts().recall == 0.0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((1, 10), (1, 10), 1.0),  # identical
        ((1, 10), (11, 20), 0.0),  # adjacent, no shared frame
        ((1, 10), (10, 19), 1 / 19),  # one shared frame (inclusive)
        ((1, 10), (6, 15), 5 / 15),
        ((1, 4), (3, 4), 0.5),  # exactly the threshold
        ((5, 5), (5, 5), 1.0),  # single-frame intervals
        ((1, 10), (3, 7), 0.5),  # contained
    ],
)
def test_iou_inclusive_frames(a: tuple[int, int], b: tuple[int, int], expected: float) -> None:
    assert iou(a, b) == pytest.approx(expected)
    assert iou(b, a) == pytest.approx(expected)


def test_iou_exactly_half_is_a_match_and_just_below_is_not() -> None:
    assert [m.result for m in match_intervals([row("v", 1, 4)], [row("v", 3, 4)])] == ["TP"]
    # IoU 4/9 < 0.5
    results = sorted(m.result for m in match_intervals([row("v", 1, 6)], [row("v", 3, 9)]))
    assert results == ["FN", "FP"]


def test_prediction_overlapping_two_gts_counts_once() -> None:
    gts = [row("v", 1, 2), row("v", 3, 4)]
    report = score_spotting(gts, [row("v", 1, 4)])  # IoU 0.5 with each
    assert report.by_kind["micro"] == Counts(tp=1, fp=0, fn=1)


def test_duplicate_predictions_of_one_gt_give_one_tp_and_fps() -> None:
    report = score_spotting([row("v", 10, 20)], [row("v", 10, 20), row("v", 11, 20), row("v", 50, 60)])
    assert report.by_kind["micro"] == Counts(tp=1, fp=2, fn=0)


def test_matching_is_maximum_not_greedy() -> None:
    # overlapping GTs (SAMM-LV has some): p1 fits g1 best (.667) and g2 (.538); p2 fits only g1 (.6).
    # A greedy best-IoU-first pairing takes p1-g1 and leaves p2 unmatched; the maximum matching finds 2 TPs.
    gts = [row("v", 1, 10), row("v", 6, 15)]
    p1, p2 = row("v", 3, 12), row("v", 1, 6)
    assert iou((3, 12), (1, 10)) > iou((1, 6), (1, 10)) > iou((3, 12), (6, 15)) >= 0.5
    for preds in ([p1, p2], [p2, p1]):
        assert score_spotting(gts, preds).by_kind["micro"] == Counts(tp=2, fp=0, fn=0)


def test_pooling_across_videos_is_not_an_average() -> None:
    gt = [row("a", 1, 10), row("b", 1, 10), row("b", 100, 110), row("b", 200, 210)]
    pred = [row("a", 1, 10), row("a", 50, 60), row("a", 70, 80), row("b", 300, 310)]
    report = score_spotting(gt, pred)
    assert report.by_kind["micro"] == Counts(tp=1, fp=3, fn=3)
    assert report.overall.f1 == pytest.approx(2 / 8)
    assert report.by_video["a"]["micro"] == Counts(1, 2, 0)
    assert report.by_video["b"]["micro"] == Counts(0, 1, 3)


def test_same_interval_in_another_video_does_not_match() -> None:
    report = score_spotting([row("a", 1, 10)], [row("b", 1, 10)])
    assert report.by_kind["micro"] == Counts(tp=0, fp=1, fn=1)


def test_micro_and_macro_scored_separately_and_pooled_overall() -> None:
    gt = [row("v", 1, 10, "micro"), row("v", 100, 200, "macro"), row("v", 300, 400, "macro")]
    pred = [
        row("v", 1, 10, "macro"),  # right place, wrong kind: FP for macro, micro GT stays FN
        row("v", 100, 200, "macro"),
        row("v", 500, 510, "micro"),
    ]
    report = score_spotting(gt, pred)
    assert report.by_kind["micro"] == Counts(tp=0, fp=1, fn=1)
    assert report.by_kind["macro"] == Counts(tp=1, fp=1, fn=1)
    assert report.overall == Counts(tp=1, fp=2, fn=2)
    assert report.overall.f1 == pytest.approx(2 / 6)
    assert report.n_gt == {"micro": 1, "macro": 2} and report.n_pred == {"micro": 1, "macro": 2}


def test_megc_rows_cover_every_gt_and_prediction() -> None:
    report = score_spotting([row("v", 1, 10), row("v", 30, 40)], [row("v", 2, 10), row("v", 60, 70)])
    rows = sorted((r.result, r.gt, r.pred) for r in report.megc_rows())
    assert rows == [("FN", (30, 40), None), ("FP", None, (60, 70)), ("TP", (1, 10), (2, 10))]
    assert report.megc_rows("macro") == []
