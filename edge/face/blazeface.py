"""BlazeFace short-range detector: letterboxing, anchors, decoding and weighted NMS.

The constants follow MediaPipe's ``face_detection_short_range`` graph
(SsdAnchorsCalculator options and TensorsToDetectionsCalculator options in
``mediapipe/modules/face_detection/face_detection.pbtxt``): 128x128 input in
[-1, 1], 896 anchors on strides 8, 16, 16, 16 with fixed anchor size, boxes
and six keypoints regressed in input pixels relative to the anchor centre,
sigmoid scores of a logit clipped to +-100, weighted NMS at IoU 0.3.

The committed face models take one gray plane (``scripts/convert_face_models.py`` folds the RGB input of the
first convolution, exact for gray frames); a 3-channel graph still works, fed the gray value in every channel.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.capture.base import GrayImage
from edge.errors import ModelError
from edge.face.base import FloatArray
from edge.inference.base import InferenceBackend, TensorSpec

logger = logging.getLogger(__name__)

INPUT_SIZE = 128
STRIDES = (8, 16, 16, 16)
NMS_IOU = 0.3
SCORE_CLIP = 100.0
#: Least share of a tile that its neighbour overlaps in :func:`detect_tiled`.
TILE_OVERLAP = 0.25


@dataclass(frozen=True, slots=True)
class Detection:
    """One face found by BlazeFace, in frame pixels.

    ``keypoints`` (6 x 2): subject's right eye, left eye, nose tip, mouth
    centre, right ear tragion, left ear tragion.
    """

    score: float
    box: tuple[float, float, float, float]
    keypoints: FloatArray

    @property
    def area(self) -> float:
        """Box area in square pixels."""
        return self.box[2] * self.box[3]


def make_anchors(size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES) -> FloatArray:
    """Anchor centres (N x 2, in [0, 1]); two anchors per layer per cell, layers of one stride merged."""
    centres: list[FloatArray] = []
    i = 0
    while i < len(strides):
        stride = strides[i]
        per_cell = 0
        while i < len(strides) and strides[i] == stride:
            per_cell += 2
            i += 1
        cells = int(np.ceil(size / stride))
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        yy, xx = np.meshgrid(grid, grid, indexing="ij")
        xy = np.stack([xx.ravel(), yy.ravel()], axis=1)
        centres.append(np.repeat(xy, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def input_channels(spec: TensorSpec) -> int:
    """Channels of an NCHW image input: 1 for a gray-input graph, 3 for RGB (also when the axis is dynamic)."""
    channels = spec.shape[1] if len(spec.shape) == 4 else -1
    if channels is None:
        return 3
    if channels not in (1, 3):
        raise ModelError(f"model input {spec.name!r} has shape {spec.shape!r}; expected NCHW with 1 or 3 channels")
    return channels


def letterbox(gray: GrayImage, size: int = INPUT_SIZE, channels: int = 3) -> tuple[FloatArray, float, float, float]:
    """The NCHW [-1, 1] detector input (``channels`` copies of the gray plane) and (scale, pad_x, pad_y) mapping
    input px back to frame px."""
    h, w = gray.shape
    scale = size / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(gray, (nw, nh), interpolation=cv2.INTER_AREA)
    pad_x, pad_y = (size - nw) // 2, (size - nh) // 2
    canvas = np.zeros((size, size), np.float32)
    canvas[pad_y : pad_y + nh, pad_x : pad_x + nw] = small
    x = canvas * (2.0 / 255.0) - 1.0
    # The models were trained on RGB; a gray frame is the same luminance in every channel.
    tensor = np.ascontiguousarray(np.broadcast_to(x, (1, channels, size, size)), dtype=np.float32)
    return tensor, scale, float(pad_x), float(pad_y)


def _iou(box: FloatArray, boxes: FloatArray) -> FloatArray:
    """IoU of one (x0, y0, x1, y1) box against many."""
    ix0 = np.maximum(box[0], boxes[:, 0])
    iy0 = np.maximum(box[1], boxes[:, 1])
    ix1 = np.minimum(box[2], boxes[:, 2])
    iy1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    out: FloatArray = inter / np.maximum(area + areas - inter, 1e-9)
    return out


def weighted_nms(scores: FloatArray, geometry: FloatArray, iou: float = NMS_IOU) -> list[tuple[float, FloatArray]]:
    """MediaPipe's weighted NMS: each cluster becomes the score-weighted mean of its members.

    ``geometry`` rows start with (x0, y0, x1, y1) followed by keypoints; the
    cluster keeps its best score.
    """
    order = np.argsort(-scores)
    remaining = order
    kept: list[tuple[float, FloatArray]] = []
    while remaining.size:
        top = remaining[0]
        overlaps = _iou(geometry[top, :4], geometry[remaining, :4]) > iou
        members = remaining[overlaps]
        weights = scores[members][:, None]
        kept.append((float(scores[top]), (geometry[members] * weights).sum(axis=0) / weights.sum()))
        remaining = remaining[~overlaps]
    return kept


class BlazeFaceDetector:
    """Finds faces in a gray frame with the converted BlazeFace short-range model.

    Usage::

        detector = BlazeFaceDetector(load_backend("onnxruntime", Path("models/face_detector.onnx")))
        faces = detector.detect(frame.gray)
    """

    def __init__(self, backend: InferenceBackend, min_score: float = 0.5) -> None:
        self._backend = backend
        self._input = backend.inputs[0].name
        self._channels = input_channels(backend.inputs[0])
        self._anchors = make_anchors()
        self.min_score = min_score

    def detect(self, gray: GrayImage) -> list[Detection]:
        """Every face above ``min_score``, best first."""
        tensor, scale, pad_x, pad_y = letterbox(gray, channels=self._channels)
        out = self._backend.run({self._input: tensor})
        raw = out["regressors"].reshape(-1, 16)
        logits = np.clip(out["classificators"].reshape(-1), -SCORE_CLIP, SCORE_CLIP)
        scores = (0.5 * (1.0 + np.tanh(0.5 * logits))).astype(np.float32)  # sigmoid without overflow
        keep = scores >= self.min_score
        if not keep.any():
            return []
        raw, anchors, scores = raw[keep], self._anchors[keep], scores[keep]
        centre = raw[:, 0:2] / INPUT_SIZE + anchors
        half = raw[:, 2:4] / INPUT_SIZE / 2.0
        points = raw[:, 4:16].reshape(-1, 6, 2) / INPUT_SIZE + anchors[:, None, :]
        geometry = np.concatenate([centre - half, centre + half, points.reshape(-1, 12)], axis=1)
        results = []
        offset = np.array([pad_x, pad_y], np.float32)
        for score, geo in weighted_nms(scores, geometry.astype(np.float32)):
            px = (geo.reshape(-1, 2) * INPUT_SIZE - offset) / scale
            (x0, y0), (x1, y1) = px[0], px[1]
            box = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
            results.append(Detection(score, box, px[2:].astype(np.float32)))
        return results


def tile_origins(length: int, side: int, overlap: float = TILE_OVERLAP) -> list[int]:
    """Evenly spaced starts of tiles ``side`` px long that cover ``length`` px, neighbours overlapping by at least
    ``overlap`` of a tile (so a face cut by one tile border lies whole in the next tile)."""
    if side >= length:
        return [0]
    count = math.ceil((length - side) / (side * (1.0 - overlap))) + 1
    return [round(i * (length - side) / (count - 1)) for i in range(count)]


def smallest_face_fraction(tiles: int) -> int:
    """N such that faces narrower than about 1/N of the frame width are not found with ``tiles`` (1: no tiling)."""
    return 8 if tiles <= 1 else round(8 * tiles / (1.0 + TILE_OVERLAP))


def _corners(face: Detection) -> tuple[float, float, float, float]:
    x, y, w, h = face.box
    return (x, y, x + w, y + h)


def detect_tiled(detector: BlazeFaceDetector, gray: GrayImage, tiles: int) -> list[Detection]:
    """Faces found in overlapping square tiles about 1/``tiles`` of the frame width, in frame pixels, best first.

    The whole-frame pass sees the frame at 128 px and misses faces narrower than about 1/8 of its width; a tile
    (1.25/``tiles`` of the width, overlap included) is also seen at 128 px, so faces down to about
    1/(6 * ``tiles``) of the width are found (:func:`smallest_face_fraction`), at the cost of one detector run per
    tile. Duplicates from overlapping tiles are merged (the better score is kept).
    """
    h, w = gray.shape
    side = min(h, w, math.ceil(w / tiles * (1.0 + TILE_OVERLAP)))
    found: list[Detection] = []
    for y0 in tile_origins(h, side):
        for x0 in tile_origins(w, side):
            for face in detector.detect(gray[y0 : y0 + side, x0 : x0 + side]):
                x, y, bw, bh = face.box
                shift = np.array([x0, y0], np.float32)
                found.append(Detection(face.score, (x + x0, y + y0, bw, bh), face.keypoints + shift))
    found.sort(key=lambda face: -face.score)
    kept: list[Detection] = []
    for face in found:
        boxes = np.array([_corners(k) for k in [face, *kept]], np.float32)
        if not kept or float(_iou(boxes[0], boxes[1:]).max()) < NMS_IOU:
            kept.append(face)
    return kept


def primary_face(faces: list[Detection], width: int, height: int, centre_weight: float = 0.5) -> Detection | None:
    """The kiosk user: the largest face, penalised by its distance from the frame centre.

    priority = area / frame_area * (1 - centre_weight * distance / half_diagonal)
    """
    if not faces:
        return None
    half_diag = 0.5 * float(np.hypot(width, height))

    def priority(face: Detection) -> float:
        cx = face.box[0] + face.box[2] / 2 - width / 2
        cy = face.box[1] + face.box[3] / 2 - height / 2
        return face.area / (width * height) * (1.0 - centre_weight * float(np.hypot(cx, cy)) / half_diag)

    return max(faces, key=priority)
