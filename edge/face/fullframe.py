"""A model-free tracker: the central square of the frame is the face.

Useful for pre-cropped, pre-aligned footage (the datasets' cropped frames)
and as the fallback when no face model is installed.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.capture.base import Frame
from edge.config import GlimpseConfig
from edge.face.base import ALIGNED_SIZE, FaceObservation


class FullFrameTracker:
    """Treats the central square of every frame as one still, aligned face."""

    def __init__(self, size: int = ALIGNED_SIZE) -> None:
        self._size = size

    @classmethod
    def from_config(cls, config: GlimpseConfig) -> FullFrameTracker:
        """The registry's constructor; this tracker has no settings."""
        return cls()

    def process(self, frame: Frame) -> FaceObservation:
        h, w = frame.gray.shape
        side = min(h, w)
        x0, y0 = (w - side) // 2, (h - side) // 2
        scale = self._size / side
        transform = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], dtype=np.float32)
        crop = frame.gray[y0 : y0 + side, x0 : x0 + side]
        aligned = np.asarray(cv2.resize(crop, (self._size, self._size), interpolation=cv2.INTER_AREA), dtype=np.uint8)
        return FaceObservation(
            frame.index,
            frame.t_ns,
            True,
            track_id=1,
            score=1.0,
            aligned=aligned,
            transform=transform,
            box=(float(x0), float(y0), float(side), float(side)),
        )

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None
