"""Face subjects and their action-unit displacement fields.

A :class:`Subject` is a grayscale head-and-shoulders image with its 468
MediaPipe landmarks. Its action-unit fields are dense displacement maps built
from Gaussian radial-basis kernels centred on the anchor landmarks (see
:mod:`edge.synth.aus`), each normalised to a peak of one pixel, so a frame's
deformation is a cheap weighted sum of cached fields, applied with
``cv2.remap``.

All pseudo-subjects derive from **one real face** (the public-domain NASA
portrait shipped in scikit-image, see ``assets/PROVENANCE.md``): they differ by
face-shape warps, skin tone, contrast and scale, which is enough to hold a
subject out but not a substitute for different people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.errors import ModelError, UsageError
from edge.synth.aus import AU_ANCHORS, AUTerm

F32 = npt.NDArray[np.float32]
ASSETS = Path(__file__).resolve().parent / "assets"


@dataclass
class Subject:
    """One face: image (float32 0-255), landmarks (468 x 2 px) and cached AU fields."""

    name: str
    image: F32
    landmarks: F32
    _fields: dict[tuple[int, str], F32] = field(default_factory=dict, repr=False)

    @property
    def face_width_px(self) -> float:
        """Cheek to cheek (landmarks 234 and 454), the unit of every amplitude."""
        return float(np.linalg.norm(self.landmarks[454] - self.landmarks[234]))

    @property
    def midline_x(self) -> float:
        return float(np.mean(self.landmarks[[1, 6, 152, 10], 0]))

    @property
    def eye_opening_px(self) -> float:
        """Mean upper-to-lower lid distance (159-145, 386-374)."""
        lm = self.landmarks
        return float((np.linalg.norm(lm[159] - lm[145]) + np.linalg.norm(lm[386] - lm[374])) / 2.0)

    def au_field(self, term: AUTerm, *, cache: bool = True) -> F32:
        """Displacement field (2 x H x W, px) of one AU term, peak 1 px over both sides.

        ``cache=False`` computes it without keeping it (a cached one is still reused).
        """
        key = (term.au, term.side)
        if key in self._fields:
            return self._fields[key]
        both = self._raw_field(term.au, "")
        peak = float(np.sqrt((both**2).sum(axis=0)).max()) or 1.0
        raw = both if term.side == "" else self._raw_field(term.au, term.side)
        out = (raw / peak).astype(np.float32)
        if cache:
            self._fields[key] = out
        return out

    def _raw_field(self, au: int, side: str) -> F32:
        h, w = self.image.shape
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        out = np.zeros((2, h, w), np.float32)
        mid, fw = self.midline_x, self.face_width_px
        for anchor in AU_ANCHORS[au]:
            inv = np.float32(-0.5 / (anchor.sigma_fw * fw) ** 2)
            for idx in anchor.indices:
                cx, cy = self.landmarks[idx]
                offset = (cx - mid) / fw
                is_mid = abs(offset) < 0.02
                point_side = "" if is_mid else ("R" if cx < mid else "L")  # subject's right = image left
                if side and point_side not in (side, ""):
                    continue
                weight = 0.5 if (side and is_mid) else 1.0
                sign = 0.0 if is_mid else np.sign(offset)
                kernel = np.exp(((xs - cx) ** 2 + (ys - cy) ** 2) * inv) * np.float32(weight)
                out[0] += kernel * np.float32(anchor.outward * sign)
                out[1] += kernel * np.float32(anchor.down)
        return out


@cache
def _base_asset() -> tuple[F32, F32]:
    import cv2

    meta = json.loads((ASSETS / "astronaut_face.json").read_text())
    image = cv2.imread(str(ASSETS / meta["image"]), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ModelError(f"synthetic face asset {ASSETS / meta['image']!s} is missing or unreadable")
    lm = np.asarray(meta["landmarks_xyz_px"], np.float32)[:, :2]
    return image.astype(np.float32), lm


@dataclass(frozen=True, slots=True)
class Variant:
    """How a pseudo-subject differs from the base face."""

    widen: float = 0.0  # outward cheek/jaw shift, fraction of face width
    lengthen: float = 0.0  # chin shift down, fraction of face width
    brow_lift: float = 0.0  # brows up, fraction of face width
    gamma: float = 1.0
    gain: float = 1.0
    bias: float = 0.0
    scale: float = 1.0


#: Pseudo-subjects, all from the one base face. ``S01`` is the face unchanged.
VARIANTS: dict[str, Variant] = {
    "S01": Variant(),
    "S02": Variant(widen=0.05, gamma=1.25, gain=0.85, scale=1.05),
    "S03": Variant(widen=-0.04, lengthen=0.04, gamma=0.85, gain=1.05, bias=5.0, scale=0.95),
    "S04": Variant(lengthen=-0.03, brow_lift=0.02, gain=0.75, bias=30.0),
    "S05": Variant(widen=0.03, lengthen=0.05, gamma=1.5, gain=0.9, scale=1.1),
    "S06": Variant(widen=-0.02, brow_lift=-0.015, gamma=0.75, gain=1.15, bias=-20.0, scale=0.9),
}


def _shape_warp(base: Subject, v: Variant) -> Subject:
    import cv2

    fw = base.face_width_px
    disp = base.au_field(AUTerm(20)) * 0.0
    # Reuse the AU machinery for identity: cheeks/jaw outward, chin down, brows up.
    for au, amount in ((1, v.brow_lift), (2, v.brow_lift), (26, v.lengthen)):
        disp += base.au_field(AUTerm(au)) * np.float32(amount * fw)
    h, w = base.image.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    mid = base.midline_x
    sigma = 0.25 * fw
    cy = float(base.landmarks[[234, 454], 1].mean())
    bump = np.exp(-((ys - cy) ** 2) / (2 * sigma**2)).astype(np.float32)
    disp[0] += np.float32(v.widen) * (xs - mid) * bump
    image = cv2.remap(base.image, xs - disp[0], ys - disp[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
    lm = base.landmarks.copy()
    ix = np.clip(lm[:, 0].round().astype(int), 0, w - 1)
    iy = np.clip(lm[:, 1].round().astype(int), 0, h - 1)
    lm[:, 0] += disp[0, iy, ix]
    lm[:, 1] += disp[1, iy, ix]
    return Subject(base.name, np.asarray(image, np.float32), lm)


@cache
def load_subject(name: str = "S01") -> Subject:
    """A pseudo-subject by name (see :data:`VARIANTS`); shared, with AU fields computed lazily and cached."""
    import cv2

    if name not in VARIANTS:
        raise UsageError(f"unknown synthetic subject {name!r}; expected one of {sorted(VARIANTS)}")
    image, lm = _base_asset()
    v = VARIANTS[name]
    subject = _shape_warp(Subject(name, image.copy(), lm.copy()), v)
    tone = 255.0 * (np.clip(subject.image, 0, 255) / 255.0) ** v.gamma * v.gain + v.bias
    subject.image = np.clip(tone, 0, 255).astype(np.float32)
    if v.scale != 1.0:
        resized = cv2.resize(subject.image, None, fx=v.scale, fy=v.scale, interpolation=cv2.INTER_CUBIC)
        subject.image = np.asarray(resized, np.float32)
        subject.landmarks = subject.landmarks * np.float32(v.scale)
    return Subject(name, subject.image, subject.landmarks)
