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

from edge.capture.base import Frame, SourceBase, SourceInfo
from edge.capture.luma import LumaReader
from edge.capture.registry import SourceURI
from edge.errors import SourceError, shown

logger = logging.getLogger(__name__)

#: File types that hold one still picture: a micro-expression is a movement, so they are refused.
STILL_IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})


def check_video_path(path: Path) -> None:
    """Raise :class:`SourceError` unless ``path`` names a regular file that may be a video (not a still image).

    The one check ``run`` (``file:`` sources) and ``analyze`` share, so both say the same thing.
    """
    name = shown(str(path))
    try:
        exists, regular = path.exists(), path.is_file()
    except OSError as exc:  # e.g. a name too long for the file system
        raise SourceError(f"video {name}: {exc.strerror or exc}; expected the path of a video file") from None
    if not exists:
        raise SourceError(f"video {name} does not exist")
    if not regular:
        raise SourceError(f"video {name} is not a regular file (a directory, FIFO or device); expected a video file")
    if path.suffix.lower() in STILL_IMAGE_SUFFIXES:
        raise SourceError(
            f"video {name} is a still image; a still image cannot show a micro-expression (a movement): "
            "expected a video file"
        )


class FileSource(SourceBase):
    """Frames of a video file as gray images with paced timestamps."""

    def __init__(self, uri: SourceURI) -> None:
        super().__init__(uri.scheme)
        self.uri = uri
        self.path = Path(uri.target)
        self._fps_override = uri.get_float("fps", 0.0)
        self.realtime = uri.get_bool("realtime", True)
        self._reader: LumaReader | None = None
        self._period_ns = 0
        self._t0_ns = 0
        self._info: SourceInfo | None = None

    def open(self) -> SourceInfo:
        if self._info is not None:
            return self._info
        check_video_path(self.path)
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise SourceError(f"video {shown(str(self.path))} cannot be read by OpenCV/FFmpeg; expected a video file")
        file_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        fps = self._fps_override or (file_fps if 0 < file_fps < 10_000 else 30.0)
        if not self._fps_override and not 0 < file_fps < 10_000:
            logger.warning("video %s declares no usable fps (%r); assuming 30", self.path, file_fps)
        self._reader = LumaReader(cap, str(self.path))  # owns the capture from here on
        self._period_ns = round(1e9 / fps)
        self._t0_ns = time.monotonic_ns()
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._info = SourceInfo(self.uri.raw, width, height, fps)
        return self._info

    def read(self) -> Frame | None:
        if self._reader is None:
            self.open()
        assert self._reader is not None
        gray = self._reader.read()
        if gray is None:
            if self._index == 0:
                raise SourceError(f"video {shown(str(self.path))} has no decodable frame; expected a video file")
            if self._index == 1:
                raise SourceError(
                    f"video {shown(str(self.path))} holds a single frame; a still image cannot show a "
                    "micro-expression (a movement): expected a video file"
                )
            return None
        t_ns = self._t0_ns + self._index * self._period_ns
        if self.realtime:
            delay_ns = t_ns - time.monotonic_ns()
            if delay_ns > 0:
                time.sleep(delay_ns / 1e9)
        return self._next_frame(gray, t_ns, self.path.name)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.release()
            self._reader = None
