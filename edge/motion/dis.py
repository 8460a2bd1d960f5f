"""The DIS motion analyzer: flow of the aligned face from t - k to t, pooled per region.

Per frame it costs one DIS ULTRAFAST pair on the 128x128 crop (the t - k
crop re-warped through t's alignment first), the u and v planes with the head
motion subtracted, one magnitude, and one integral image from which every
region's mean is read at once; a displacement from rest every
``rest_every_ms`` adds a second pair (docs/benchmarks.md has the measured
cost of each part).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.closing import Closeable
from edge.face.base import FaceObservation, Quality
from edge.motion import rewarp, rois
from edge.motion.base import FlowField, MotionSample
from edge.motion.baseline import RestDisplacement
from edge.motion.config import MotionConfig
from edge.motion.flow import FloatArray, GrayImage, create_dis, flow_medians, optical_strain


@dataclass(frozen=True, slots=True)
class _Slots:
    """Where the regions that :meth:`DisMotionAnalyzer._sample` treats specially sit in the region order."""

    names: tuple[str, ...]
    reference: int
    eyes: npt.NDArray[np.intp]
    blink: npt.NDArray[np.intp]  # eyes, then brows
    features: tuple[tuple[int, str], ...]  # every region but the reference and (when masked) the eyes


@dataclass(frozen=True, slots=True)
class _Past:
    t_ns: int
    crop: GrayImage
    patch: rewarp.Patch | None = None  # the frame around it, to re-warp with a later transform


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
        self._layout: tuple[rois.LandmarkBoxes, npt.NDArray[np.int64]] | None = None
        self._boxes_of: tuple[FloatArray | None, npt.NDArray[np.int64]] = (None, np.zeros((0, 4), np.int64))
        self._at: _Slots | None = None
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
        frame, transform = face.frame, face.transform
        if self._config.reference != "current" or frame is None or transform is None:
            frame = transform = None  # compare with the crop as the face stage aligned it
        self._remember(
            face.t_ns, crop, None if frame is None or transform is None else rewarp.cut(frame, transform, len(crop))
        )
        rest = {} if self._rest is None else self._rest.update(face.t_ns, crop, lambda: self._box_map(face, crop))
        if ref is None or ref.crop.shape != crop.shape:
            return MotionSample(face.frame_index, face.t_ns, False, track_id=face.track_id, quality=face.quality)
        before = ref.crop
        if transform is not None and ref.patch is not None:  # the t - k face through t's alignment (edge.motion.rewarp)
            before = rewarp.warp(ref.patch, transform, len(crop))
        epoch = -1 if self._rest is None or not rest else self._rest.epoch_ns
        return self._sample(face, self._dis.calc(before, crop, None), rest, epoch)

    def _box_map(self, face: FaceObservation, crop: GrayImage) -> dict[str, rois.Box]:
        """The regions of ``crop`` by name (what the displacement from rest pools over)."""
        names, boxes = self._regions(face, crop.shape[0])
        return {n: (int(b[0]), int(b[1]), int(b[2]), int(b[3])) for n, b in zip(names, boxes, strict=True)}

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

    def _remember(self, t_ns: int, crop: GrayImage, patch: rewarp.Patch | None = None) -> None:
        if self._ring and t_ns <= self._ring[-1].t_ns:
            self._ring.clear()  # time went backwards: a new stream
        self._ring.append(_Past(t_ns, crop, patch))
        horizon = t_ns - int(self._k_ns * (1.0 + self._config.k_tolerance))
        while len(self._ring) > 1 and self._ring[1].t_ns <= horizon:
            self._ring.popleft()

    def _regions(self, face: FaceObservation, size: int) -> tuple[tuple[str, ...], npt.NDArray[np.int64]]:
        """Region names and their n x 4 boxes (landmark boxes when the face stage gives landmarks)."""
        if self._layout is None or self._layout[0].size != size:
            regions = rois.LandmarkBoxes(self._table or {}, size)
            self._layout = regions, regions.array(None)
            self._boxes_of = (None, self._layout[1])
        regions, canonical = self._layout
        landmarks = face.aligned_landmarks
        if self._table is None or landmarks is None:
            return regions.names, canonical
        if self._boxes_of[0] is not landmarks:  # the rest map and the sample of one frame share them
            self._boxes_of = (landmarks, regions.array(landmarks))
        return regions.names, self._boxes_of[1]

    def _sample(self, face: FaceObservation, flow: FloatArray, rest: dict[str, float], epoch_ns: int) -> MotionSample:
        """Head motion removed, eyes masked, every region's mean flow magnitude from one integral image."""
        names, boxes = self._regions(face, flow.shape[0])
        at = self._slots(names)
        head = 0.0
        if self._config.head_compensation:
            x0, y0, x1, y1 = boxes[at.reference].tolist()
            du, dv = flow_medians(flow[y0:y1, x0:x1])  # robust to blink bleed
            u, v = flow[..., 0] - du, flow[..., 1] - dv  # new contiguous planes, head motion removed
            head = math.hypot(du, dv)
        else:
            u, v = flow.transpose(2, 0, 1).copy()  # contiguous planes: fast arithmetic (cv2.split is slower)
        quality = face.quality | ({Quality.BLINK} if self._is_blink(v, boxes, at) else frozenset())
        # sqrt(u^2 + v^2) in NumPy, which rounds every step the same way wherever the arrays lie in memory;
        # cv2.magnitude's result depended on the output buffer's alignment (run-to-run noise, issue 14).
        magnitude = u * u
        magnitude += v * v
        np.sqrt(magnitude, out=magnitude)
        if self._config.eye_mask:
            for x0, y0, x1, y1 in boxes[at.eyes].tolist():
                magnitude[y0:y1, x0:x1] = 0.0
                if self._config.keep_flow:
                    u[y0:y1, x0:x1] = 0.0
                    v[y0:y1, x0:x1] = 0.0
        means = rois.box_means(magnitude, boxes).tolist()
        roi_px = {name: means[i] for i, name in at.features}
        field = FlowField(u, v, optical_strain(u, v)) if self._config.keep_flow else None
        return MotionSample(
            face.frame_index, face.t_ns, True, roi_px, head, face.track_id, frozenset(quality), field, rest, epoch_ns
        )

    def _slots(self, names: tuple[str, ...]) -> _Slots:
        """Row indices of the special regions in ``names`` (computed once per name tuple)."""
        if self._at is None or self._at.names != names:
            at = {name: i for i, name in enumerate(names)}
            eyes = [at[name] for name in rois.EYE_ROIS] if self._config.eye_mask else []
            skip = {at[rois.REFERENCE_ROI], *eyes}
            self._at = _Slots(
                names,
                at[rois.REFERENCE_ROI],
                np.array(eyes, np.intp),
                np.array([at[name] for name in (*rois.EYE_ROIS, *rois.BROW_ROIS)], np.intp),
                tuple((i, name) for i, name in enumerate(names) if i not in skip),
            )
        return self._at

    def _is_blink(self, v: FloatArray, boxes: npt.NDArray[np.int64], at: _Slots) -> bool:
        """Eyes moving vertically, coherently and more than the brows above them: a blink, not an expression.

        The signed mean is used (a lid sweeps one way; noise averages out). DIS ULTRAFAST spreads a lid's motion
        over the brow regions too, hence a ratio well below 1 (``blink_brow_ratio``).
        """
        if self._config.blink_flow_px <= 0:
            return False
        # Four small boxes: summing them directly (float64) is cheaper than an integral image of the whole plane.
        means: list[float] = [
            abs(float(np.add.reduce(v[y0:y1, x0:x1], axis=None, dtype=np.float64))) / ((x1 - x0) * (y1 - y0))
            for x0, y0, x1, y1 in boxes[at.blink].tolist()
        ]
        eyes, brows = max(means[:2]), max(means[2:])
        return eyes > self._config.blink_flow_px and eyes > self._config.blink_brow_ratio * brows

    def reset(self) -> None:
        self._ring.clear()
        self._track = -1
        if self._rest is not None:
            self._rest.reset()

    def close(self) -> None:
        self._ring.clear()
