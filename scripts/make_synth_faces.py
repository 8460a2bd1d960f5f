"""Make the face asset of the synthetic generator (run once; output is committed).

Extracts an upright grayscale head-and-shoulders crop of the public-domain NASA
portrait of Eileen Collins that scikit-image ships as ``skimage/data/astronaut.png``
and annotates it with MediaPipe FaceMesh's 468 landmarks (the legacy
``mp.solutions.face_mesh`` of mediapipe 0.10.21). Neither package is a runtime
dependency of Glimpse: run this in a throwaway venv::

    python3.11 -m venv /tmp/synthvenv
    /tmp/synthvenv/bin/pip install scikit-image mediapipe==0.10.21
    /tmp/synthvenv/bin/python scripts/make_synth_faces.py

Writes ``edge/synth/assets/astronaut_face.png`` and ``astronaut_face.json``
(landmarks in crop pixels, provenance, licence).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

OUT_DIR = Path(__file__).resolve().parents[1] / "edge" / "synth" / "assets"
#: The crop spans this many face widths (cheek 234 to cheek 454) horizontally.
CROP_WIDTHS = 2.4
CROP_ASPECT = 1.15  # height / width


def _landmarks(rgb: np.ndarray) -> np.ndarray:
    import mediapipe as mp

    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False) as mesh:
        result = mesh.process(rgb)
    if not result.multi_face_landmarks:
        raise SystemExit("FaceMesh found no face")
    h, w = rgb.shape[:2]
    pts = result.multi_face_landmarks[0].landmark
    return np.array([[p.x * w, p.y * h, p.z * w] for p in pts], dtype=np.float64)


def _upright_crop(rgb: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Rotate so the eye corners (33, 263) are level and crop around the face."""
    left, right = lm[33, :2], lm[263, :2]
    angle = math.degrees(math.atan2(right[1] - left[1], right[0] - left[0]))
    face_w = float(np.linalg.norm(lm[454, :2] - lm[234, :2]))
    center = (lm[234, :2] + lm[454, :2]) / 2.0
    center[1] = (lm[10, 1] + lm[152, 1]) / 2.0
    out_w = round(face_w * CROP_WIDTHS)
    out_h = round(out_w * CROP_ASPECT)
    m = cv2.getRotationMatrix2D((float(center[0]), float(center[1])), angle, 1.0)
    m[0, 2] += out_w / 2.0 - center[0]
    m[1, 2] += out_h / 2.0 - center[1] + 0.05 * out_h  # leave room for the hair
    return cv2.warpAffine(rgb, m, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT101)


def main() -> None:
    from skimage import data

    rgb = np.ascontiguousarray(data.astronaut())
    crop_rgb = _upright_crop(rgb, _landmarks(rgb))
    lm = _landmarks(crop_rgb)  # annotate the crop itself, not a transformed guess
    gray = cv2.cvtColor(crop_rgb, cv2.COLOR_RGB2GRAY)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT_DIR / "astronaut_face.png"), gray, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    meta: dict[str, Any] = {
        "image": "astronaut_face.png",
        "width": int(gray.shape[1]),
        "height": int(gray.shape[0]),
        "landmarks_xyz_px": np.round(lm, 2).tolist(),
        "topology": "MediaPipe FaceMesh 468 (mediapipe 0.10.21, mp.solutions.face_mesh, static_image_mode)",
        "source": "scikit-image skimage/data/astronaut.png (NASA portrait of astronaut Eileen Collins)",
        "licence": (
            "Public domain: 'No known copyright restrictions, released into the public domain' "
            "(skimage.data.astronaut docstring; NASA Great Images, https://flic.kr/p/r9qvLn)"
        ),
        "source_sha256": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
        "made_by": "scripts/make_synth_faces.py",
    }
    (OUT_DIR / "astronaut_face.json").write_text(json.dumps(meta, separators=(",", ":")) + "\n")
    print(f"wrote {OUT_DIR} ({gray.shape[1]}x{gray.shape[0]}, face width {lm[454, 0] - lm[234, 0]:.1f} px)")


if __name__ == "__main__":
    main()
