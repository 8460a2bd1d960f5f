"""The frame contract and the frame-source interface.

A source is a context manager that yields :class:`Frame` objects carrying the
sensor time in ns and the luminance plane only. Gaps in sensor time are
counted as dropped frames by :class:`DropCounter`; nothing hides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from edge.capture.registry import CAMERA_SCHEMES

GrayImage = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: the Y plane and when the sensor exposed it."""

    index: int
    t_ns: int
    gray: GrayImage
    source: str


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a source delivers once opened (nominal fps; 0 when unknown)."""

    uri: str
    width: int
    height: int
    fps: float


@runtime_checkable
class FrameSource(Protocol):
    """A source of gray frames with sensor timestamps.

    Usage::

        with open_source("file:clip.mp4") as src:
            while (frame := src.read()) is not None:
                ...
    """

    def open(self) -> SourceInfo:
        """Open the device or file; idempotent."""

    def read(self) -> Frame | None:
        """Block until the next frame; ``None`` at the end of a finite source."""

    @property
    def dropped_frames(self) -> int:
        """Frames lost before they reached :meth:`read`, from timestamp gaps."""

    @property
    def live(self) -> bool:
        """A camera (its scheme is in ``CAMERA_SCHEMES``): closed during a privacy pause, reopened when it fails."""

    @property
    def stats(self) -> Mapping[str, Any]:
        """Health counters the daemon publishes (reopens, stalls, ...); empty when the source keeps none."""

    def close(self) -> None:
        """Release the device; idempotent."""

    def __enter__(self) -> FrameSource:
        """Open the source."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the source."""


class SourceBase:
    """Shared context-manager behaviour, drop counting and ``live`` (from the URI scheme) for sources."""

    def __init__(self, scheme: str = "") -> None:
        self.scheme = scheme
        self._drops = DropCounter()
        self._index = 0

    def _next_frame(self, gray: GrayImage, t_ns: int, source: str) -> Frame:
        """Number the next frame, count any sensor-time gap before it, and return it."""
        self._drops.observe(t_ns)
        frame = Frame(self._index, t_ns, gray, source)
        self._index += 1
        return frame

    def open(self) -> SourceInfo:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def dropped_frames(self) -> int:
        return self._drops.dropped

    @property
    def live(self) -> bool:
        return self.scheme in CAMERA_SCHEMES

    @property
    def stats(self) -> Mapping[str, Any]:
        return {}

    def __enter__(self) -> SourceBase:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class DropCounter:
    """Counts frames missing from a stream by looking at sensor-time gaps.

    The nominal period is learnt from the median of recent intervals unless
    given; a gap of ``n`` periods (rounded) means ``n - 1`` frames were lost.
    """

    def __init__(self, period_ns: int = 0, history: int = 31) -> None:
        self._period_ns = period_ns
        self._fixed = period_ns > 0
        self._recent: list[int] = []
        self._history = history
        self._last_ns: int | None = None
        self.dropped = 0

    @property
    def period_ns(self) -> int:
        """The nominal frame period in ns (0 until known)."""
        return self._period_ns

    def observe(self, t_ns: int) -> int:
        """Record a frame time; return how many frames were lost before it."""
        last, self._last_ns = self._last_ns, t_ns
        if last is None:
            return 0
        dt = t_ns - last
        if dt <= 0:
            return 0
        if not self._fixed:
            self._recent.append(dt)
            if len(self._recent) > self._history:
                self._recent.pop(0)
            if len(self._recent) >= 3:
                self._period_ns = sorted(self._recent)[len(self._recent) // 2]
        if self._period_ns <= 0:
            return 0
        missing = max(0, round(dt / self._period_ns) - 1)
        self.dropped += missing
        return missing


def to_gray(image: npt.NDArray[np.integer[Any] | np.floating[Any]]) -> GrayImage:
    """The luminance plane of a decoded image (BGR from OpenCV, or already gray)."""
    if image.ndim == 2:
        return np.asarray(image, dtype=np.uint8)
    import cv2

    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
