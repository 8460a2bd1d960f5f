"""The face-observation contract and the face-tracker interface."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.capture.base import Frame, GrayImage

FloatArray = npt.NDArray[np.float32]

#: Side of the canonical aligned face crop in pixels.
ALIGNED_SIZE = 128


class Quality(enum.Enum):
    """Why a face observation should not be trusted for motion analysis."""

    LOST = "lost"
    TOO_SMALL = "too_small"
    POSE = "pose"
    BLINK = "blink"
    OCCLUDED = "occluded"


@dataclass(frozen=True, slots=True)
class FaceObservation:
    """The primary face in one frame, as seen by the tracker.

    ``landmarks`` are in frame pixels (468 x 3, MediaPipe topology) and
    ``aligned_landmarks`` in aligned-crop pixels (468 x 2). Both, like
    ``aligned``, stay inside the analysis stage: they never reach an event.
    ``transform`` is the 2x3 similarity mapping frame to aligned crop.
    ``frame`` is the frame's gray image itself (a reference, not a copy) when
    the tracker's crop is a warp of it by ``transform``: the motion stage
    re-warps an earlier frame with a later transform from it
    (:mod:`edge.motion.rewarp`). It never leaves the analysis stage either.
    """

    frame_index: int
    t_ns: int
    found: bool
    track_id: int = -1
    score: float = 0.0
    aligned: GrayImage | None = None
    transform: FloatArray | None = None
    landmarks: FloatArray | None = None
    aligned_landmarks: FloatArray | None = None
    pose_deg: tuple[float, float, float] | None = None
    box: tuple[float, float, float, float] | None = None
    quality: frozenset[Quality] = frozenset()
    frame: GrayImage | None = None

    @property
    def usable(self) -> bool:
        """True when motion analysis may use this observation."""
        return self.found and self.aligned is not None and Quality.LOST not in self.quality

    @classmethod
    def missing(cls, frame: Frame) -> FaceObservation:
        """The observation for a frame without a trackable face."""
        return cls(frame.index, frame.t_ns, False, quality=frozenset({Quality.LOST}))


class FaceTracker(Protocol):
    """Finds, follows and aligns the primary face, one frame at a time."""

    def process(self, frame: Frame) -> FaceObservation:
        """Observe the primary face in ``frame`` (never raises for 'no face')."""

    def reset(self) -> None:
        """Forget the current track (after a pause or a source restart)."""

    def close(self) -> None:
        """Release models; idempotent."""
