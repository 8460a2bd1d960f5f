"""Gray frames of a video file from the decoder's Y plane, without a colour conversion.

OpenCV's FFmpeg backend with ``CAP_PROP_CONVERT_RGB`` off hands back the Y
plane of planar YUV video (yuv420p, yuvj420p, nv12, ...) as an 8-bit H x W
image. That skips YUV->BGR and BGR->gray: 0.13 ms a frame on H.264 640x360, 0.27 ms
on MJPEG 640x480, one core (docs/benchmarks.md, issue 14). Most video is limited
range (Y 16-235), MJPEG full range, and OpenCV reports neither, so the first
frame is decoded both ways and the Y plane is used only when it matches the
converted frame, as it is or mapped to full range (``gray = 255/219 (Y - 16)``,
the BT.601 quantisation). Anything else (an RGB codec, a mismatch) keeps the
conversion, so every file gives what ``cvtColor(BGR2GRAY)`` gave, to within
:data:`MATCH_TOLERANCE` grey levels on average.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.capture.base import GrayImage, to_gray

logger = logging.getLogger(__name__)

#: Mean absolute difference (grey levels) from the converted first frame under which the Y plane is used.
MATCH_TOLERANCE = 2.0
#: Y's standard deviation (grey levels) above which the first frame tells limited from full range.
MIN_CONTRAST = 4.0
#: FourCCs (as OpenCV reports them) of codecs that are full range by convention (JPEG-based).
FULL_RANGE_CODECS = frozenset({"MJPG", "JPEG", "AVRN", "MJPA", "MJPB", "DMB1", "LJPG"})
LIMITED_GAIN = 255.0 / 219.0
LIMITED_OFFSET = -16.0 * 255.0 / 219.0


@dataclass(frozen=True, slots=True)
class LumaMode:
    """How frames are read: from the Y plane (``full`` or ``limited`` range) or converted from BGR."""

    plane: bool
    limited: bool = False
    error: float = 0.0  # mean absolute difference from the converted first frame, grey levels

    @property
    def name(self) -> str:
        if not self.plane:
            return "bgr"
        return "y-limited" if self.limited else "y-full"


@contextmanager
def quiet_opencv() -> Iterator[None]:
    """OpenCV warns on every frame that it hands a YUV format back "as 8UC1"; that is what is wanted here."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


def full_range(plane: npt.NDArray[Any]) -> GrayImage:
    """A limited-range Y plane stretched to 0-255 (saturating)."""
    return np.asarray(cv2.addWeighted(plane, LIMITED_GAIN, plane, 0.0, LIMITED_OFFSET), dtype=np.uint8)


def choose_mode(converted: GrayImage, plane: np.ndarray | None, fourcc: str = "") -> LumaMode:
    """Compare the first frame's Y plane with its BGR->gray conversion: the Y mode that matches, else BGR.

    The range is read from the contrast: the least-squares gain from Y to gray is 255/219 for limited range
    and 1 for full range (1.160-1.166 on all 14 real and generated clips at hand, 1.001 on MJPEG). A frame
    too flat to tell (Y's standard deviation under :data:`MIN_CONTRAST`) takes the codec's convention:
    MJPEG full range, everything else limited.
    """
    if plane is None or plane.dtype != np.uint8 or plane.shape != converted.shape:
        return LumaMode(False)
    y = plane.astype(np.float32)
    spread = y - y.mean()
    power = float(np.square(spread).sum())
    if power >= MIN_CONTRAST**2 * y.size:
        gain = float((spread * (converted - converted.mean(dtype=np.float32))).sum()) / power
        limited = gain > (1.0 + LIMITED_GAIN) / 2
    else:
        limited = fourcc.upper() not in FULL_RANGE_CODECS
    mapped = full_range(plane) if limited else plane
    error = float(np.mean(np.abs(mapped.astype(np.int16) - converted.astype(np.int16))))
    if error > MATCH_TOLERANCE:
        return LumaMode(False, error=error)
    return LumaMode(True, limited, error)


class LumaReader:
    """Reads gray frames from an opened ``cv2.VideoCapture`` of ``path``, from the Y plane when that matches.

    Usage::

        reader = LumaReader(cap, path)
        while (gray := reader.read()) is not None:
            ...
    """

    def __init__(self, cap: cv2.VideoCapture, path: str) -> None:
        self._cap = cap
        self._path = path
        self.mode: LumaMode | None = None  # decided on the first frame

    def read(self) -> GrayImage | None:
        """The next frame as gray, or None at the end."""
        if self.mode is None:
            return self._first()
        if not self.mode.plane:
            ok, image = self._cap.read()
            return to_gray(image) if ok and image is not None else None
        with quiet_opencv():
            ok, image = self._cap.read()
        if not ok or image is None:
            return None
        if image.ndim != 2:  # the stream changed format mid-way: OpenCV gave colour
            return to_gray(image)
        return full_range(image) if self.mode.limited else np.asarray(image, dtype=np.uint8)

    def _first(self) -> GrayImage | None:
        """Decode frame 0 both ways and pick the mode.

        A second capture gives the converted frame; when the Y plane does not match, reading goes on from
        that capture (OpenCV does not switch a stream back to conversion reliably).
        """
        probe = cv2.VideoCapture(self._path)
        ok, bgr = probe.read()
        if not ok or bgr is None:  # not decodable: the caller sees the end (and says why) as before
            probe.release()
            self.mode = LumaMode(False)
            return None
        converted = to_gray(bgr)
        self._cap.set(cv2.CAP_PROP_CONVERT_RGB, 0)
        with quiet_opencv():
            ok, plane = self._cap.read()
        code = int(self._cap.get(cv2.CAP_PROP_FOURCC))
        fourcc = code.to_bytes(4, "little").decode("latin-1") if 0 <= code < 2**32 else ""
        self.mode = choose_mode(converted, plane if ok else None, fourcc)
        logger.debug("video %s: gray from %s (%.2f grey levels from BGR)", self._path, self.mode.name, self.mode.error)
        if not self.mode.plane:
            self._cap.release()
            self._cap = probe
            return converted
        probe.release()
        assert plane is not None
        return full_range(plane) if self.mode.limited else np.asarray(plane, dtype=np.uint8)

    def release(self) -> None:
        """Release the capture; idempotent."""
        self._cap.release()
