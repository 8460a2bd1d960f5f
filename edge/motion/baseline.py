"""Displacement of the aligned face from rest: flow against a slowly updated reference crop.

The per-frame motion sample measures flow from t - k to t (k about 100 ms): how fast the face moves, not how
far it is from rest. A smile held still looks like a bump, a pause and a bump, as speech does. This module
adds the missing quantity: per region, the mean head-compensated flow magnitude from a **rest reference**
crop to the current crop.

The reference is the track's first crop, then it moves to the current crop when

* the face has stayed near it (every region's displacement below ``refresh_px``) and still (that
  displacement steady within ``STILL_FRAC * refresh_px``) for ``refresh_ms``: slow drifts (lighting, residual
  head pose) are absorbed while the face is at rest, and a movement is not, even a small one; or
* it is older than ``max_age_ms`` (a new pose or an expression held for that long becomes the new rest).

The flow runs every ``every_ms`` of sensor time only (DIS ULTRAFAST on the aligned crop, the regions of the
per-frame flow); between runs the last value is held. A new track or a lost face starts over.

Usage::

    rest = RestDisplacement(every_ms=100, refresh_px=1.0, refresh_ms=500, max_age_ms=10000)
    values = rest.update(t_ns, crop, lambda: boxes)  # {"mouth_left": px, ...}; {} until the first flow has run
    rest.reset()                              # on a lost face or a new track
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from edge.motion import rois
from edge.motion.flow import GrayImage, create_dis, flow_medians, mean_of

#: While the face is near the reference, its displacement must also stay within this share of ``refresh_px``
#: (it is still, not in the middle of a small movement) for the reference to move to it.
STILL_FRAC = 0.25


class RestDisplacement:
    """Per-region displacement (px) of the aligned face from a rest reference, measured every ``every_ms``."""

    def __init__(
        self, every_ms: float, refresh_px: float, refresh_ms: float, max_age_ms: float, eye_mask: bool = True
    ) -> None:
        self._every_ns = int(every_ms * 1e6)
        self._refresh_px = refresh_px
        self._refresh_ns = int(refresh_ms * 1e6)
        self._max_age_ns = int(max_age_ms * 1e6)
        self._eye_mask = eye_mask
        self._dis: Any = None
        self._ref: GrayImage | None = None
        self._ref_ns = -1
        self._epoch_ns = -1
        self._last_ns = 0
        self._near_since_ns: int | None = None
        self._near_range = (0.0, 0.0)  # lowest and highest displacement since _near_since_ns
        self.values: dict[str, float] = {}

    def update(self, t_ns: int, crop: GrayImage, boxes: Callable[[], Mapping[str, rois.Box]]) -> dict[str, float]:
        """The displacement at ``t_ns`` (held since the last flow run when that was less than ``every_ms`` ago).

        ``boxes`` gives the regions of ``crop`` (called only when they are needed).
        """
        ref = self._ref
        if ref is None or ref.shape != crop.shape or t_ns < self._last_ns:
            self.reset()
            self._set_reference(t_ns, crop)
            self._epoch_ns = t_ns
            self.values = dict.fromkeys(self._names(boxes()), 0.0)  # the reference against itself
            return self.values
        if t_ns - self._last_ns < self._every_ns:
            return self.values
        self._last_ns = t_ns
        self.values = self._displacement(ref, crop, boxes())
        self._track_stillness(t_ns, max(self.values.values(), default=0.0))
        near_ns = -1 if self._near_since_ns is None else t_ns - self._near_since_ns
        if t_ns - self._ref_ns >= self._max_age_ns:
            self._set_reference(t_ns, crop)
            self._epoch_ns = t_ns
        elif near_ns >= self._refresh_ns:
            self._set_reference(t_ns, crop)
        return self.values

    def _track_stillness(self, t_ns: int, value: float) -> None:
        """Follow how long the face has stayed near the reference *and* still (its displacement steady)."""
        if value >= self._refresh_px:
            self._near_since_ns = None
            return
        if self._near_since_ns is not None:
            low, high = min(self._near_range[0], value), max(self._near_range[1], value)
            if high - low < STILL_FRAC * self._refresh_px:
                self._near_range = (low, high)
                return
        self._near_since_ns, self._near_range = t_ns, (value, value)  # (re)start: near and, from now, still

    @property
    def epoch_ns(self) -> int:
        """When the reference last jumped (first crop of the track, or its maximum age); -1 without one.

        Between jumps it moves only at rest, by less than ``refresh_px``: values of one epoch are comparable.
        """
        return self._epoch_ns

    def _set_reference(self, t_ns: int, crop: GrayImage) -> None:
        self._ref, self._ref_ns, self._last_ns = crop, t_ns, t_ns
        self._near_since_ns = None

    def _displacement(self, ref: GrayImage, crop: GrayImage, boxes: Mapping[str, rois.Box]) -> dict[str, float]:
        if self._dis is None:
            self._dis = create_dis("ultrafast")
        flow = self._dis.calc(ref, crop, None)
        x0, y0, x1, y1 = boxes[rois.REFERENCE_ROI]
        du, dv = flow_medians(flow[y0:y1, x0:x1])  # head motion (and alignment jitter) since the reference
        u, v = flow[..., 0] - du, flow[..., 1] - dv  # new float32 planes: squared and summed in place
        u *= u
        v *= v
        u += v
        magnitude = np.sqrt(u, out=u)
        if self._eye_mask:  # as the per-frame flow: lids are not expressions, and eye boxes may overlap brows
            for name in rois.EYE_ROIS:
                x0, y0, x1, y1 = boxes[name]
                magnitude[y0:y1, x0:x1] = 0.0
        return {n: mean_of(magnitude[y0:y1, x0:x1]) for n in self._names(boxes) for x0, y0, x1, y1 in [boxes[n]]}

    def _names(self, boxes: Mapping[str, rois.Box]) -> list[str]:
        skip = {rois.REFERENCE_ROI, *(rois.EYE_ROIS if self._eye_mask else ())}
        return [n for n in boxes if n not in skip]

    def reset(self) -> None:
        """Forget the reference and the held value (a lost face, a new track, a new stream)."""
        self._ref, self._ref_ns, self._epoch_ns = None, -1, -1
        self._near_since_ns = None
        self.values = {}
