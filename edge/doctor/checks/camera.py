"""Camera presence and the frame rate it really achieves (opens the configured source for about 1 s)."""

from __future__ import annotations

import time

from edge.capture.config import SourceConfig
from edge.capture.registry import configured_uri
from edge.doctor.base import DoctorContext, Finding, Status
from edge.errors import GlimpseError

NAME = "camera"


def _fix_for(uri: str) -> str:
    scheme = uri.partition(":")[0]
    return {
        "picamera2": "check the ribbon cable and the dtoverlay in /boot/firmware/config.txt "
        "(firmware_config/pi/), then `rpicam-hello --list-cameras`",
        "argus": "`systemctl restart nvargus-daemon`; check the CSI cable; `gst-launch-1.0 nvarguscamerasrc "
        "num-buffers=30 ! fakesink`",
        "v4l2": "plug the camera in; `v4l2-ctl --list-devices`; the glimpse user must be in group video",
    }.get(scheme, "check source.uri in the configuration")


def source_uri(source: SourceConfig) -> str:
    """``source.uri`` as the daemon opens it (camera size and rate from the config)."""
    return configured_uri(source)


def check_camera(ctx: DoctorContext) -> list[Finding]:
    uri = source_uri(ctx.config.source)
    wanted = ctx.config.source.fps
    try:
        with ctx.open_source(uri) as source:
            times: list[int] = []
            deadline = time.monotonic() + ctx.camera_seconds
            while time.monotonic() < deadline:
                frame = source.read()
                if frame is None:
                    break
                times.append(frame.t_ns)
            dropped = source.dropped_frames
    except (GlimpseError, OSError) as exc:
        return [Finding(NAME, Status.FAIL, f"{uri}: {exc}", _fix_for(uri))]
    if len(times) < 2:
        return [
            Finding(NAME, Status.FAIL, f"{uri}: {len(times)} frame(s) in {ctx.camera_seconds:.1f} s", _fix_for(uri))
        ]
    fps = (len(times) - 1) / max((times[-1] - times[0]) / 1e9, 1e-9)
    detail = f"{uri}: {fps:.1f} fps measured (configured {wanted:g}), {dropped} dropped"
    if fps < 0.9 * wanted:
        return [
            Finding(
                NAME,
                Status.WARN,
                detail,
                "lower source.fps or pick a faster sensor mode (firmware_config/README.md); "
                "more light allows shorter exposures",
            )
        ]
    return [Finding(NAME, Status.OK, detail)]
