"""PNG plots drawn with OpenCV (no matplotlib): a confusion matrix and a spotting-score curve.

``cv2`` and ``numpy`` are imported inside the functions so that importing this module stays cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from edge.errors import GlimpseError
from edge.evaluation.formats import IntervalRow, ScorePoint
from edge.evaluation.recognition import RecognitionScores

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

logger = logging.getLogger(__name__)

_FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX
_BLACK = (0, 0, 0)
_GRAY = (170, 170, 170)
_GT_COLOUR = {"micro": (120, 200, 120), "macro": (200, 235, 200)}  # BGR green, lighter for macro
_TP_COLOUR = (200, 140, 60)  # BGR blue
_FP_COLOUR = (80, 80, 230)  # BGR red


class PlotError(GlimpseError, OSError):
    """A plot could not be written."""


def _write(path: Path | str, image: npt.NDArray[np.uint8]) -> None:
    import cv2

    if not cv2.imwrite(str(path), image):
        raise PlotError(f"cannot write PNG {str(path)!r}; expected a writable path ending in .png")


def draw_confusion_matrix(scores: RecognitionScores, path: Path | str, cell_px: int = 90) -> None:
    """Write the confusion matrix as a PNG: cells shaded by row-normalised rate, labelled with counts."""
    import cv2
    import numpy as np

    size = len(scores.labels)
    margin_left, margin_top = 150, 70
    image = np.full((margin_top + size * cell_px + 50, margin_left + size * cell_px + 20, 3), 255, np.uint8)
    title = f"UF1 {scores.uf1:.3f}  UAR {scores.uar:.3f}  acc {scores.accuracy:.3f}  n {scores.n}"
    cv2.putText(image, title, (10, 25), _FONT, 0.55, _BLACK, 1, cv2.LINE_AA)
    for i, row in enumerate(scores.confusion):
        total = sum(row) or 1
        for j, value in enumerate(row):
            rate = value / total
            shade = int(255 - 200 * rate)
            x0, y0 = margin_left + j * cell_px, margin_top + i * cell_px
            cv2.rectangle(image, (x0, y0), (x0 + cell_px, y0 + cell_px), (255, shade, shade), -1)
            cv2.rectangle(image, (x0, y0), (x0 + cell_px, y0 + cell_px), _GRAY, 1)
            colour = (255, 255, 255) if rate > 0.6 else _BLACK
            cv2.putText(image, str(value), (x0 + 10, y0 + cell_px // 2 + 6), _FONT, 0.6, colour, 1, cv2.LINE_AA)
        cv2.putText(image, scores.labels[i][:14], (8, margin_top + i * cell_px + cell_px // 2 + 5), _FONT, 0.5, _BLACK)
    for j, label in enumerate(scores.labels):
        cv2.putText(image, label[:10], (margin_left + j * cell_px + 4, margin_top - 8), _FONT, 0.45, _BLACK)
    bottom = margin_top + size * cell_px + 30
    cv2.putText(image, "rows: true   columns: predicted", (margin_left, bottom), _FONT, 0.45, _BLACK, 1, cv2.LINE_AA)
    _write(path, image)


def draw_spotting_curve(
    points: Sequence[ScorePoint],
    gt: Sequence[IntervalRow],
    pred: Sequence[IntervalRow],
    path: Path | str,
    title: str = "",
    size: tuple[int, int] = (1200, 320),
) -> None:
    """Write score vs frame as a PNG: GT intervals shaded green, predictions blue (matched) or red (FP) below.

    ``pred`` rows whose ``label`` is ``"TP"`` are drawn as matched; pass the match result there to colour them.
    """
    import cv2
    import numpy as np

    width, height = size
    left, right, top, bottom = 60, 20, 30, 60
    image = np.full((height, width, 3), 255, np.uint8)
    frames = [p.frame for p in points] + [r.onset for r in (*gt, *pred)] + [r.offset for r in (*gt, *pred)]
    if not frames:
        raise PlotError(f"nothing to plot for {title!r}: no scores and no intervals")
    first, last = min(frames), max(max(frames), min(frames) + 1)
    lo = min([p.score for p in points], default=0.0)
    hi = max([p.score for p in points], default=1.0)
    hi = hi if hi > lo else lo + 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(frame: float) -> int:
        return left + round((frame - first) / (last - first) * plot_w)

    def y_of(score: float) -> int:
        return top + round((1 - (score - lo) / (hi - lo)) * plot_h)

    for row in gt:
        cv2.rectangle(
            image, (x_of(row.onset), top), (x_of(row.offset + 1), top + plot_h), _GT_COLOUR.get(row.kind, _GRAY), -1
        )
    for row in pred:
        colour = _TP_COLOUR if row.label == "TP" else _FP_COLOUR
        cv2.rectangle(
            image, (x_of(row.onset), height - bottom + 8), (x_of(row.offset + 1), height - bottom + 20), colour, -1
        )
    cv2.rectangle(image, (left, top), (left + plot_w, top + plot_h), _BLACK, 1)
    if points:
        poly = np.array([[x_of(p.frame), y_of(p.score)] for p in points], np.int32).reshape(-1, 1, 2)
        cv2.polylines(image, [poly], False, _BLACK, 1, cv2.LINE_AA)
    for value in (lo, hi):
        cv2.putText(image, f"{value:.3g}", (4, y_of(value) + 4), _FONT, 0.4, _BLACK, 1, cv2.LINE_AA)
    for frame in np.linspace(first, last, 6):
        x = x_of(float(frame))
        cv2.line(image, (x, top + plot_h), (x, top + plot_h + 4), _BLACK, 1)
        cv2.putText(image, str(round(float(frame))), (x - 12, height - 8), _FONT, 0.4, _BLACK, 1, cv2.LINE_AA)
    legend = f"{title}   green: ground truth (pale: macro)   bar below: predictions (blue TP, red FP)   line: score"
    cv2.putText(image, legend, (left, 20), _FONT, 0.45, _BLACK, 1, cv2.LINE_AA)
    _write(path, image)
