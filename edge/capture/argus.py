"""Jetson CSI cameras through libargus: a GStreamer pipeline read by OpenCV, GRAY8 at the appsink.

URI: ``argus:N?width=1280&height=720&fps=60``; ``N`` is the ``sensor-id``.

The pipeline converts NV12 in NVMM memory to GRAY8 on the VIC (``nvvidconv``)
so only the luminance plane crosses into the CPU; ``appsink drop=true
max-buffers=2`` keeps the newest frames when analysis falls behind, and the
gap then shows in the timestamps as dropped frames. OpenCV must be built with
GStreamer (JetPack's ``python3-opencv`` is; the PyPI wheels are not):
``cv2.getBuildInformation()`` lists ``GStreamer: YES``.

Time: these are **read times, not sensor timestamps**. ``cv2.VideoCapture``
exposes no buffer PTS: for a GStreamer capture ``CAP_PROP_POS_MSEC`` answers a
position query, i.e. the pipeline clock when asked, which is the read time
too. So each frame is stamped with ``time.monotonic_ns()`` when ``read()``
returns, and the appsink runs with ``sync=false`` so buffers are handed over as
they arrive instead of being held until their render time. While analysis
keeps up, read-time differences follow the sensor intervals plus scheduling
jitter; when it falls behind, up to two queued buffers are read back to back
and the gap shows where appsink dropped. Drop counts from argus are therefore
approximate (jitter over half a frame period can count as a drop); picamera2's
``SensorTimestamp`` is exact.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from edge.capture.base import Frame, SourceBase, SourceInfo
from edge.capture.registry import SourceURI
from edge.errors import BackendUnavailable, SourceError, UsageError

logger = logging.getLogger(__name__)

CaptureFactory = Callable[[str], Any]
"""Builds a ``cv2.VideoCapture``-like object for a GStreamer pipeline (injected in tests)."""


def default_capture_factory(pipeline: str) -> Any:
    """``cv2.VideoCapture(pipeline, cv2.CAP_GSTREAMER)``."""
    try:
        import cv2
    except ImportError as exc:
        raise BackendUnavailable(f"OpenCV is not importable ({exc}); on a Jetson use JetPack's python3-opencv") from exc
    return cv2.VideoCapture(pipeline, cv2.CAP_GSTREAMER)


def argus_pipeline(sensor_id: int, width: int, height: int, fps: float) -> str:
    """The GStreamer pipeline string for one CSI sensor, GRAY8 at the appsink."""
    rate = max(1, round(fps))
    return (
        f"nvarguscamerasrc sensor-id={sensor_id} ! "
        f"video/x-raw(memory:NVMM),width={width},height={height},framerate={rate}/1,format=NV12 ! "
        "nvvidconv ! video/x-raw,format=GRAY8 ! appsink drop=true max-buffers=2 sync=false"
    )


class ArgusSource(SourceBase):
    """Gray frames from a Jetson CSI camera (nvarguscamerasrc).

    Usage::

        with ArgusSource(SourceURI.parse("argus:0?width=1280&height=720&fps=60")) as cam:
            frame = cam.read()
    """

    def __init__(
        self,
        uri: SourceURI,
        *,
        capture_factory: CaptureFactory | None = None,
        clock_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        super().__init__(uri.scheme)
        self.uri = uri
        try:
            self.sensor_id = int(uri.target or "0")
        except ValueError:
            raise UsageError(
                f"source {uri.raw!r}: sensor {uri.target!r} is not a number; expected e.g. argus:0"
            ) from None
        self.width = uri.get_int("width", 1280)
        self.height = uri.get_int("height", 720)
        self.fps = uri.get_float("fps", 60.0)
        self.pipeline = argus_pipeline(self.sensor_id, self.width, self.height, self.fps)
        self._factory = capture_factory or default_capture_factory
        self._clock_ns = clock_ns
        self._cap: Any = None
        self._info: SourceInfo | None = None

    def open(self) -> SourceInfo:
        if self._info is not None:
            return self._info
        cap = self._factory(self.pipeline)
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"argus:{self.sensor_id}: cannot open pipeline {self.pipeline!r}; expected a running nvargus-daemon "
                "(systemctl status nvargus-daemon), the sensor listed by 'ls /dev/video*', and OpenCV built with "
                "GStreamer"
            )
        self._cap = cap
        self._info = SourceInfo(self.uri.raw, self.width, self.height, float(round(self.fps)))
        logger.info("argus:%d open: %s", self.sensor_id, self.pipeline)
        return self._info

    def read(self) -> Frame | None:
        cap = self._cap
        if cap is None:
            raise SourceError(f"source {self.uri.raw!r} is not open; call open() first")
        ok, image = cap.read()
        t_ns = self._clock_ns()  # the read time (see the module docstring): no sensor PTS reaches OpenCV's API
        if not ok or image is None:
            raise SourceError(f"argus:{self.sensor_id}: the pipeline delivered no frame (camera gone or stalled)")
        gray = image if image.ndim == 2 else image[:, :, 0]
        return self._next_frame(np.ascontiguousarray(gray, dtype=np.uint8), t_ns, self.uri.raw)

    def __enter__(self) -> ArgusSource:
        self.open()
        return self

    def close(self) -> None:
        cap, self._cap, self._info = self._cap, None, None
        if cap is not None:
            try:
                cap.release()
            except Exception as exc:  # a pipeline torn down by a dead camera may fail to release
                logger.warning("argus:%d release failed: %s", self.sensor_id, exc)
