"""Real faces for the synthetic training corpus: aligned canvases of identity frames, cached outside the repo.

An identity is a real face image in the engine's aligned-crop framing (DESIGN section 9, the framing
:mod:`edge.face.align` produces), drawn at twice the crop resolution on a larger canvas so that warps
pull real skin in from outside the crop: a ``CANVAS`` x ``CANVAS`` float32 image whose centre
``2 * ALIGNED_SIZE`` square is exactly the aligned crop, with its 468 FaceMesh landmarks in canvas pixels.

Sources: a few frames of every real clip under the clips folder (``../shared/clips`` and its
``expressive/`` subfolder; read at training time, **never** committed nor cached inside the repository)
and the public-domain astronaut portrait shipped in :mod:`edge.synth`. Frames are tracked with the
project's own face tracker, as the daemon sees them. The canvases are cached as one ``.npz`` under
``~/.cache/glimpse/identities`` (or ``cache_dir``), keyed by the clip files' names, sizes and the frame
choice, so a second ``glimpse train`` does not track again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.errors import DatasetError
from edge.face.base import ALIGNED_SIZE

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
#: Canvas scale relative to the aligned crop, and the canvas side in pixels.
SCALE = 2
MARGIN = 64
CANVAS = SCALE * ALIGNED_SIZE + 2 * MARGIN
#: Identity frames taken per clip, evenly spaced over the clip (a few poses, lights and mouth states).
FRAMES_PER_CLIP = 6
ASTRONAUT = "astronaut"
#: Frames kept away from a labelled real expression (the dev set stays unseen, even as a still frame).
EXCLUDE_MARGIN = 5


@dataclass(frozen=True, slots=True)
class Identity:
    """One real face frame on the training canvas (``identity`` names the person: the clip stem)."""

    identity: str
    frame: int
    image: F32
    landmarks: F32


def default_cache() -> Path:
    """``~/.cache/glimpse`` (outside every repository)."""
    return Path.home() / ".cache" / "glimpse"


def default_dev_labels() -> Path:
    """The real dev set's labels (``tests/fixtures/realdev/expressions.csv`` of the checkout)."""
    import edge

    return Path(edge.__file__).resolve().parents[1] / "tests" / "fixtures" / "realdev" / "expressions.csv"


def default_clips() -> Path:
    """The shared clips folder next to the repository (``../shared/clips``)."""
    import edge

    return Path(edge.__file__).resolve().parents[2] / "shared" / "clips"


def clip_files(clips_dir: Path) -> list[Path]:
    """Every ``*.mp4`` in ``clips_dir`` and ``clips_dir/expressive``, sorted by name."""
    return sorted([*clips_dir.glob("*.mp4"), *(clips_dir / "expressive").glob("*.mp4")], key=lambda p: p.name)


def canvas_transform(crop_transform: F32) -> F32:
    """Frame -> canvas affine from the tracker's frame -> aligned-crop affine."""
    m = crop_transform.astype(np.float32) * np.float32(SCALE)
    m[:, 2] += MARGIN
    return m


def _warp(image: npt.NDArray[np.uint8], matrix: F32) -> F32:
    import cv2

    out = cv2.warpAffine(image, matrix, (CANVAS, CANVAS), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, np.float32)


def astronaut() -> Identity:
    """The public-domain astronaut portrait (:mod:`edge.synth` asset) aligned like a tracked frame."""
    from edge.face.align import crop_transform, eye_similarity
    from edge.synth.face import _base_asset

    image, lm = _base_asset()
    m = canvas_transform(crop_transform(eye_similarity(lm)))
    pts = lm @ m[:, :2].T + m[:, 2]
    return Identity(ASTRONAUT, 0, _warp(np.clip(image, 0, 255).astype(np.uint8), m), pts.astype(np.float32))


def labelled_frames(labels: Path | None, margin: int = EXCLUDE_MARGIN) -> dict[str, set[int]]:
    """Clip stem -> frames inside any labelled ``[onset, offset]`` (+- ``margin``) of a real dev-set CSV."""
    import csv

    out: dict[str, set[int]] = {}
    if labels is None or not labels.is_file():
        return out
    with labels.open(newline="") as fh:
        for row in csv.DictReader(fh):
            lo, hi = int(row["onset"]) - margin, int(row["offset"] or row["apex"]) + margin
            out.setdefault(Path(row["clip"]).stem, set()).update(range(lo, hi + 1))
    return out


def _clip_identities(path: Path, tracker: object, per_clip: int, excluded: set[int]) -> list[Identity]:
    import cv2

    from edge.capture.base import Frame

    cap = cv2.VideoCapture(str(path))
    total, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS) or 30.0
    # Candidate frames evenly spaced; a frame that fails the frontal check is replaced by a later one.
    wanted = {round((k + 0.5) * total / (4 * per_clip)) for k in range(4 * per_clip)}
    out: list[Identity] = []
    tracker.reset()  # type: ignore[attr-defined]
    n = 0
    while n < total:
        ok, bgr = cap.read()
        if not ok:
            break
        n += 1
        gray = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), np.uint8)
        obs = tracker.process(Frame(n, round((n - 1) * 1e9 / fps), gray, path.stem))  # type: ignore[attr-defined]
        if n in wanted and n not in excluded and _frontal(obs):
            m = canvas_transform(obs.transform)
            pts = obs.landmarks[:, :2] @ m[:, :2].T + m[:, 2]
            out.append(Identity(path.stem, n, _warp(gray, m), pts.astype(np.float32)))
    cap.release()
    if not out:
        return []
    return [out[int(i)] for i in np.linspace(0, len(out) - 1, min(per_clip, len(out))).round()]


def _frontal(obs: object) -> bool:
    """A usable, unflagged observation whose nose tip sits near the crop's midline (no strong head turn)."""
    if not obs.usable or obs.quality or obs.transform is None or obs.aligned_landmarks is None:  # type: ignore[attr-defined]
        return False
    nose_x = float(obs.aligned_landmarks[1, 0]) / ALIGNED_SIZE  # type: ignore[attr-defined]
    return 0.4 < nose_x < 0.6


def _key(files: list[Path], per_clip: int, excluded: dict[str, set[int]]) -> str:
    spec: list[object] = [(p.name, p.stat().st_size) for p in files]
    spec += [("per_clip", per_clip), ("canvas", CANVAS), ("v", 3)]
    spec += [(k, len(v), min(v), max(v)) for k, v in sorted(excluded.items())]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]


def load_identities(
    clips_dir: Path | None = None,
    cache_dir: Path | None = None,
    per_clip: int = FRAMES_PER_CLIP,
    exclude: Path | None = None,
) -> list[Identity]:
    """The astronaut plus ``per_clip`` tracked frames of every clip (cached); raises when no clip is there.

    Frames inside a labelled interval of ``exclude`` (a real dev-set CSV: clip, onset, apex, offset) are
    never taken, so no labelled real expression appears in training, not even as a still frame.
    """
    clips_dir = clips_dir or default_clips()
    files = clip_files(clips_dir)
    if not files:
        raise DatasetError(
            f"no identity clip in {str(clips_dir)!r}; expected *.mp4 files there or in its expressive/ folder"
        )
    excluded = labelled_frames(exclude)
    cache = (cache_dir or default_cache()) / "identities" / f"{_key(files, per_clip, excluded)}.npz"
    if cache.is_file():
        with np.load(cache) as z:
            names = [str(s) for s in z["identity"]]
            return [astronaut()] + [
                Identity(names[i], int(z["frame"][i]), z["image"][i], z["landmarks"][i]) for i in range(len(names))
            ]
    from edge.config.model import GlimpseConfig
    from edge.face.tracker import MediaPipeTracker

    found: list[Identity] = []
    with MediaPipeTracker.from_config(GlimpseConfig()) as tracker:
        for path in files:
            got = _clip_identities(path, tracker, per_clip, excluded.get(path.stem, set()))
            logger.info("identity %s: %d frame(s)", path.stem, len(got))
            found += got
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        cache,
        identity=np.asarray([i.identity for i in found]),
        frame=np.asarray([i.frame for i in found]),
        image=np.stack([i.image.astype(np.float32) for i in found]),
        landmarks=np.stack([i.landmarks for i in found]),
    )
    return [astronaut(), *found]
