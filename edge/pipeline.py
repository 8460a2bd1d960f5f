"""The analysis chain: frame -> face -> motion -> spotter -> classifier -> events.

The :class:`Analyzer` runs on the analysis thread. It keeps a short history
of face observations, slimmed to what the classifier reads (the aligned crop;
no landmarks or transform), in memory only, so that when the spotter reports
an interval, the classifier can see the onset and apex faces.
Nothing image-like leaves this object: only :class:`~edge.events.model.Event`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from edge.capture.base import Frame
from edge.closing import Closeable
from edge.engine.base import Classifier
from edge.eventfactory import EventFactory
from edge.events.model import EngineInfo, Event
from edge.face.base import FaceObservation, FaceTracker
from edge.metrics import Metrics
from edge.motion.base import MotionAnalyzer
from edge.spotting.base import Interval, Spotter

logger = logging.getLogger(__name__)


@dataclass
class Stages:
    """The stage objects of one pipeline (each a context-managed resource).

    ``engine`` names the inference backend and model the classifier runs on, as known when the stages were built
    (the daemon's stats carry it).
    """

    tracker: FaceTracker
    motion: MotionAnalyzer
    spotter: Spotter
    classifier: Classifier
    engine: EngineInfo = field(default_factory=lambda: EngineInfo(backend="none", model="none", sha256=""))

    def close(self) -> None:
        """Close every stage (each close is idempotent)."""
        for stage in (self.tracker, self.motion, self.spotter, self.classifier):
            stage.close()


def slim(face: FaceObservation) -> FaceObservation:
    """``face`` as the history keeps it: the aligned crop (its own copy, not a view) without the landmarks or the
    frame.

    The classifier reads only ``aligned`` (the onset-to-apex flow); the
    landmarks and transform are about 9 KB a frame, and the frame itself
    (``FaceObservation.frame``, 300 KB at 640x480) would keep every frame of
    a 5 s history at 90 fps alive (about 140 MB).
    """
    aligned = face.aligned
    if aligned is not None and aligned.base is not None:
        aligned = aligned.copy()
    return replace(face, aligned=aligned, transform=None, landmarks=None, aligned_landmarks=None, frame=None)


class Analyzer(Closeable):
    """Runs the stages on each frame and returns the events that became known.

    It owns its stages: ``close()`` (or leaving ``with analyzer:``) closes
    them. ``history_ms`` bounds how far back an onset may lie (longer
    intervals are classified from the oldest observation still held).
    """

    def __init__(self, stages: Stages, factory: EventFactory, metrics: Metrics, history_ms: float = 5000.0) -> None:
        self.stages = stages
        self.factory = factory
        self.metrics = metrics
        self._history_ns = int(history_ms * 1e6)
        self._faces: OrderedDict[int, FaceObservation] = OrderedDict()
        self._arrival_ns: OrderedDict[int, int] = OrderedDict()
        self.faces_seen = 0
        self.frames_seen = 0
        self.last_score = 0.0
        self.face_present = False

    def process(self, frame: Frame, arrival_ns: int | None = None) -> list[Event]:
        if self.frames_seen == 0:
            self.factory.anchor(frame.t_ns)
        self.frames_seen += 1
        with self.metrics.stage("face"):
            face = self.stages.tracker.process(frame)
        if face.found:
            self.faces_seen += 1
        self.face_present = face.found
        self._remember(frame, face, arrival_ns if arrival_ns is not None else time.monotonic_ns())
        with self.metrics.stage("motion"):
            sample = self.stages.motion.process(face)
        with self.metrics.stage("spotting"):
            intervals = self.stages.spotter.update(sample)
        self.last_score = float(self.stages.spotter.score)
        return self._classify(intervals)

    def flush(self) -> list[Event]:
        """End of stream: classify what the spotter still holds."""
        with self.metrics.stage("spotting"):
            intervals = self.stages.spotter.flush()
        return self._classify(intervals)

    def reset(self) -> None:
        """After a pause or a source restart: forget the track and the history."""
        self.stages.tracker.reset()
        self.stages.motion.reset()
        self.stages.spotter.reset()
        self._faces.clear()
        self._arrival_ns.clear()
        self.face_present = False

    def close(self) -> None:
        """Close the stages; idempotent."""
        self.stages.close()

    @property
    def face_found_rate(self) -> float:
        return self.faces_seen / self.frames_seen if self.frames_seen else 0.0

    def _remember(self, frame: Frame, face: FaceObservation, arrival_ns: int) -> None:
        self._faces[frame.index] = slim(face)
        self._arrival_ns[frame.index] = arrival_ns
        while self._faces:
            first = next(iter(self._faces.values()))
            if frame.t_ns - first.t_ns <= self._history_ns:
                break
            index, _ = self._faces.popitem(last=False)
            self._arrival_ns.pop(index, None)

    def _nearest(self, index: int) -> FaceObservation | None:
        if index in self._faces:
            return self._faces[index]
        if not self._faces:
            return None
        return self._faces[min(self._faces, key=lambda i: abs(i - index))]

    def _classify(self, intervals: list[Interval]) -> list[Event]:
        events = []
        for interval in intervals:
            onset, apex = self._nearest(interval.onset_index), self._nearest(interval.apex_index)
            if onset is None or apex is None:
                logger.warning(
                    "interval %d-%d outside the history; skipped", interval.onset_index, interval.offset_index
                )
                continue
            with self.metrics.stage("classify"):
                result = self.stages.classifier.classify(interval, onset, apex)
            arrival = self._arrival_ns.get(interval.offset_index)
            latency_ms = (time.monotonic_ns() - arrival) / 1e6 if arrival is not None else 0.0
            events.append(self.factory.build(interval, result, latency_ms))
            self.metrics.record("event_latency", latency_ms)
        return events
