"""The analyzer's face history: only what the classifier reads, bounded in time."""

from __future__ import annotations

import numpy as np

from edge.capture.base import Frame
from edge.engine.base import Classification
from edge.eventfactory import EventFactory
from edge.face.base import FaceObservation
from edge.metrics import Metrics
from edge.pipeline import Analyzer, Stages
from edge.spotting.base import Interval

from pipeline_fakes import EveryNSpotter, ListSource, StepMotion


class LandmarkTracker:
    """A found face per frame with a crop cut from a bigger buffer (a view) and full landmarks."""

    def __init__(self) -> None:
        self.crops: dict[int, np.ndarray] = {}

    def process(self, frame: Frame) -> FaceObservation:
        buffer = np.full((4, 16, 16), frame.index % 251, np.uint8)
        self.crops[frame.index] = buffer[1].copy()
        lm = np.full((468, 3), float(frame.index), np.float32)
        return FaceObservation(
            frame.index, frame.t_ns, True, aligned=buffer[1], transform=np.eye(2, 3, dtype=np.float32),
            landmarks=lm, aligned_landmarks=lm[:, :2], pose_deg=(0.0, 0.0, 0.0), box=(0.0, 0.0, 16.0, 16.0),
            frame=frame.gray,
        )  # fmt: skip

    def reset(self) -> None: ...

    def close(self) -> None: ...


class SeenClassifier:
    def __init__(self) -> None:
        self.seen: list[tuple[Interval, FaceObservation, FaceObservation]] = []

    def classify(self, interval: Interval, onset: FaceObservation, apex: FaceObservation) -> Classification:
        self.seen.append((interval, onset, apex))
        return Classification(emotion="unknown", emotion_scores={"unknown": 1.0})

    def close(self) -> None: ...


def test_history_keeps_only_own_aligned_crops_within_its_span() -> None:
    tracker, classifier = LandmarkTracker(), SeenClassifier()
    analyzer = Analyzer(
        Stages(tracker, StepMotion(), EveryNSpotter(25), classifier), EventFactory("dev", "list"), Metrics(),
        history_ms=200.0,
    )  # fmt: skip
    source = ListSource(300, fps=100.0)
    source.open()
    while (frame := source.read()) is not None:
        analyzer.process(frame)
    history = list(analyzer._faces.values())
    # 200 ms at 100 fps: the newest frame and the 20 before it, never the whole stream.
    assert [f.frame_index for f in history] == list(range(279, 300))
    for face in history:
        assert face.landmarks is None and face.aligned_landmarks is None and face.transform is None
        assert face.frame is None  # a 5 s history must not keep every whole frame alive
        assert face.aligned is not None and face.aligned.base is None  # not a view pinning a bigger buffer
        np.testing.assert_array_equal(face.aligned, tracker.crops[face.frame_index])
    assert len(classifier.seen) == 11  # every 25th frame from 25 to 275
    for interval, onset, apex in classifier.seen:
        assert (onset.frame_index, apex.frame_index) == (interval.onset_index, interval.apex_index)
        assert onset.found and onset.t_ns == interval.onset_index * 10_000_000
        np.testing.assert_array_equal(onset.aligned, tracker.crops[interval.onset_index])
        np.testing.assert_array_equal(apex.aligned, tracker.crops[interval.apex_index])
