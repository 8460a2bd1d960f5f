"""Render a planned clip frame by frame: AU warp, head pose, light, noise, compression.

Any frame can be rendered on its own from ``(plan, index)``, so a clip is
deterministic by seed whether it is rendered in order, in parallel or lazily
by :class:`edge.capture.synthetic.SyntheticSource`.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.synth.aus import parse_recipe
from edge.synth.face import F32, Subject, load_subject
from edge.synth.timeline import Event, Plan

U8 = npt.NDArray[np.uint8]
_NOISE_BANK = 8
logger = logging.getLogger(__name__)


def _clips_dir() -> Path:
    """``$GLIMPSE_CLIPS``, else ``../shared/clips`` beside the checkout (the rule the tests use)."""
    default = Path(__file__).resolve().parents[3] / "shared" / "clips"
    return Path(os.environ.get("GLIMPSE_CLIPS") or default)


def _clip_frame(rng: np.random.Generator) -> U8 | None:
    """A gray frame of a real clip in ``$GLIMPSE_CLIPS`` (never committed; used at generation time only)."""
    import cv2

    clips = sorted(_clips_dir().glob("*.mp4"))
    if not clips:
        return None
    cap = cv2.VideoCapture(str(clips[int(rng.integers(len(clips)))]))
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(rng.integers(max(count, 1))))
        ok, bgr = cap.read()
    finally:
        cap.release()
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), np.uint8) if ok else None


class Renderer:
    """Renders frame ``i`` of a :class:`Plan` as a uint8 gray image.

    Usage::

        plan = plan_clip(ClipSpec(fps=90, seconds=10), seed=1)
        renderer = Renderer(plan)
        gray = renderer.frame(0)
    """

    def __init__(self, plan: Plan, subject: Subject | None = None, noise_frames: int = _NOISE_BANK) -> None:
        import cv2

        self.plan = plan
        spec = plan.spec
        self.subject = subject or load_subject(spec.subject)
        self._event_fields: dict[tuple[str, str], F32] = {}
        h, w = self.subject.image.shape
        self._grid = np.mgrid[0:h, 0:w].astype(np.float32)[::-1].copy()  # (x, y)
        self.scale = spec.face_width_frac * spec.width / self.subject.face_width_px
        rng = np.random.default_rng([plan.seed, 7])
        self._background = self._make_background(rng)
        alpha = np.zeros((h, w), np.float32)
        border = max(2, int(0.08 * min(h, w)))
        alpha[border:-border, border:-border] = 1.0
        self._alpha = cv2.GaussianBlur(alpha, (0, 0), border / 2.0)
        self._ramp = np.linspace(-1.0, 1.0, spec.width, dtype=np.float32)[None, :]  # one row, broadcast over rows
        self._noise = [
            rng.normal(0.0, spec.noise_sigma, (spec.height, spec.width)).astype(np.float32) for _ in range(noise_frames)
        ]

    def _make_background(self, rng: np.random.Generator) -> F32:
        import cv2

        spec = self.plan.spec
        if spec.clip_background:
            frame = _clip_frame(rng)
            if frame is not None:
                scene = cv2.resize(frame, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
                return np.asarray(cv2.GaussianBlur(scene, (0, 0), 6.0), np.float32)
            logger.warning("no clips in %s; using a plain background", _clips_dir())
        small = rng.uniform(60.0, 200.0, (4, 5)).astype(np.float32)
        return np.asarray(cv2.resize(small, (spec.width, spec.height), interpolation=cv2.INTER_CUBIC), np.float32)

    def event_field(self, event: Event) -> F32:
        """The event's displacement field at apex for amplitude 1 px (peak over the face)."""
        key = (event.kind, event.recipe)
        if key not in self._event_fields:
            # Uncached AU fields: the subject is shared and only the few event fields are needed per frame.
            field = sum(self.subject.au_field(t, cache=False) for t in parse_recipe(event.recipe))
            assert isinstance(field, np.ndarray)
            peak = float(np.sqrt((field**2).sum(axis=0)).max()) or 1.0
            self._event_fields[key] = (field / peak).astype(np.float32)
        return self._event_fields[key]

    def displacement(self, i: int) -> F32 | None:
        """The face's displacement field at frame ``i`` in subject pixels (None when at rest)."""
        total: F32 | None = None
        for event in self.plan.events:
            if not event.onset < i < event.offset:
                continue
            level = event.intensity(i)
            if event.kind == "blink":
                px = level * event.amplitude * self.subject.eye_opening_px
            else:
                px = level * event.amplitude * self.subject.face_width_px
            if px == 0.0:
                continue
            part = self.event_field(event) * np.float32(px)
            total = part if total is None else total + part
        return total

    def pose(self, i: int) -> npt.NDArray[np.float64]:
        """The 2x3 affine from subject pixels to canvas pixels at frame ``i``."""
        spec, t = self.plan.spec, i / self.plan.spec.fps
        tx = sum(ax * math.sin(2 * math.pi * hz * t + ph) for ax, _, hz, ph in self.plan.drift)
        ty = sum(ay * math.cos(2 * math.pi * hz * 0.7 * t + ph) for _, ay, hz, ph in self.plan.drift)
        roll, yaw = 0.0, 0.0
        for turn in self.plan.head_turns:
            if turn.start < i:
                u = min(1.0, (i - turn.start) / max(turn.end - turn.start, 1))
                step = 0.5 - 0.5 * math.cos(math.pi * u)
                roll += turn.roll_deg * step
                yaw += turn.yaw * step
        lm = self.subject.landmarks
        cx, cy = float(lm[[234, 454], 0].mean()), float(lm[[10, 152], 1].mean())
        c, s = math.cos(math.radians(roll)), math.sin(math.radians(roll))
        sx, sy = self.scale * (1.0 - abs(yaw)), self.scale
        a = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
        out_c = np.array([spec.width / 2 + tx + yaw * self.scale * self.subject.face_width_px, spec.height / 2 + ty])
        return np.hstack([a, (out_c - a @ np.array([cx, cy]))[:, None]])

    def face(self, i: int) -> F32:
        """The warped subject image (subject pixels) at frame ``i``."""
        import cv2

        disp = self.displacement(i)
        if disp is None:
            return self.subject.image
        # Backward map: the output pixel p shows the input at p - d(p) (valid for smooth, small d).
        maps = self._grid - disp
        warped = cv2.remap(self.subject.image, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        return np.asarray(warped, np.float32)

    def frame(self, i: int) -> U8:
        """Render frame ``i`` (0-based) of the clip.

        Arithmetic is done in place on one float32 canvas (same values as the
        plain expressions), so a frame costs few full-size temporaries.
        """
        import cv2

        spec = self.plan.spec
        size = (spec.width, spec.height)
        m = self.pose(i)
        img: F32 = np.asarray(
            cv2.warpAffine(self.face(i), m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT), np.float32
        )  # float32 already: no copy
        alpha = cv2.warpAffine(self._alpha, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        img -= self._background
        img *= alpha
        del alpha
        img += self._background
        t = i / spec.fps
        gain = 1.0 + spec.light_drift * math.sin(2 * math.pi * t / 9.0 + self.plan.light_phase)
        gain += spec.flicker * math.sin(2 * math.pi * self.plan.flicker_hz * t)
        side = 0.5 * spec.light_drift * math.sin(2 * math.pi * t / 13.0 + 2 * self.plan.light_phase)
        img *= np.float32(gain) * (1.0 + np.float32(side) * self._ramp)
        noise = self._noise[(i * 5) % len(self._noise)]
        shift = (i * 37) % spec.height  # np.roll(noise, shift, axis=0) without the copy
        img[shift:] += noise[: spec.height - shift]
        img[:shift] += noise[spec.height - shift :]
        np.clip(img, 0, 255, out=img)
        out = img.astype(np.uint8)
        if spec.jpeg_quality > 0:
            ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, spec.jpeg_quality])
            if ok:
                out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), np.uint8)
        return out
