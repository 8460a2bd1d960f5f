"""Video files through OpenCV/FFmpeg, paced like a camera or as fast as possible.

``file:PATH`` paces at the file's own fps; ``?fps=N`` declares another rate
(timestamps follow it); ``?realtime=false`` reads as fast as possible while
keeping the timestamps of the pacing, so analysis results do not depend on
machine speed.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import cv2

from edge.capture.base import Frame, SourceBase, SourceInfo, to_gray
from edge.capture.registry import SourceURI
from edge.errors import SourceError

logger = logging.getLogger(__name__)


class FileSource(SourceBase):
    """Frames of a video file as gray images with paced timestamps."""

    def __init__(self, uri: SourceURI) -> None:
        super().__init__(uri.scheme)
        self.uri = uri
        self.path = Path(uri.target)
        self._fps_override = uri.get_float("fps", 0.0)
        self.realtime = uri.get_bool("realtime", True)
        self._cap: cv2.VideoCapture | None = None
        self._period_ns = 0
        self._t0_ns = 0
        self._info: SourceInfo | None = None

    def open(self) -> SourceInfo:
        if self._info is not None:
            return self._info
        if not self.path.is_file():
            raise SourceError(f"video {str(self.path)!r} does not exist")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise SourceError(f"video {str(self.path)!r} cannot be read by OpenCV/FFmpeg; expected a video file")
        file_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        fps = self._fps_override or (file_fps if 0 < file_fps < 10_000 else 30.0)
        if not self._fps_override and not 0 < file_fps < 10_000:
            logger.warning("video %s declares no usable fps (%r); assuming 30", self.path, file_fps)
        self._cap = cap
        self._period_ns = round(1e9 / fps)
        self._t0_ns = time.monotonic_ns()
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._info = SourceInfo(self.uri.raw, width, height, fps)
        return self._info

    def read(self) -> Frame | None:
        if self._cap is None:
            self.open()
        assert self._cap is not None
        ok, image = self._cap.read()
        if not ok or image is None:
            if self._index == 0:
                raise SourceError(f"video {str(self.path)!r} has no decodable frame")
            return None
        gray = to_gray(image)
        t_ns = self._t0_ns + self._index * self._period_ns
        if self.realtime:
            delay_ns = t_ns - time.monotonic_ns()
            if delay_ns > 0:
                time.sleep(delay_ns / 1e9)
        return self._next_frame(gray, t_ns, self.path.name)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
