"""The MediaPipe-model face tracker: detect, landmark on keyframes, follow with flow, align.

Behaviour, frame by frame:

* No track: BlazeFace runs on the frame when ``redetect_interval_ms`` has
  passed since it last ran (a face still in view is found again within that
  time plus a frame; an empty scene costs one detection per interval, not
  one per frame). The primary face (largest, nearest the centre, see
  :func:`primary_face`) is landmarked; a presence above ``min_presence``
  starts a track with a new id. Other faces are ignored.
* Between keyframes: a few rigid landmarks are followed with pyramidal
  Lucas-Kanade flow; a similarity fitted to them moves all 468 landmarks.
  Too few points or a residual above ``flow_max_error_px`` forces a keyframe.
* Keyframe (every ``keyframe_interval_ms``): FaceMesh runs on the crop
  around the landmarks followed to this frame (the flow places the crop).
  If presence drops below ``min_presence`` the detector runs again on the
  same frame; a face overlapping the old one keeps the track id, anything
  else starts a new track; no face means LOST.
* Every found frame: the similarity to the canonical crop (:mod:`edge.face.align`)
  is smoothed with a 1-euro filter, the crop is warped, pose and quality set.
"""

from __future__ import annotations

import logging
import statistics
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.capture.base import Frame, GrayImage
from edge.closing import Closeable
from edge.config import GlimpseConfig
from edge.face import align
from edge.face.base import ALIGNED_SIZE, FaceObservation, FloatArray, Quality
from edge.face.blazeface import INPUT_SIZE as DETECTOR_INPUT_PX
from edge.face.blazeface import BlazeFaceDetector, Detection, detect_tiled, primary_face, smallest_face_fraction
from edge.face.config import FaceConfig
from edge.face.facemesh import FaceMesh, roi_from_detection, roi_from_landmarks
from edge.inference.base import InferenceBackend
from edge.paths import models_dir

logger = logging.getLogger(__name__)

#: Frames without any face, from the start, after which the small-face limit is logged (once).
HINT_AFTER_FRAMES = 30


@dataclass(frozen=True, slots=True)
class FollowMode:
    """What LK follows between keyframes, and at what resolution (``face.follow`` names one)."""

    points: tuple[int, ...]
    #: The frame is downscaled by this factor (area averaging) for LK; fits and residuals stay in frame px.
    scale: int
    window_px: int
    levels: int

    @property
    def index(self) -> npt.NDArray[np.intp]:
        """The points as an index array."""
        return np.array(self.points, np.intp)


#: ``full``: 20 textured points spread over the face, mouth corners, chin and jaw included, on the full frame.
#: ``fast``: 12 rigid points (eye corners, nose bridge and tip, forehead) on the frame at half resolution: a
#: quarter of the pixels for LK's pyramids, and speech or a smile no longer breaks the rigid fit (fewer forced
#: keyframes; the default, with which the spotter defaults were selected). docs/benchmarks.md has both measured.
FOLLOW_MODES: dict[str, FollowMode] = {
    "full": FollowMode(
        (33, 133, 362, 263, 168, 6, 4, 1, 151, 9, 50, 280, 234, 454, 172, 397, 152, 61, 291, 199), 1, 15, 2
    ),
    "fast": FollowMode((33, 133, 362, 263, 168, 6, 197, 195, 4, 1, 151, 9), 2, 11, 1),
}


def resolve_model(path: str) -> Path:
    """An absolute path as given; a relative one inside :func:`edge.paths.models_dir` (by file name)."""
    given = Path(path)
    if given.is_absolute():
        return given
    return models_dir() / given.name


def _downscale(gray: GrayImage, scale: int) -> GrayImage:
    """``gray`` at 1/``scale`` by area averaging (an odd last row or column is dropped); itself for 1."""
    if scale == 1:
        return gray
    h, w = gray.shape
    h, w = h // scale, w // scale
    even = gray[: h * scale, : w * scale]
    return np.asarray(cv2.resize(even, (w, h), interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _box(landmarks: FloatArray) -> tuple[float, float, float, float]:
    xs, ys = landmarks[:, 0], landmarks[:, 1]  # one column at a time: 4x faster than min(axis=0) on two
    x0, y0 = xs.min(), ys.min()
    return float(x0), float(y0), float(xs.max() - x0), float(ys.max() - y0)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(a[2] * a[3] + b[2] * b[3] - inter, 1e-9)


class MediaPipeTracker(Closeable):
    """Finds, follows and aligns the primary face with BlazeFace and FaceMesh.

    Usage::

        with MediaPipeTracker.from_config(config) as tracker:
            obs = tracker.process(frame)
    """

    def __init__(
        self,
        detector: InferenceBackend,
        landmarker: InferenceBackend,
        settings: FaceConfig | None = None,
        size: int = ALIGNED_SIZE,
    ) -> None:
        self.settings = settings or FaceConfig()
        self._backends = [detector, landmarker]
        self._detector = BlazeFaceDetector(detector, self.settings.min_detection_score)
        self._mesh = FaceMesh(landmarker)
        self._mode = FOLLOW_MODES[self.settings.follow]
        self._follow_index = self._mode.index
        self._size = size
        self._filter = align.OneEuroFilter(self.settings.smoothing_min_cutoff_hz, self.settings.smoothing_beta)
        self._openness: deque[float] = deque(maxlen=60)
        self._next_id = 1
        self.keyframes = 0
        self.detections = 0
        self._faceless = 0  # consecutive frames without a face before the first track (for the one-time hint)
        self.reset()

    @classmethod
    def from_config(cls, config: GlimpseConfig) -> MediaPipeTracker:
        """Load both models on ``engine.backend`` with ``engine.threads``."""
        from edge.inference.registry import load_backend

        face, engine = config.face, config.engine
        detector = load_backend(engine.backend, resolve_model(face.detector_model), threads=engine.threads)
        try:
            landmarker = load_backend(engine.backend, resolve_model(face.landmark_model), threads=engine.threads)
        except Exception:
            detector.close()
            raise
        return cls(detector, landmarker, face)

    def reset(self) -> None:
        """Forget the track; the next frame runs the detector."""
        self._detect_t_ns: int | None = None
        self._drop_track()

    def _drop_track(self) -> None:
        """Forget the track (the detector schedule goes on)."""
        self._landmarks: FloatArray | None = None
        self._box = (0.0, 0.0, 0.0, 0.0)
        self._prev_small: GrayImage | None = None  # the previous frame at 1/scale of the follow mode, for LK
        self._track_id = -1
        self._presence = 0.0
        self._key_t_ns = 0
        self._blink = False
        self._filter.reset()
        self._openness.clear()

    def close(self) -> None:
        """Release both models; idempotent."""
        for backend in self._backends:
            backend.close()

    def process(self, frame: Frame) -> FaceObservation:
        """Observe the primary face in ``frame``; a frame without one gives a LOST observation."""
        gray = frame.gray
        self._small: GrayImage | None = None
        landmarks = self._locate(gray, frame.t_ns)
        if landmarks is None:
            if self._track_id != -1:
                logger.info("face track %d lost at frame %d", self._track_id, frame.index)
            self._hint_small_faces(gray.shape[1])
            self._drop_track()
            return FaceObservation.missing(frame)
        self._faceless = -1  # a face was found: no hint any more
        self._prev_small = self._small if self._small is not None else _downscale(gray, self._mode.scale)
        self._landmarks = landmarks
        self._box = _box(landmarks)
        return self._observe(frame, landmarks, self._box)

    def _hint_small_faces(self, width: int) -> None:
        """Say once, after :data:`HINT_AFTER_FRAMES` frames and no face yet, what the detector cannot see."""
        if self._faceless < 0:
            return
        self._faceless += 1
        if self._faceless == HINT_AFTER_FRAMES:
            self._faceless = -1
            tiles = self.settings.detect_tiles
            fraction = smallest_face_fraction(tiles)
            logger.warning(
                "no face in the first %d frames: the detector sees the frame (face.detect_tiles=%d tile(s) across) "
                "shrunk to %d px, so faces narrower than about 1/%d of the frame width (%d px here) are never "
                "found; crop or zoom in, or for offline analysis raise face.detect_tiles (docs/face.md)",
                HINT_AFTER_FRAMES,
                tiles,
                DETECTOR_INPUT_PX,
                fraction,
                width // fraction,
            )

    def _locate(self, gray: GrayImage, t_ns: int) -> FloatArray | None:
        if self._landmarks is None:
            return self._search(gray, t_ns)
        due = t_ns - self._key_t_ns >= self.settings.keyframe_interval_ms * 1e6
        followed = None
        if self._prev_small is not None and (not due or self.settings.keyframe_interval_ms > 0):
            self._small = _downscale(gray, self._mode.scale)
            followed = self._follow(self._prev_small, self._small, self._landmarks)
            if followed is not None and not due:
                return followed
        # A keyframe: FaceMesh on the crop around the followed landmarks. The flow is not wasted there: with the
        # previous frame's landmarks instead, a generated talking bout gave a false event (docs/benchmarks.md).
        base = self._landmarks if followed is None else followed
        landmarks, presence = self._mesh.landmarks(gray, roi_from_landmarks(base))
        self.keyframes += 1
        if presence >= self.settings.min_presence:
            self._keyframe(landmarks, presence, t_ns)
            return landmarks
        return self._acquire(gray, t_ns, self._box)

    def _search(self, gray: GrayImage, t_ns: int) -> FloatArray | None:
        """No track: the detector on this frame when ``redetect_interval_ms`` has passed since its last run."""
        since_ns = t_ns - self._detect_t_ns if self._detect_t_ns is not None else None
        if since_ns is not None and 0 <= since_ns < self.settings.redetect_interval_ms * 1e6:
            return None
        return self._acquire(gray, t_ns, None)

    def _acquire(
        self, gray: GrayImage, t_ns: int, previous: tuple[float, float, float, float] | None
    ) -> FloatArray | None:
        """Detect, pick the primary face, landmark it; keep the id when it overlaps ``previous``."""
        self.detections += 1
        self._detect_t_ns = t_ns
        h, w = gray.shape
        faces = self._detector.detect(gray)
        if not faces and self.settings.detect_tiles > 1:
            faces = detect_tiled(self._detector, gray, self.settings.detect_tiles)
        face: Detection | None = primary_face(faces, w, h, self.settings.centre_weight)
        if face is None:
            return None
        landmarks, presence = self._mesh.landmarks(gray, roi_from_detection(face))
        self.keyframes += 1
        if presence < self.settings.min_presence:
            return None
        if previous is None or _overlap(previous, face.box) < 0.3:
            self._track_id, self._next_id = self._next_id, self._next_id + 1
            self._filter.reset()
            self._openness.clear()
            logger.info("face track %d started (%d face(s) in view)", self._track_id, len(faces))
        self._keyframe(landmarks, presence, t_ns)
        return landmarks

    def _keyframe(self, landmarks: FloatArray, presence: float, t_ns: int) -> None:
        self._presence = presence
        self._key_t_ns = t_ns
        openness = align.eye_openness(landmarks)
        self._openness.append(openness)
        median = statistics.median(self._openness)  # np.median's value, without its array round trip
        self._blink = len(self._openness) >= 5 and openness < self.settings.blink_ratio * median

    def _follow(self, prev: GrayImage, small: GrayImage, landmarks: FloatArray) -> FloatArray | None:
        """Move the landmarks by the similarity that best explains LK flow of the followed points; None if unreliable.

        ``prev`` and ``small`` are the previous and this frame at 1/scale of the follow mode (:func:`_downscale`);
        the fit and its residual are in frame pixels.
        """
        mode = self._mode
        scale, window = mode.scale, (mode.window_px, mode.window_px)
        h, w = small.shape
        x0, y0, bw, bh = self._box
        m = 0.25 * max(bw, bh) / scale + 2 * mode.window_px
        c0, r0 = max(0, int(x0 / scale - m)), max(0, int(y0 / scale - m))
        c1, r1 = min(w, int((x0 + bw) / scale + m)), min(h, int((y0 + bh) / scale + m))
        if c1 - c0 < 32 // scale or r1 - r0 < 32 // scale:
            return None
        offset = np.array([c0 * scale, r0 * scale], np.float32)
        half_pixel = np.float32((scale - 1) / 2)  # a small pixel's centre in frame px, less scale x its index
        src = landmarks[self._follow_index, :2] - offset  # frame px, relative to the crop
        old = ((src - half_pixel) / scale).reshape(-1, 1, 2)
        new, status, _ = cv2.calcOpticalFlowPyrLK(
            prev[r0:r1, c0:c1], small[r0:r1, c0:c1], old, old.copy(), winSize=window, maxLevel=mode.levels
        )
        ok = status.reshape(-1).astype(bool)
        if ok.sum() < len(mode.points) // 2:
            return None
        src, dst = src[ok], new.reshape(-1, 2)[ok] * scale + half_pixel
        a, b, tx, ty = align.fit_similarity(src, dst)
        sim = np.array([[a, -b, tx], [b, a, ty]], np.float32)
        miss = align.apply_affine(sim, src) - dst
        residual = float(np.sqrt(np.add.reduce(miss * miss, axis=1)).mean())  # np.linalg.norm(axis=1), less overhead
        if residual > self.settings.flow_max_error_px:
            return None
        moved = landmarks.copy()
        moved[:, :2] = align.apply_affine(sim, landmarks[:, :2] - offset) + offset
        moved[:, 2] *= float(np.hypot(a, b))
        return moved

    def _observe(self, frame: Frame, landmarks: FloatArray, box: tuple[float, float, float, float]) -> FaceObservation:
        params = self._filter(align.eye_similarity(landmarks), frame.t_ns)
        transform = align.crop_transform((params[0], params[1], params[2], params[3]), self._size)
        aligned = np.asarray(
            cv2.warpAffine(
                frame.gray, transform, (self._size, self._size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            ),
            dtype=np.uint8,
        )
        pose = align.head_pose_deg(landmarks)
        return FaceObservation(
            frame.index,
            frame.t_ns,
            True,
            track_id=self._track_id,
            score=self._presence,
            aligned=aligned,
            transform=transform,
            landmarks=landmarks,
            aligned_landmarks=align.apply_affine(transform, landmarks),
            pose_deg=pose,
            box=box,
            quality=self._quality(frame, landmarks, pose, box),
            frame=frame.gray,
        )

    def _quality(
        self,
        frame: Frame,
        landmarks: FloatArray,
        pose: tuple[float, float, float],
        box: tuple[float, float, float, float],
    ) -> frozenset[Quality]:
        s = self.settings
        flags: set[Quality] = set()
        if float(np.linalg.norm(landmarks[33, :2] - landmarks[263, :2])) < s.min_eye_distance_px:
            flags.add(Quality.TOO_SMALL)
        if abs(pose[0]) > s.max_yaw_deg or abs(pose[1]) > s.max_pitch_deg:
            flags.add(Quality.POSE)
        if self._blink:
            flags.add(Quality.BLINK)
        h, w = frame.gray.shape
        outside = 0.0
        if box[0] < 0 or box[1] < 0 or box[0] + box[2] >= w or box[1] + box[3] >= h:  # else every landmark is inside
            xy = landmarks[:, :2]
            outside = float(np.mean((xy[:, 0] < 0) | (xy[:, 1] < 0) | (xy[:, 0] >= w) | (xy[:, 1] >= h)))
        if self._presence < s.occluded_presence or outside > 0.1:
            flags.add(Quality.OCCLUDED)
        return frozenset(flags)
