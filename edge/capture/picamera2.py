"""Raspberry Pi cameras through picamera2: the lores YUV420 stream's Y plane at a high frame rate.

URI: ``picamera2:N?width=640&height=480&fps=90&mode=auto&timeout=2``. ``N`` is
the camera number, ``mode`` ``auto`` or an index into ``picam2.sensor_modes``.

What the picamera2 manual and source say, and why this module does what it does
(Raspberry Pi, "The Picamera2 Library" manual; github.com/raspberrypi/picamera2):

- ``create_video_configuration`` locks ``FrameDurationLimits`` to 30 fps unless
  told otherwise, so the ``FrameRate`` control is passed in ``controls``.
- The sensor mode is chosen from ``picam2.sensor_modes`` (dicts with ``size``,
  ``bit_depth``, ``fps``, ``crop_limits``) and requested with
  ``sensor={"output_size": ..., "bit_depth": ...}``; otherwise libcamera may
  pick a cropped or slow mode.
- ``make_array("lores")`` on a YUV420 stream returns ``(h * 3 // 2, stride)``
  (picamera2/helpers.py ``Helpers.make_array``): the first ``h`` rows are the Y
  plane, padded to the stride; we copy ``[:h, :w]``.
- ``captured_request(wait=...)`` is a context manager that releases the
  request in ``finally`` (picamera2.py); one request gives both the pixels and
  ``get_metadata()["SensorTimestamp"]`` (ns), whereas ``capture_metadata`` plus
  ``capture_array`` would cost two frames. A numeric ``wait`` is a timeout
  (``job.get_result(timeout=...)``), which turns a stalled camera into an error.
- Buffers go back to libcamera as soon as the ``with`` block ends, so only a
  copy of the gray plane ever leaves :meth:`Picamera2Source.read`.
- Geometry: on a Pi 4 (VC4) the lores stream has no crop of its own
  (``preserve_ar`` applies to main only; ``ScalerCrops`` per stream exist on
  the Pi 5 only, picamera2 ``configure_``), so a 4:3 lores from a 16:9 mode
  would be squashed. Main and lores therefore both get the sensor mode's
  aspect ratio, at the smallest size that covers the requested frame with
  the width a multiple of 128 (``align_stream``: 64 bytes on VC4, 128 on the
  Pi 5 for YUV420), and the requested size is cropped from the centre in
  software. Main is not used: it is kept as small as lores allows (ISP
  bandwidth, CMA memory).
- libcamera may still adjust sizes when it validates the configuration;
  picamera2 writes the result back (``_update_camera_config``), so the crop
  is computed from ``camera_configuration()["lores"]`` after ``configure``.
- Jobs run strictly in order: a ``captured_request`` that timed out leaves
  its job queued, and ``stop()`` (itself a job when the event loop runs in
  its own thread) would wait behind it forever. ``close`` therefore calls
  ``cancel_all_and_flush()`` first, which exists for exactly this.
- A numeric ``wait`` and ``captured_request`` need picamera2 >= 0.3.20
  (CHANGELOG: context manager 0.3.19, timeout handling and ``flush`` for it
  0.3.20); older versions are refused as backend unavailable.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata as dist_metadata
from typing import Any

import numpy as np

from edge.capture.base import Frame, SourceBase, SourceInfo
from edge.capture.registry import SourceURI
from edge.errors import BackendUnavailable, SourceError, UsageError

logger = logging.getLogger(__name__)

CameraFactory = Callable[[int], Any]
"""Builds a ``Picamera2``-like object for a camera number (injected in tests)."""

SensorMode = Mapping[str, Any]


MIN_PICAMERA2 = (0, 3, 20)
LORES_WIDTH_ALIGN = 128


def default_camera_factory(camera_num: int) -> Any:
    """The real ``picamera2.Picamera2`` (apt ``python3-picamera2``; needs ``--system-site-packages``)."""
    try:
        from picamera2 import Picamera2
    except ImportError as exc:
        raise BackendUnavailable(
            f"picamera2 is not importable ({exc}); install it with 'apt install python3-picamera2' and create "
            "the venv with --system-site-packages (scripts/install.sh does both)"
        ) from exc
    except ValueError as exc:  # simplejpeg/libcamera built for Debian's NumPy 1.x, shadowed by a venv NumPy 2
        raise BackendUnavailable(
            f"picamera2 cannot load with this NumPy ({exc}); expected Debian's NumPy 1.x: the venv must not "
            "install NumPy 2 on a Pi (scripts/install.sh installs the 'pi' extra, which pins numpy<2)"
        ) from exc
    check_picamera2_version(_installed_version("picamera2"))
    return Picamera2(camera_num)


def _installed_version(dist: str) -> str | None:
    try:
        return dist_metadata.version(dist)
    except dist_metadata.PackageNotFoundError:
        return None


def check_picamera2_version(version: str | None) -> None:
    """Refuse picamera2 older than :data:`MIN_PICAMERA2`; an unknown version only logs a warning."""
    if version is None:
        logger.warning("picamera2 version unknown; expected >= %s", ".".join(map(str, MIN_PICAMERA2)))
        return
    parts = tuple(int(p) if p.isdigit() else 0 for p in version.split(".")[:3])
    if parts < MIN_PICAMERA2:
        raise BackendUnavailable(
            f"picamera2 {version!r} is too old; expected >= {'.'.join(map(str, MIN_PICAMERA2))} "
            "(captured_request with a numeric wait): 'apt full-upgrade' on Raspberry Pi OS Bookworm"
        )


def stream_size(mode_size: Sequence[int], width: int, height: int) -> tuple[int, int]:
    """The smallest size with the sensor mode's aspect ratio that covers ``width`` x ``height``, its width a
    multiple of :data:`LORES_WIDTH_ALIGN` and its height even (so no stream is squashed)."""
    mode_w, mode_h = int(mode_size[0]), int(mode_size[1])
    w = max(LORES_WIDTH_ALIGN, math.ceil(width / LORES_WIDTH_ALIGN) * LORES_WIDTH_ALIGN)
    while True:
        h = 2 * round(w * mode_h / mode_w / 2)
        if h >= height:
            return w, h
        w += LORES_WIDTH_ALIGN


def _crop_area(mode: SensorMode) -> int:
    crop = mode.get("crop_limits")
    if crop and len(crop) == 4:
        return int(crop[2]) * int(crop[3])
    width, height = mode["size"]
    return int(width) * int(height)


def choose_sensor_mode(modes: Sequence[SensorMode], width: int, height: int, fps: float) -> int:
    """Index of the sensor mode to use for a ``width`` x ``height`` stream at ``fps``.

    Prefer modes that reach ``fps`` and are at least the requested size (the ISP
    scales down, never up); among those the widest field of view, then the
    smallest readout (less bandwidth). If no mode reaches ``fps``, take the
    fastest one: the caller then runs at that mode's rate and says so.
    """
    if not modes:
        raise SourceError("camera reports no sensor modes; expected at least one (is the camera connected?)")
    fast = [i for i, m in enumerate(modes) if float(m.get("fps", 0.0)) >= fps * 0.999]
    if not fast:
        return max(range(len(modes)), key=lambda i: float(modes[i].get("fps", 0.0)))
    big = [i for i in fast if modes[i]["size"][0] >= width and modes[i]["size"][1] >= height] or fast
    return max(big, key=lambda i: (_crop_area(modes[i]), -modes[i]["size"][0] * modes[i]["size"][1]))


class Picamera2Source(SourceBase):
    """Gray frames from a Raspberry Pi camera with sensor timestamps.

    Usage::

        with Picamera2Source(SourceURI.parse("picamera2:0?width=640&height=480&fps=200")) as cam:
            frame = cam.read()
    """

    def __init__(self, uri: SourceURI, *, camera_factory: CameraFactory | None = None) -> None:
        super().__init__(uri.scheme)
        self.uri = uri
        try:
            self.camera_num = int(uri.target or "0")
        except ValueError:
            raise UsageError(
                f"source {uri.raw!r}: camera {uri.target!r} is not a number; expected e.g. picamera2:0"
            ) from None
        self.width = uri.get_int("width", 640)
        self.height = uri.get_int("height", 480)
        self.fps = uri.get_float("fps", 90.0)
        self.timeout_s = uri.get_float("timeout", 2.0)
        self._mode = uri.params.get("mode", "auto") or "auto"
        self._factory = camera_factory or default_camera_factory
        self._cam: Any = None
        self._info: SourceInfo | None = None
        self.sensor_mode: SensorMode | None = None
        self._crop = (0, 0, self.width, self.height)  # x, y, w, h in the configured lores plane

    def _mode_index(self, modes: Sequence[SensorMode]) -> int:
        if self._mode == "auto":
            return choose_sensor_mode(modes, self.width, self.height, self.fps)
        if not self._mode.isdigit() or int(self._mode) >= len(modes):
            raise UsageError(
                f"source {self.uri.raw!r}: mode={self._mode!r}; expected 'auto' or an index below {len(modes)}"
            )
        return int(self._mode)

    def _configuration(self, cam: Any, mode: SensorMode, fps: float) -> Any:
        size = stream_size(mode["size"], self.width, self.height)
        return cam.create_video_configuration(
            main={"size": size, "format": "YUV420"},  # unused: as small as lores allows
            lores={"size": size, "format": "YUV420"},
            sensor={"output_size": tuple(mode["size"]), "bit_depth": mode.get("bit_depth", 10)},
            controls={"FrameRate": fps},
            buffer_count=6,
        )

    def open(self) -> SourceInfo:
        if self._info is not None:
            return self._info
        cam = self._factory(self.camera_num)
        try:
            modes = list(cam.sensor_modes)
            mode = modes[self._mode_index(modes)]
            fps = min(self.fps, float(mode.get("fps", self.fps)))
            if fps < self.fps:
                logger.warning(
                    "picamera2:%d: no sensor mode reaches %.1f fps; running at %.1f fps (mode %s)",
                    self.camera_num,
                    self.fps,
                    fps,
                    mode["size"],
                )
            cam.configure(self._configuration(cam, mode, fps))
            lores = tuple(cam.camera_configuration()["lores"]["size"])  # as libcamera validated it
            cam.start()
        except Exception as exc:
            _close_quietly(cam)
            if isinstance(exc, (UsageError, SourceError)):
                raise
            raise SourceError(f"picamera2:{self.camera_num}: cannot start the camera: {exc}") from exc
        self._cam, self.sensor_mode = cam, mode
        self._crop = _centre_crop(lores, self.width, self.height)
        x, y, w, h = self._crop
        if (w, h) != (self.width, self.height):
            logger.warning(
                "picamera2:%d: lores configured as %s, smaller than %dx%d; delivering %dx%d",
                self.camera_num,
                lores,
                self.width,
                self.height,
                w,
                h,
            )
        self._info = SourceInfo(self.uri.raw, w, h, fps)
        logger.info(
            "picamera2:%d open: sensor mode %s, lores %s cropped to %dx%d at (%d, %d) @ %.1f fps",
            self.camera_num,
            mode["size"],
            lores,
            w,
            h,
            x,
            y,
            fps,
        )
        return self._info

    def read(self) -> Frame | None:
        cam = self._cam
        if cam is None:
            raise SourceError(f"source {self.uri.raw!r} is not open; call open() first")
        try:
            with cam.captured_request(wait=self.timeout_s) as request:
                yuv = request.make_array("lores")
                x, y, w, h = self._crop
                gray = np.array(yuv[y : y + h, x : x + w], dtype=np.uint8, copy=True)
                metadata = request.get_metadata()
        except Exception as exc:  # picamera2 raises RuntimeError/TimeoutError; both mean no frame
            raise SourceError(f"picamera2:{self.camera_num}: no frame within {self.timeout_s} s: {exc!r}") from exc
        t_ns = int(metadata.get("SensorTimestamp") or time.monotonic_ns())
        return self._next_frame(gray, t_ns, self.uri.raw)

    def __enter__(self) -> Picamera2Source:
        self.open()
        return self

    def close(self) -> None:
        cam, self._cam, self._info = self._cam, None, None
        if cam is not None:
            _close_quietly(cam)


def _centre_crop(size: Sequence[int], width: int, height: int) -> tuple[int, int, int, int]:
    w, h = min(width, int(size[0])), min(height, int(size[1]))
    return (int(size[0]) - w) // 2, (int(size[1]) - h) // 2, w, h


def _close_quietly(cam: Any) -> None:
    # Flush first: a timed-out capture job would otherwise hold stop() forever (jobs run in order).
    for step in ("cancel_all_and_flush", "stop", "close"):
        try:
            getattr(cam, step)()
        except Exception as exc:  # closing a vanished camera must not mask the original error
            logger.warning("picamera2 %s() failed: %s", step, exc)
