"""The DIS motion analyzer: flow of the aligned face from t - k to t, pooled per region.

Per frame it costs one DIS ULTRAFAST pair on the 128x128 crop plus a few
region means (see docs/engine.md for the measured cost).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from edge.closing import Closeable
from edge.face.base import FaceObservation, Quality
from edge.motion import rois
from edge.motion.base import FlowField, MotionSample
from edge.motion.baseline import RestDisplacement
from edge.motion.config import MotionConfig
from edge.motion.flow import FloatArray, GrayImage, create_dis, dense_flow, optical_strain


@dataclass(frozen=True, slots=True)
class _Past:
    t_ns: int
    crop: GrayImage


class DisMotionAnalyzer(Closeable):
    """Motion samples from DIS optical flow between the crop at t - k_ms and the crop at t.

    Usage::

        with DisMotionAnalyzer(MotionConfig(k_ms=100)) as motion:
            sample = motion.process(face)   # sample.roi_px["mouth_left"], sample.quality
    """

    def __init__(self, config: MotionConfig, landmark_table: dict[str, tuple[int, ...]] | None = None) -> None:
        self._config = config
        self._k_ns = int(config.k_ms * 1e6)
        self._table = landmark_table
        self._dis: Any = create_dis(config.preset)
        self._ring: deque[_Past] = deque()
        self._track = -1
        self._boxes_size = -1
        self._boxes: dict[str, rois.Box] = {}
        self._rest = (
            RestDisplacement(
                config.rest_every_ms,
                config.rest_refresh_px,
                config.rest_refresh_ms,
                config.rest_max_age_ms,
                config.eye_mask,
            )
            if config.rest_every_ms > 0
            else None
        )

    def process(self, face: FaceObservation) -> MotionSample:
        if not face.usable or face.aligned is None:
            self.reset()
            return MotionSample(face.frame_index, face.t_ns, False, track_id=face.track_id, quality=face.quality)
        if face.track_id != self._track:
            self.reset()
            self._track = face.track_id
        crop = face.aligned
        ref = self._reference(face.t_ns)
        self._remember(face.t_ns, crop)
        rest = (
            {} if self._rest is None else self._rest.update(face.t_ns, crop, lambda: self._regions(face, crop.shape[0]))
        )
        if ref is None or ref.crop.shape != crop.shape:
            return MotionSample(face.frame_index, face.t_ns, False, track_id=face.track_id, quality=face.quality)
        u, v = dense_flow(self._dis, ref.crop, crop)
        sample = self._sample(face, u, v)
        if self._rest is None or not rest:
            return sample
        return replace(sample, rest_px=rest, rest_epoch_ns=self._rest.epoch_ns)

    def _reference(self, t_ns: int) -> _Past | None:
        """The newest remembered crop at least k old, if its age is within tolerance."""
        target = t_ns - self._k_ns
        best: _Past | None = None
        for past in self._ring:
            if past.t_ns <= target:
                best = past
            else:
                break
        if best is None:
            return None
        age = t_ns - best.t_ns
        return best if age <= self._k_ns * (1.0 + self._config.k_tolerance) else None

    def _remember(self, t_ns: int, crop: GrayImage) -> None:
        if self._ring and t_ns <= self._ring[-1].t_ns:
            self._ring.clear()  # time went backwards: a new stream
        self._ring.append(_Past(t_ns, crop))
        horizon = t_ns - int(self._k_ns * (1.0 + self._config.k_tolerance))
        while len(self._ring) > 1 and self._ring[1].t_ns <= horizon:
            self._ring.popleft()

    def _regions(self, face: FaceObservation, size: int) -> dict[str, rois.Box]:
        if self._table is not None and face.aligned_landmarks is not None:
            return rois.landmark_boxes(face.aligned_landmarks, self._table, size)
        if size != self._boxes_size:
            self._boxes, self._boxes_size = rois.canonical_boxes(size), size
        return self._boxes

    def _sample(self, face: FaceObservation, u: FloatArray, v: FloatArray) -> MotionSample:
        boxes = self._regions(face, u.shape[0])
        head = 0.0
        if self._config.head_compensation:
            x0, y0, x1, y1 = boxes[rois.REFERENCE_ROI]
            du, dv = float(np.median(u[y0:y1, x0:x1])), float(np.median(v[y0:y1, x0:x1]))  # robust to blink bleed
            u, v = u - du, v - dv
            head = float(np.hypot(du, dv))
        quality = face.quality | ({Quality.BLINK} if self._is_blink(v, boxes) else frozenset())
        if self._config.eye_mask:
            for name in rois.EYE_ROIS:
                x0, y0, x1, y1 = boxes[name]
                u[y0:y1, x0:x1] = 0.0
                v[y0:y1, x0:x1] = 0.0
        magnitude = np.sqrt(u * u + v * v)
        skip = {rois.REFERENCE_ROI, *(rois.EYE_ROIS if self._config.eye_mask else ())}
        roi_px = {
            name: float(magnitude[y0:y1, x0:x1].mean()) for name, (x0, y0, x1, y1) in boxes.items() if name not in skip
        }
        flow = FlowField(u, v, optical_strain(u, v)) if self._config.keep_flow else None
        return MotionSample(face.frame_index, face.t_ns, True, roi_px, head, face.track_id, frozenset(quality), flow)

    def _is_blink(self, v: FloatArray, boxes: dict[str, rois.Box]) -> bool:
        """Eyes moving vertically, coherently and more than the brows above them: a blink, not an expression.

        The signed mean is used (a lid sweeps one way; noise averages out). DIS ULTRAFAST spreads a lid's motion
        over the brow regions too, hence a ratio well below 1 (``blink_brow_ratio``).
        """
        if self._config.blink_flow_px <= 0:
            return False
        eyes = max(_signed_mean(v, boxes[name]) for name in rois.EYE_ROIS)
        brows = max(_signed_mean(v, boxes[name]) for name in rois.BROW_ROIS)
        return eyes > self._config.blink_flow_px and eyes > self._config.blink_brow_ratio * brows

    def reset(self) -> None:
        self._ring.clear()
        self._track = -1
        if self._rest is not None:
            self._rest.reset()

    def close(self) -> None:
        self._ring.clear()


def _signed_mean(a: FloatArray, box: rois.Box) -> float:
    """Magnitude of the mean of ``a`` over ``box`` (coherent motion, either direction)."""
    x0, y0, x1, y1 = box
    return abs(float(a[y0:y1, x0:x1].mean()))
