"""Spotting scored by the MEGC protocol (DESIGN section 9).

A prediction is a true positive when its IoU with a ground-truth interval ``[onset, offset]`` (inclusive frames)
is at least 0.5; each ground truth is matched at most once; every other prediction is a false positive and
``FN = GT - TP``. Counts are pooled over all videos, micro and macro are scored separately (a micro prediction
only matches micro ground truth) and "overall" pools their counts.

Where one prediction could match several ground truths (or several predictions one ground truth) the pairing is
a maximum bipartite matching, so the number of true positives does not depend on the order of the rows.

Example::

    report = score_spotting(read_intervals("gt.csv"), read_intervals("pred.csv"))
    print(report.overall.f1)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from edge.evaluation.formats import KINDS, IntervalRow, MegcLogRow

logger = logging.getLogger(__name__)

IOU_THRESHOLD = 0.5


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two inclusive frame intervals ``(onset, offset)``."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union


@dataclass(frozen=True, slots=True)
class Counts:
    """Pooled true positives, false positives and false negatives with the derived scores."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """``2TP / (2TP + FP + FN)``; 0 when there is nothing to count."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True, slots=True)
class Match:
    """One line of a matching: a TP pair, an unmatched prediction (FP) or an unmatched ground truth (FN)."""

    video: str
    kind: str
    result: str
    gt: IntervalRow | None
    pred: IntervalRow | None
    iou: float = 0.0


def match_intervals(gts: Sequence[IntervalRow], preds: Sequence[IntervalRow]) -> list[Match]:
    """Match the intervals of one video and one kind; return TP, FP and FN lines."""
    candidates: list[list[tuple[float, int]]] = []
    for pred in preds:
        scored = [(iou((gt.onset, gt.offset), (pred.onset, pred.offset)), j) for j, gt in enumerate(gts)]
        candidates.append(sorted((item for item in scored if item[0] >= IOU_THRESHOLD), key=lambda x: (-x[0], x[1])))
    gt_to_pred: dict[int, int] = {}
    for i in range(len(preds)):
        _augment(i, candidates, gt_to_pred, set())
    pred_to_gt = {i: j for j, i in gt_to_pred.items()}
    matches: list[Match] = []
    for i, pred in enumerate(preds):
        if i in pred_to_gt:
            gt = gts[pred_to_gt[i]]
            overlap = iou((gt.onset, gt.offset), (pred.onset, pred.offset))
            matches.append(Match(pred.video, pred.kind, "TP", gt, pred, overlap))
        else:
            matches.append(Match(pred.video, pred.kind, "FP", None, pred))
    matches.extend(Match(gt.video, gt.kind, "FN", gt, None) for j, gt in enumerate(gts) if j not in gt_to_pred)
    return matches


def _augment(i: int, candidates: list[list[tuple[float, int]]], gt_to_pred: dict[int, int], seen: set[int]) -> bool:
    """Kuhn's augmenting path: give prediction ``i`` a ground truth, re-routing earlier pairs if needed."""
    for _, j in candidates[i]:
        if j in seen:
            continue
        seen.add(j)
        if j not in gt_to_pred or _augment(gt_to_pred[j], candidates, gt_to_pred, seen):
            gt_to_pred[j] = i
            return True
    return False


@dataclass(frozen=True, slots=True)
class SpottingReport:
    """Micro, macro and overall counts pooled over videos, plus per-video counts and every match line."""

    by_kind: dict[str, Counts]
    by_video: dict[str, dict[str, Counts]]
    matches: tuple[Match, ...] = field(repr=False)
    n_gt: dict[str, int]
    n_pred: dict[str, int]

    @property
    def overall(self) -> Counts:
        total = Counts()
        for counts in self.by_kind.values():
            total = total + counts
        return total

    def megc_rows(self, kind: str | None = None) -> list[MegcLogRow]:
        """The match lines in the MEGC submission-log layout (``kind`` None keeps both kinds)."""
        ordered = sorted(self.matches, key=lambda m: (m.video, m.gt.onset if m.gt else m.pred.onset if m.pred else 0))
        return [
            MegcLogRow(
                video=m.video,
                gt=(m.gt.onset, m.gt.offset) if m.gt else None,
                pred=(m.pred.onset, m.pred.offset) if m.pred else None,
                result=m.result,
            )
            for m in ordered
            if kind is None or m.kind == kind
        ]

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": {"iou_threshold": IOU_THRESHOLD, "matching": "maximum bipartite, per video and kind"},
            "micro": self.by_kind["micro"].to_dict(),
            "macro": self.by_kind["macro"].to_dict(),
            "overall": self.overall.to_dict(),
            "n_gt": dict(self.n_gt),
            "n_pred": dict(self.n_pred),
            "videos": {
                video: {kind: counts.to_dict() for kind, counts in kinds.items()}
                for video, kinds in sorted(self.by_video.items())
            },
        }


def score_spotting(gt: Iterable[IntervalRow], pred: Iterable[IntervalRow]) -> SpottingReport:
    """Match every video and kind, pool the counts over the dataset and return the report."""
    gt_groups = _group(gt)
    pred_groups = _group(pred)
    unknown = sorted({video for video, _ in pred_groups} - {video for video, _ in gt_groups})
    if unknown:
        logger.warning(
            "%d predicted video(s) have no ground truth; their intervals count as FP: %s", len(unknown), unknown
        )
    by_kind = {kind: Counts() for kind in KINDS}
    by_video: dict[str, dict[str, Counts]] = defaultdict(lambda: {kind: Counts() for kind in KINDS})
    matches: list[Match] = []
    n_gt = dict.fromkeys(KINDS, 0)
    n_pred = dict.fromkeys(KINDS, 0)
    for key in sorted(set(gt_groups) | set(pred_groups)):
        video, kind = key
        lines = match_intervals(gt_groups.get(key, []), pred_groups.get(key, []))
        counts = Counts(
            tp=sum(m.result == "TP" for m in lines),
            fp=sum(m.result == "FP" for m in lines),
            fn=sum(m.result == "FN" for m in lines),
        )
        by_kind[kind] = by_kind[kind] + counts
        by_video[video][kind] = counts
        n_gt[kind] += len(gt_groups.get(key, []))
        n_pred[kind] += len(pred_groups.get(key, []))
        matches.extend(lines)
    return SpottingReport(by_kind, dict(by_video), tuple(matches), n_gt, n_pred)


def _group(rows: Iterable[IntervalRow]) -> dict[tuple[str, str], list[IntervalRow]]:
    groups: dict[tuple[str, str], list[IntervalRow]] = defaultdict(list)
    for row in rows:
        groups[(row.video, row.kind)].append(row)
    for items in groups.values():
        items.sort(key=lambda row: (row.onset, row.offset, row.line))
    return dict(groups)
