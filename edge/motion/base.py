"""The motion-sample contract and the motion-analyzer interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.face.base import FaceObservation, Quality

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class FlowField:
    """Flow of the aligned face between two frames: u, v (px) and optical strain."""

    u: FloatArray
    v: FloatArray
    strain: FloatArray


@dataclass(frozen=True, slots=True)
class MotionSample:
    """Motion of the aligned face from t-k to t, pooled per facial region.

    ``roi_px`` holds the mean flow magnitude per ROI in aligned-crop pixels,
    head motion already removed. ``flow`` is kept only when a later stage asks
    for it; it never leaves the analysis stage. ``rest_px`` holds, per ROI, the
    displacement from rest: the mean flow magnitude from the track's rest
    reference crop to this one (:mod:`edge.motion.baseline`; empty when
    ``motion.rest_every_ms`` is 0 or no spotter reads it). ``rest_epoch_ns`` is when the reference
    last jumped (a new track, or its maximum age): since then it has only
    moved at rest, by less than ``motion.rest_refresh_px``, so displacements
    with the same epoch can be compared.
    """

    frame_index: int
    t_ns: int
    valid: bool
    roi_px: dict[str, float] = field(default_factory=dict)
    head_motion_px: float = 0.0
    track_id: int = -1
    quality: frozenset[Quality] = frozenset()
    flow: FlowField | None = None
    rest_px: dict[str, float] = field(default_factory=dict)
    #: Since when ``rest_px`` values are comparable (see above; -1 without a reference).
    rest_epoch_ns: int = -1


class MotionAnalyzer(Protocol):
    """Turns a stream of face observations into motion samples."""

    def process(self, face: FaceObservation) -> MotionSample:
        """Motion at ``face``'s frame (``valid`` False when it cannot be measured)."""

    def reset(self) -> None:
        """Forget history (after a pause, a lost track or a source restart)."""

    def close(self) -> None:
        """Release resources; idempotent."""
