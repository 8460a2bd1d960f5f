"""The classifier the daemon calls once per spotted interval."""

from __future__ import annotations

import logging

from edge.closing import Closeable
from edge.engine.base import ActionUnitScore, Classification
from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS
from edge.engine.model import EngineModel
from edge.face.base import FaceObservation
from edge.facs import AU_NAMES
from edge.motion import rois
from edge.motion.features import flow_representation
from edge.spotting.base import Interval

logger = logging.getLogger(__name__)


class EngineClassifier(Closeable):
    """Emotion and AUs of an interval from its onset and apex aligned crops.

    The onset-to-apex flow is computed once per event with a better method
    than the per-frame one (``flow_method``), head motion removed at the
    nose bridge and the eyes masked, as the model was trained.

    Usage::

        with EngineClassifier(open_model()) as classifier:
            result = classifier.classify(interval, onset_face, apex_face)
    """

    def __init__(self, model: EngineModel, flow_method: str = "farneback", au_min_p: float = 0.5) -> None:
        self._model = model
        self._flow_method = flow_method
        self._au_min_p = au_min_p

    def classify(self, interval: Interval, onset: FaceObservation, apex: FaceObservation) -> Classification:
        if onset.aligned is None or apex.aligned is None or onset.aligned.shape != apex.aligned.shape:
            logger.warning("interval at frame %d has no usable onset/apex crops; class unknown", interval.apex_index)
            return self._unknown()
        boxes = rois.canonical_boxes(onset.aligned.shape[0])
        x = flow_representation(
            onset.aligned,
            apex.aligned,
            self._flow_method,
            boxes[rois.REFERENCE_ROI],
            [boxes[n] for n in rois.EYE_ROIS],
        )
        out = self._model.run(x[None])
        probs = out["emotion"].reshape(-1)
        scores = {c: round(float(p), 4) for c, p in zip(COMPOSITE_CLASSES, probs, strict=True)}
        aus = [
            ActionUnitScore(au, AU_NAMES[au], round(float(p), 4))
            for au, p in zip(ENGINE_AUS, out["au"].reshape(-1), strict=True)
            if p >= self._au_min_p
        ]
        return Classification(
            max(scores, key=scores.__getitem__),
            scores,
            sorted(aus, key=lambda a: -a.p),
            self._model.backend_name,
            self._model.name,
            self._model.sha256,
        )

    def _unknown(self) -> Classification:
        return Classification("unknown", {}, [], self._model.backend_name, self._model.name, self._model.sha256)

    def close(self) -> None:
        self._model.close()
