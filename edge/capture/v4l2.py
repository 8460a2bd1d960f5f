"""USB cameras through V4L2 (OpenCV's CAP_V4L2 backend), MJPG for high frame rates.

``v4l2:/dev/video0?width=640&height=480&fps=90&fourcc=MJPG&strict=false``.
After opening, the size and rate the driver accepted are compared with the
request: a mismatch is logged, or raised with ``strict=true``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from edge.capture.base import Frame, SourceBase, SourceInfo, to_gray
from edge.capture.registry import SourceURI
from edge.errors import SourceError

logger = logging.getLogger(__name__)

CaptureFactory = Callable[[str], Any]


def _opencv_capture(device: str) -> Any:
    import cv2

    target: int | str = int(device) if device.isdigit() else device
    return cv2.VideoCapture(target, cv2.CAP_V4L2)


class V4L2Source(SourceBase):
    """A V4L2 camera; timestamps are ``time.monotonic_ns()`` when the frame is dequeued."""

    def __init__(self, uri: SourceURI, capture_factory: CaptureFactory = _opencv_capture) -> None:
        super().__init__(uri.scheme)
        self.uri = uri
        self.device = uri.target or "/dev/video0"
        self.width = uri.get_int("width", 640)
        self.height = uri.get_int("height", 480)
        self.fps = uri.get_float("fps", 90.0)
        self.fourcc = uri.params.get("fourcc", "MJPG")
        self.strict = uri.get_bool("strict", False)
        self._factory = capture_factory
        self._cap: Any = None
        self._info: SourceInfo | None = None

    def open(self) -> SourceInfo:
        if self._info is not None:
            return self._info
        import cv2

        cap = self._factory(self.device)
        if cap is None or not cap.isOpened():
            raise SourceError(f"camera {self.device!r} cannot be opened; is it connected and in the video group?")
        if len(self.fourcc) == 4:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 2)
        got_w, got_h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        got_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self._check(got_w, got_h, got_fps)
        self._cap = cap
        self._drops = type(self._drops)(round(1e9 / got_fps) if got_fps > 0 else 0)
        self._info = SourceInfo(self.uri.raw, got_w, got_h, got_fps or self.fps)
        return self._info

    def _check(self, width: int, height: int, fps: float) -> None:
        problems = []
        if (width, height) != (self.width, self.height):
            problems.append(f"size {width}x{height} instead of {self.width}x{self.height}")
        if fps and abs(fps - self.fps) > 0.5:
            problems.append(f"{fps:g} fps instead of {self.fps:g}")
        if not problems:
            return
        message = f"camera {self.device!r} delivers " + " and ".join(problems)
        if self.strict:
            raise SourceError(message + "; set a mode the camera supports (v4l2-ctl --list-formats-ext)")
        logger.warning("%s; continuing with what it delivers", message)

    def read(self) -> Frame | None:
        if self._cap is None:
            self.open()

        ok, image = self._cap.read()
        t_ns = time.monotonic_ns()
        if not ok or image is None:
            raise SourceError(f"camera {self.device!r} stopped delivering frames")
        gray = to_gray(image)
        return self._next_frame(gray, t_ns, self.device)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._info = None
