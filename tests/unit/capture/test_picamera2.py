"""Picamera2Source against a faithful fake of the picamera2 surface that replays real timing."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from edge.capture.base import FrameSource
from edge.capture.picamera2 import Picamera2Source, check_picamera2_version, choose_sensor_mode, default_camera_factory
from edge.capture.registry import SourceURI
from edge.capture.resilient import ResilientSource
from edge.errors import BackendUnavailable, SourceError, UsageError

# What `rpicam-hello --list-cameras` reports for a Camera Module v2 (IMX219), 10-bit modes.
IMX219_MODES: list[dict[str, Any]] = [
    {
        "format": "SRGGB10_CSI2P",
        "bit_depth": 10,
        "size": (640, 480),
        "fps": 206.65,
        "crop_limits": (1000, 752, 1280, 960),
    },
    {"format": "SRGGB10_CSI2P", "bit_depth": 10, "size": (1640, 1232), "fps": 41.85, "crop_limits": (0, 0, 3280, 2464)},
    {
        "format": "SRGGB10_CSI2P",
        "bit_depth": 10,
        "size": (1920, 1080),
        "fps": 47.57,
        "crop_limits": (680, 692, 1920, 1080),
    },
    {"format": "SRGGB10_CSI2P", "bit_depth": 10, "size": (3280, 2464), "fps": 21.19, "crop_limits": (0, 0, 3280, 2464)},
]
# Camera Module v3 (IMX708), as reported on Bookworm.
IMX708_MODES: list[dict[str, Any]] = [
    {"bit_depth": 10, "size": (1536, 864), "fps": 120.13, "crop_limits": (768, 432, 3072, 1728)},
    {"bit_depth": 10, "size": (2304, 1296), "fps": 56.03, "crop_limits": (0, 0, 4608, 2592)},
    {"bit_depth": 10, "size": (4608, 2592), "fps": 14.35, "crop_limits": (0, 0, 4608, 2592)},
]


def camera_times_ns(fps: float, count: int, *, skip: Sequence[int] = (), jitter_ns: int = 40_000) -> list[int]:
    """Sensor timestamps of a free-running camera: a fixed period, small jitter, some frames never delivered."""
    rng = np.random.default_rng(7)
    period = 1e9 / fps
    t0 = 5_000_000_000_000
    return [t0 + round(k * period) + int(rng.integers(-jitter_ns, jitter_ns)) for k in range(count) if k not in skip]


class FakeRequest:
    """A CompletedRequest: lores YUV420 as (h*3/2, stride) with stride padding, metadata, release()."""

    def __init__(self, camera: FakePicamera2, t_ns: int, seq: int) -> None:
        self._camera, self._t_ns, self._seq = camera, t_ns, seq
        self.released = False

    def _check(self) -> None:
        if self.released:
            raise RuntimeError("request used after release(): its buffers belong to libcamera again")

    def make_buffer(self, name: str) -> npt.NDArray[np.uint8]:
        return self.make_array(name).reshape(-1)

    def make_array(self, name: str) -> npt.NDArray[np.uint8]:
        self._check()
        stream = self._camera.config[name]
        assert stream["format"] == "YUV420", "the source must ask for YUV420"
        w, h = stream["size"]
        array = np.full((h * 3 // 2, stream["stride"]), 255, dtype=np.uint8)  # padding and chroma: 255
        if self._camera.pattern == "columns":
            array[:h, :w] = np.arange(w, dtype=np.int64) % 200  # each pixel says which column it is
        else:
            array[:h, :w] = self._seq % 200
        self._camera.live_arrays.append(array)
        return array

    def get_metadata(self) -> dict[str, Any]:
        self._check()
        return {
            "SensorTimestamp": self._t_ns,
            "FrameDuration": round(1e6 / self._camera.frame_rate),
            "ExposureTime": 4000,
        }

    def release(self) -> None:
        self.released = True
        self._camera.outstanding -= 1
        for array in self._camera.live_arrays:
            array[:] = 0  # the buffer is recycled: anything still pointing at it now reads garbage
        self._camera.live_arrays.clear()


class FakePicamera2:
    """The picamera2 surface Picamera2Source uses, replaying a timestamp schedule in real time.

    ``disconnect_after`` frames, captured_request raises like picamera2 does when the
    frontend times out; ``stall_after`` frames it blocks until ``wait`` expires and, as
    in picamera2 (jobs run strictly in order), leaves its job queued: ``stop()`` then
    would wait behind it forever (recorded as ``stop_blocked``) unless
    ``cancel_all_and_flush()`` emptied the queue. ``configure`` writes back the sizes
    libcamera validated (``lores_align`` rounds the lores width down, as validation
    may) and ``camera_configuration()`` returns them. Geometry as on a Pi 4 (VC4):
    main keeps its aspect ratio by cropping the sensor mode, lores shares main's crop.
    """

    def __init__(
        self,
        camera_num: int,
        times_ns: Sequence[int],
        *,
        modes: Sequence[dict[str, Any]] = IMX219_MODES,
        disconnect_after: int | None = None,
        stall_after: int | None = None,
        realtime: bool = True,
        lores_align: int = 1,
        pattern: str = "seq",
    ) -> None:
        self.camera_num = camera_num
        self.sensor_modes = list(modes)
        self._times = list(times_ns)
        self._disconnect_after, self._stall_after, self._realtime = disconnect_after, stall_after, realtime
        self.config: dict[str, Any] = {}
        self.frame_rate = 30.0
        self.started = self.closed = False
        self.outstanding = 0
        self.delivered = 0
        self.live_arrays: list[npt.NDArray[np.uint8]] = []
        self.calls: list[str] = []
        self.jobs: list[str] = []  # picamera2's _job_list: pending jobs, run strictly in order
        self.stop_blocked = False
        self.lores_align, self.pattern = lores_align, pattern
        self._wake = threading.Event()

    def create_video_configuration(
        self,
        main: dict[str, Any],
        lores: dict[str, Any] | None = None,
        sensor: dict[str, Any] | None = None,
        controls: dict[str, Any] | None = None,
        buffer_count: int = 6,
    ) -> dict[str, Any]:
        config: dict[str, Any] = {
            "main": dict(main),
            "buffer_count": buffer_count,
            "controls": {"FrameDurationLimits": (33333, 33333)},
        }
        if controls:
            config["controls"] = dict(controls)  # FrameRate replaces the 30 fps lock
        if lores is not None:
            if lores["size"][0] > main["size"][0] or lores["size"][1] > main["size"][1]:
                raise RuntimeError("lores stream dimensions may not exceed main stream")
            config["lores"] = dict(lores)
        config["sensor"] = dict(sensor or {})
        for name in ("main", "lores"):
            if name in config:
                config[name]["stride"] = -(-config[name]["size"][0] // 64) * 64
        return config

    def configure(self, config: dict[str, Any]) -> None:
        self.calls.append("configure")
        size = tuple(config["sensor"].get("output_size", ()))
        matches = [m for m in self.sensor_modes if tuple(m["size"]) == size]
        if not matches:
            raise RuntimeError(f"no sensor mode of size {size}")
        config = {k: dict(v) if isinstance(v, dict) else v for k, v in config.items()}  # picamera2 copies it
        if "lores" in config:  # libcamera's validate() may adjust sizes; picamera2 writes them back
            w, h = config["lores"]["size"]
            config["lores"]["size"] = (w - w % self.lores_align, h)
        for name in ("main", "lores"):
            if name in config:
                config[name]["stride"] = -(-config[name]["size"][0] // 64) * 64
        self.config = config
        self.mode = matches[0]
        self.frame_rate = min(float(config["controls"].get("FrameRate", 30.0)), self.mode["fps"])

    def camera_configuration(self) -> dict[str, Any]:
        return self.config

    def lores_squash(self) -> float:
        """Width scale / height scale of the lores image against the scene (1.0: not distorted)."""
        mode_w, mode_h = self.mode["size"]
        main_w, main_h = self.config["main"]["size"]
        scale = min(mode_w / main_w, mode_h / main_h)  # main's crop keeps main's aspect ratio
        crop_w, crop_h = main_w * scale, main_h * scale
        lores_w, lores_h = self.config["lores"]["size"]  # lores shares main's crop (no crop of its own)
        return float((lores_w / crop_w) / (lores_h / crop_h))

    def start(self) -> None:
        self.calls.append("start")
        self.started = True
        self._start = time.monotonic()

    def cancel_all_and_flush(self) -> None:
        self.calls.append("cancel_all_and_flush")
        self.jobs.clear()

    def stop(self) -> None:
        self.calls.append("stop")
        if self.jobs:  # picamera2 queues stop behind the pending capture job, which never completes
            self.stop_blocked = True
            raise RuntimeError("stop() queued behind a timed-out capture job: picamera2 would wait forever")
        self.started = False
        self._wake.set()

    def close(self) -> None:
        self.calls.append("close")
        self.closed = True
        self._wake.set()

    @contextlib.contextmanager
    def captured_request(self, wait: float | None = None, flush: Any = None) -> Iterator[FakeRequest]:
        request = self._next_request(wait)
        try:
            yield request
        finally:
            request.release()

    def _next_request(self, wait: float | None) -> FakeRequest:
        if not self.started:
            raise RuntimeError("Camera is not running")
        n = self.delivered
        if self._disconnect_after is not None and n >= self._disconnect_after:
            raise RuntimeError("Camera frontend has timed out!")
        if (self._stall_after is not None and n >= self._stall_after) or n >= len(self._times):
            self.jobs.append("capture_request")  # job.get_result(timeout) gives up; the job stays queued
            self._wake.wait(wait)  # concurrent.futures' TimeoutError after `wait`, like job.get_result
            raise TimeoutError()
        if self._realtime:
            due = self._start + (self._times[n] - self._times[0]) / 1e9
            time.sleep(max(0.0, due - time.monotonic()))
        self.delivered += 1
        if self.outstanding >= self.config["buffer_count"]:
            raise RuntimeError("all buffers held by the application: the camera would stall")
        self.outstanding += 1
        return FakeRequest(self, self._times[n], n)


def source(uri: str, camera: FakePicamera2) -> Picamera2Source:
    return Picamera2Source(SourceURI.parse(uri), camera_factory=lambda num: camera)


def test_high_fps_lores_gray_plane_with_sensor_time_and_drops() -> None:
    times = camera_times_ns(206.65, 60, skip=(10, 30, 31))  # 3 frames never delivered
    cam = FakePicamera2(0, times)
    with source("picamera2:0?width=640&height=480&fps=200", cam) as src:
        assert isinstance(src, FrameSource)
        frames = [src.read() for _ in range(len(times))]
    assert cam.config["lores"] == {"size": (640, 480), "format": "YUV420", "stride": 640}
    assert cam.config["controls"] == {"FrameRate": 200.0}
    assert cam.config["sensor"] == {"output_size": (640, 480), "bit_depth": 10}
    assert [f.t_ns for f in frames if f] == times
    first = frames[0]
    assert first is not None and first.gray.shape == (480, 640) and first.gray.dtype == np.uint8
    assert src.dropped_frames == 3
    assert cam.outstanding == 0 and cam.calls[-2:] == ["stop", "close"]


def test_gray_is_a_copy_cropped_from_the_stride_padding() -> None:
    cam = FakePicamera2(0, camera_times_ns(90, 3), realtime=False)
    with source("picamera2:0?width=600&height=400&fps=90", cam) as src:
        frame = src.read()
    assert frame is not None
    assert cam.config["lores"]["stride"] == 640  # 600 rounded up to 64: padding on the right
    assert frame.gray.shape == (400, 600)
    assert int(frame.gray.max()) == 0 and frame.gray.flags.owndata  # seq 0; survived the buffer recycling


def test_buffers_are_released_even_at_200_fps() -> None:
    # buffer_count=6: holding a single request across reads would exhaust the fake within 6 frames.
    cam = FakePicamera2(0, camera_times_ns(206.65, 40), realtime=False)
    with source("picamera2:0?fps=200", cam) as src:
        values = [int(f.gray[0, 0]) for f in (src.read() for _ in range(40)) if f is not None]
    assert values == list(range(40))


@pytest.mark.parametrize(
    ("modes", "w", "h", "fps", "expected"),
    [
        (IMX219_MODES, 640, 480, 200, 0),  # only the cropped 640x480 mode reaches 200 fps
        (IMX219_MODES, 640, 480, 40, 1),  # full field of view binned, smaller than 3280x2464
        (IMX219_MODES, 640, 480, 500, 0),  # nothing that fast: the fastest
        (IMX708_MODES, 640, 480, 120, 0),
        (IMX708_MODES, 640, 480, 50, 1),
    ],
)
def test_sensor_mode_choice(modes: list[dict[str, Any]], w: int, h: int, fps: float, expected: int) -> None:
    assert choose_sensor_mode(modes, w, h, fps) == expected


def test_explicit_mode_and_fps_capped_to_the_mode(caplog: pytest.LogCaptureFixture) -> None:
    cam = FakePicamera2(0, camera_times_ns(41.85, 2), realtime=False)
    with source("picamera2:0?fps=90&mode=1", cam) as src:
        info = src.open()
    assert cam.config["sensor"]["output_size"] == (1640, 1232)
    assert cam.config["main"]["size"] == cam.config["lores"]["size"] == (640, 480)  # main unused: smallest
    assert info.fps == pytest.approx(41.85)
    assert "no sensor mode reaches" in caplog.text


def test_bad_mode_is_a_usage_error_and_releases_the_camera() -> None:
    cam = FakePicamera2(0, [])
    with pytest.raises(UsageError, match="mode='9'"):
        source("picamera2:0?mode=9", cam).open()
    assert cam.closed


def test_timeout_becomes_source_error() -> None:
    cam = FakePicamera2(0, camera_times_ns(90, 2), stall_after=2, realtime=False)
    with source("picamera2:0?fps=90&timeout=0.05", cam) as src:
        assert src.read() is not None and src.read() is not None
        t0 = time.monotonic()
        with pytest.raises(SourceError, match=r"no frame within 0\.05 s"):
            src.read()
        assert time.monotonic() - t0 < 1.0


def test_lores_keeps_the_16_9_mode_aspect_and_is_cropped_in_the_centre() -> None:
    """IMX708 1536x864: a 640x480 lores would be squashed by 25 %; 896x504 is not, and is cropped to 640x480."""
    cam = FakePicamera2(0, camera_times_ns(120, 2), modes=IMX708_MODES, realtime=False, pattern="columns")
    with source("picamera2:0?width=640&height=480&fps=120", cam) as src:
        info = src.open()
        frame = src.read()
    assert cam.config["sensor"]["output_size"] == (1536, 864)
    assert cam.config["lores"]["size"] == cam.config["main"]["size"] == (896, 504)
    assert cam.lores_squash() == pytest.approx(1.0, abs=0.01)
    assert frame is not None and frame.gray.shape == (480, 640) and (info.width, info.height) == (640, 480)
    assert int(frame.gray[0, 0]) == (896 - 640) // 2  # the centre of the configured plane
    old = cam.create_video_configuration(  # what the source used to ask for: a 4:3 lores beside a 16:9 main
        main={"size": (1536, 864), "format": "YUV420"},
        lores={"size": (640, 480), "format": "YUV420"},
        sensor={"output_size": (1536, 864), "bit_depth": 10},
    )
    cam.configure(old)
    assert cam.lores_squash() == pytest.approx(0.75)  # faces 25 % narrower


def test_crop_follows_the_size_libcamera_configured() -> None:
    """libcamera may round the lores width on validate(); the slice must use the configured size."""
    cam = FakePicamera2(
        0, camera_times_ns(120, 2), modes=IMX708_MODES, realtime=False, pattern="columns", lores_align=256
    )
    with source("picamera2:0?width=640&height=480&fps=120", cam) as src:
        frame = src.read()
    assert cam.config["lores"]["size"] == (768, 504) and cam.config["lores"]["stride"] == 768
    assert frame is not None and frame.gray.shape == (480, 640)
    assert int(frame.gray[0, 0]) == (768 - 640) // 2 and int(frame.gray[0, -1]) == ((768 - 640) // 2 + 639) % 200


def test_timed_out_job_is_flushed_so_stop_does_not_hang() -> None:
    cam = FakePicamera2(0, camera_times_ns(90, 2), stall_after=1, realtime=False)
    src = source("picamera2:0?fps=90&timeout=0.01", cam)
    src.open()
    assert src.read() is not None
    with pytest.raises(SourceError):
        src.read()
    assert cam.jobs == ["capture_request"]  # the timed-out job is still queued, as in picamera2
    src.close()
    assert cam.calls[-3:] == ["cancel_all_and_flush", "stop", "close"] and not cam.stop_blocked
    unflushed = FakePicamera2(0, [], stall_after=0, realtime=False)  # without the flush, stop() would hang
    unflushed.configure(cam.config)
    unflushed.start()
    with pytest.raises(TimeoutError):
        unflushed._next_request(0.01)
    with pytest.raises(RuntimeError, match="wait forever"):
        unflushed.stop()


def test_numpy_abi_failure_of_picamera2_is_backend_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A venv NumPy 2 shadowing Debian's 1.24 makes simplejpeg (imported by picamera2) raise ValueError."""
    package = tmp_path / "picamera2"
    package.mkdir()
    (package / "__init__.py").write_text(
        'raise ValueError("numpy.dtype size changed, may indicate binary incompatibility. '
        'Expected 96 from C header, got 88 from PyObject")\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "picamera2", raising=False)
    with pytest.raises(BackendUnavailable, match=r"NumPy.*numpy<2"):
        default_camera_factory(0)


def test_old_picamera2_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(BackendUnavailable, match=r"'0\.3\.12' is too old; expected >= 0\.3\.20"):
        check_picamera2_version("0.3.12")
    check_picamera2_version("0.3.20")
    check_picamera2_version("0.3.27")
    check_picamera2_version(None)
    assert "version unknown" in caplog.text


def test_close_is_idempotent() -> None:
    cam = FakePicamera2(0, camera_times_ns(90, 1), realtime=False)
    src = source("picamera2:0", cam)
    src.open()
    src.close()
    src.close()
    assert cam.calls.count("close") == 1


def test_resilient_reopens_a_disconnected_camera() -> None:
    times = camera_times_ns(120, 80)
    cams = [
        FakePicamera2(0, times[:20], disconnect_after=20),  # unplugged after 20 frames
        FakePicamera2(0, times[:1], disconnect_after=0),  # not back yet at the first reopen
        FakePicamera2(0, times[40:]),
    ]
    made: list[FakePicamera2] = []

    def factory() -> FrameSource:
        cam = cams[len(made)]
        made.append(cam)
        return source("picamera2:0?fps=120&timeout=0.5", cam)

    with ResilientSource(factory, reopen_backoff_s=0.01, stall_timeout_s=0.5) as src:
        got = [src.read() for _ in range(40)]
        stats = dict(src.stats)
    assert [f.index for f in got if f] == list(range(40))
    assert [f.t_ns for f in got if f] == times[:20] + times[40:60]
    assert stats["reopens"] == 2 and stats["errors"] == 2 and stats["stalls"] == 0
    assert all(c.closed for c in cams)


def test_resilient_reopens_a_stalled_camera() -> None:
    times = camera_times_ns(90, 40)
    cams = [FakePicamera2(0, times[:10], stall_after=10), FakePicamera2(0, times[20:])]
    it = iter(cams)
    # picamera2's own wait timeout reports the stall here (the watchdog path is in test_resilient.py).
    with ResilientSource(
        lambda: source("picamera2:0?fps=90&timeout=0.2", next(it)),
        reopen_backoff_s=0.01,
        stall_timeout_s=0.15,
        watchdog=False,
    ) as src:
        got = [src.read() for _ in range(15)]
        stats = dict(src.stats)
    assert len([f for f in got if f]) == 15
    assert stats["stalls"] == 1 and stats["reopens"] == 1 and stats["connected"]
