"""The engine's input representations (numpy and OpenCV only; no torch).

Classification uses the field's standard STSTNet / MEGC2019 representation
(DESIGN section 3): onset-to-apex optical flow of the aligned face as a
``[3, 28, 28]`` float32 array, channels u (right-positive), v
(down-positive) and optical strain, each min-max normalised per sample to
[0, 1]. Spotting cannot use per-sample min-max (it would blow a still face's
noise up to full range), so the spotting head sees the same channels at a
fixed scale: ``0.5 + flow / (2 * SPOT_FLOW_PX)`` and ``strain /
SPOT_STRAIN``, clipped to [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from edge.errors import UsageError
from edge.motion.flow import create_dis, dense_flow, farneback_flow, optical_strain

FloatArray = npt.NDArray[np.float32]
GrayImage = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]

#: Side of the network input.
INPUT_SIZE = 28
#: Flow (px in a 128-px crop) that maps to the ends of the spotting input range.
SPOT_FLOW_PX = 4.0
#: Strain that maps to 1 in the spotting input.
SPOT_STRAIN = 0.5
#: Flow methods for the once-per-event classification flow.
FLOW_METHODS = ("farneback", "dis_medium", "dis_fast", "dis_ultrafast")


def _resize(channel: FloatArray, size: int) -> FloatArray:
    import cv2

    out = cv2.resize(channel, (size, size), interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.float32)


def minmax(channel: FloatArray) -> FloatArray:
    """Scale to [0, 1] by the channel's own min and max (a flat channel becomes 0)."""
    lo, hi = float(channel.min()), float(channel.max())
    if hi - lo < 1e-12:
        return np.zeros_like(channel, dtype=np.float32)
    return ((channel - lo) / (hi - lo)).astype(np.float32)


def stst_input(u: FloatArray, v: FloatArray, strain: FloatArray, size: int = INPUT_SIZE) -> FloatArray:
    """One ``[3, size, size]`` classification input: u, v, strain resized, each min-max normalised."""
    return np.stack([minmax(_resize(c.astype(np.float32), size)) for c in (u, v, strain)])


def spot_input(u: FloatArray, v: FloatArray, strain: FloatArray, size: int = INPUT_SIZE) -> FloatArray:
    """One ``[3, size, size]`` spotting input at a fixed scale (magnitude is the signal)."""
    su, sv, ss = (_resize(c.astype(np.float32), size) for c in (u, v, strain))
    out = np.stack([0.5 + su / (2 * SPOT_FLOW_PX), 0.5 + sv / (2 * SPOT_FLOW_PX), ss / SPOT_STRAIN])
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def event_flow(onset: GrayImage, apex: GrayImage, method: str = "farneback") -> tuple[FloatArray, FloatArray]:
    """Onset-to-apex flow (u right-positive, v down-positive) with a better method than the per-frame one."""
    if method == "farneback":
        return farneback_flow(onset, apex)
    if method.startswith("dis_") and method[4:] in ("medium", "fast", "ultrafast"):
        return dense_flow(create_dis(method[4:]), onset, apex)
    raise UsageError(f"unknown flow method {method!r}; expected one of {list(FLOW_METHODS)}")


def compensate(
    u: FloatArray, v: FloatArray, head_box: Box | None, mask_boxes: Sequence[Box] = ()
) -> tuple[FloatArray, FloatArray]:
    """Subtract ``head_box``'s mean flow (head motion) and zero the flow inside ``mask_boxes`` (eyes)."""
    if head_box is not None:
        x0, y0, x1, y1 = head_box
        u = u - u[y0:y1, x0:x1].mean()
        v = v - v[y0:y1, x0:x1].mean()
    else:
        u, v = u.copy(), v.copy()
    for x0, y0, x1, y1 in mask_boxes:
        u[y0:y1, x0:x1] = 0.0
        v[y0:y1, x0:x1] = 0.0
    return u, v


def flow_representation(
    onset: GrayImage,
    apex: GrayImage,
    method: str = "farneback",
    head_box: Box | None = None,
    mask_boxes: Sequence[Box] = (),
) -> FloatArray:
    """The ``[3, 28, 28]`` STSTNet input from onset and apex aligned crops.

    ``head_box`` (x0, y0, x1, y1 in crop px, usually the nose bridge) is a
    region whose mean flow is subtracted as head motion (None keeps the flow
    as is); the flow inside ``mask_boxes`` (usually the eyes) is zeroed.
    """
    u, v = compensate(*event_flow(onset, apex, method), head_box, mask_boxes)
    return stst_input(u, v, optical_strain(u, v))


def canonical_representation(onset: GrayImage, apex: GrayImage, method: str = "farneback") -> FloatArray:
    """:func:`flow_representation` with the canonical nose-bridge head box and eye masks of a square crop."""
    from edge.motion.rois import EYE_ROIS, REFERENCE_ROI, canonical_boxes

    boxes = canonical_boxes(onset.shape[0])
    return flow_representation(onset, apex, method, boxes[REFERENCE_ROI], [boxes[n] for n in EYE_ROIS])
