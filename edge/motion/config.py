"""Configuration of the motion stage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edge.config.base import Section


class MotionConfig(Section):
    """Optical flow of the aligned face."""

    k_ms: float = Field(
        default=100.0, gt=0, le=1000, description="Flow is computed between the frame at t - k_ms and t."
    )
    type: Literal["dis"] = Field(
        default="dis", description="Motion analyzer: 'dis' (OpenCV DIS optical flow of the aligned face)."
    )
    preset: Literal["ultrafast", "fast", "medium"] = Field(
        default="ultrafast",
        description="DIS preset for the per-frame flow: ultrafast (~0.2 ms per 128x128 pair), fast, medium.",
    )
    k_tolerance: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Accept a reference frame whose age is within k_ms * (1 ± k_tolerance); otherwise the sample "
        "is invalid (too little history or a gap in the stream).",
    )
    reference: Literal["own", "current"] = Field(
        default="current",
        description="How the t - k crop is aligned for the flow: 'current' re-warps the t - k frame with the "
        "transform of t, so both ends share one alignment and landmark corrections (keyframes, FaceMesh moving its "
        "mesh on a blink) are not measured as motion; 'own' uses the crop as the face stage aligned it then. "
        "'current' with face.follow='fast', keyframes every 200 ms and the spotter re-selected for them scores "
        "best on the generated tuning sets, still, held and busy (docs/benchmarks.md, issue 13 sixth part). "
        "Trackers that give no frame (fullframe) always use 'own'.",
    )
    head_compensation: bool = Field(
        default=True, description="Subtract the nose-bridge region's mean flow from the whole face (head motion)."
    )
    eye_mask: bool = Field(
        default=True,
        description="Zero the flow inside the eye regions and leave them out of the ROI features (blinks).",
    )
    blink_flow_px: float = Field(
        default=0.7,
        ge=0.0,
        le=50.0,
        description="Flag a sample as a blink when the mean vertical flow of an eye region exceeds this (px, after "
        "head compensation; 0 disables the flag). 0.7 separates the generator's blinks (up to ~1.8 px) from every "
        "expression and talking frame of tune-ci (at most 0.53 px); see docs/benchmarks.md.",
    )
    blink_brow_ratio: float = Field(
        default=0.5,
        ge=0.0,
        le=10.0,
        description="...and exceeds this times the brows' mean vertical flow (a brow movement drags the lids; the "
        "flow of a blink bleeds into the brow regions at about 0.7-0.9 of the eyes', so 2 never fired).",
    )
    keep_flow: bool = Field(
        default=False,
        description="Attach the dense flow (u, v, strain) to every sample; needed by the learned spotter, which "
        "turns it on by itself.",
    )
    rest_every_ms: float = Field(
        default=100.0,
        ge=0,
        le=1000,
        description="Measure the displacement from rest (flow from a rest reference crop, MotionSample.rest_px) "
        "every this much sensor time and hold it in between (0 = off; the roiflow macro pass then falls back to "
        "the t - k flow).",
    )
    rest_refresh_px: float = Field(
        default=1.0,
        ge=0,
        le=20,
        description="The rest reference moves to the current crop once every region has stayed within this "
        "displacement (px) of it for rest_refresh_ms: drift is absorbed at rest, a movement is not.",
    )
    rest_refresh_ms: float = Field(default=500.0, ge=0, le=10000, description="See rest_refresh_px.")
    rest_max_age_ms: float = Field(
        default=10000.0,
        gt=0,
        le=60000,
        description="The rest reference moves to the current crop when it is this old, whatever the face does "
        "(a new pose, or an expression held that long, becomes the new rest). Longer than the longest macro-expression "
        "(spotting.max_ms), so that a forced move rarely cuts one in two.",
    )
