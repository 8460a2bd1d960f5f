"""Configuration of the face stage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edge.config.base import Section


class FaceConfig(Section):
    """How faces are found, followed and aligned."""

    tracker: Literal["mediapipe", "fullframe"] = Field(
        default="mediapipe",
        description=(
            "Face tracker: 'mediapipe' runs BlazeFace + FaceMesh (ONNX) with keyframes and optical-flow following; "
            "'fullframe' treats the central square of the frame as the face (no model; pre-cropped footage)."
        ),
    )
    detector_model: str = Field(
        default="face_detector.onnx",
        description=(
            "BlazeFace short-range ONNX file: an absolute path, or a name in the models folder "
            "($GLIMPSE_MODELS, else <repo>/models, else /opt/glimpse/models)."
        ),
    )
    landmark_model: str = Field(
        default="face_landmarks.onnx",
        description="FaceMesh (468 landmarks) ONNX file; resolved like detector_model.",
    )
    min_detection_score: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="BlazeFace score below which a detection is ignored."
    )
    detect_tiles: int = Field(
        default=1,
        ge=1,
        le=4,
        description="When the whole-frame detector pass finds no face, look again in overlapping square tiles about "
        "1.25/N of the frame width (N = this): finds faces down to about 1/(6N) of the frame width instead of 1/8, "
        "at the cost of one detector run per tile on each frame without a face (6 tiles for N=3 at 16:9). "
        "1 = off (live cameras); for "
        "`glimpse analyze` of wide shots try 3.",
    )
    min_presence: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="FaceMesh face-presence probability below which the track is lost."
    )
    occluded_presence: float = Field(
        default=0.9,
        gt=0.0,
        lt=1.0,
        description="Presence probability below which a tracked face is flagged occluded (still tracked).",
    )
    keyframe_interval_ms: float = Field(
        default=200.0,
        ge=0.0,
        description="Landmarks run at most this often; frames in between follow the face with sparse optical flow "
        "(face.follow). 0 runs landmarks on every frame. Longer intervals are cheaper but let the followed "
        "alignment drift further before a keyframe corrects it; with motion.reference='current' that drift no "
        "longer reaches the flow, and 200 ms scored as well as 100 ms on the generated tuning sets "
        "(docs/benchmarks.md).",
    )
    redetect_interval_ms: float = Field(
        default=40.0,
        ge=0.0,
        le=100.0,
        description="While no face is tracked, the detector runs at most this often (0: on every frame); a face "
        "still in view is found again within this time plus one frame.",
    )
    follow: Literal["full", "fast"] = Field(
        default="fast",
        description="How faces are followed between keyframes: 'fast' follows 12 rigid points (eye corners, nose, "
        "forehead) on the frame at half resolution; 'full' follows 20 points spread over the face (mouth corners, "
        "chin and jaw included) with LK on the full frame, about 0.4-0.5 ms more per frame at 24 fps, and talking "
        "breaks its fit more often (more forced keyframes). With motion.reference='current' and the spotter "
        "re-selected, 'fast' scores as well as 'full' on the generated tuning sets (docs/benchmarks.md).",
    )
    flow_max_error_px: float = Field(
        default=1.5,
        gt=0.0,
        description="Mean residual (frame px) of the flow-followed points (see face.follow) against the fitted "
        "similarity, above which a keyframe is forced.",
    )
    smoothing_min_cutoff_hz: float = Field(
        default=0.3,
        gt=0.0,
        description="1-euro filter cutoff of the alignment when the head is still (lower = steadier).",
    )
    smoothing_beta: float = Field(
        default=0.05, ge=0.0, description="1-euro filter speed coefficient (higher = less lag when the head moves)."
    )
    centre_weight: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="How much distance from the frame centre lowers a face's claim to be the primary face.",
    )
    min_eye_distance_px: float = Field(
        default=24.0, gt=0.0, description="Outer-eye-corner distance (frame px) below which the face is too small."
    )
    max_yaw_deg: float = Field(default=30.0, gt=0.0, le=90.0, description="Yaw beyond which the pose is too large.")
    max_pitch_deg: float = Field(default=25.0, gt=0.0, le=90.0, description="Pitch beyond which the pose is too large.")
    blink_ratio: float = Field(
        default=0.6,
        gt=0.0,
        lt=1.0,
        description="Eyes count as closed when their openness falls below this fraction of the track's median.",
    )
