from __future__ import annotations

import math

import numpy as np
import pytest

from edge.face import align
from edge.face.base import ALIGNED_SIZE


def test_fit_similarity_recovers_a_known_transform() -> None:
    rng = np.random.default_rng(0)
    src = rng.uniform(-1, 1, (10, 2)).astype(np.float32)
    a, b = 40 * math.cos(0.3), 40 * math.sin(0.3)
    dst = src @ np.array([[a, -b], [b, a]], np.float32).T + np.array([100, 50], np.float32)
    got = align.fit_similarity(src, dst)
    assert got == pytest.approx((a, b, 100, 50), abs=1e-3)


def test_crop_transform_puts_the_reference_face_at_the_datasets_framing() -> None:
    # a frontal face whose anchors sit exactly at ANCHOR_REF, 60 px eye distance, rotated 10 degrees
    theta = math.radians(10)
    params = (60 * math.cos(theta), 60 * math.sin(theta), 320.0, 240.0)
    m = align.crop_transform(params)
    to_frame = np.array([[params[0], -params[1], params[2]], [params[1], params[0], params[3]]], np.float32)
    cheeks = align.apply_affine(to_frame, np.array([[-0.7472, 0.22], [0.7472, 0.22]], np.float32))
    brow_chin = align.apply_affine(to_frame, np.array([[0.0, -0.3066], [0.0, 1.3039]], np.float32))
    crop_cheeks = align.apply_affine(m, cheeks)[:, 0] / ALIGNED_SIZE
    crop_y = align.apply_affine(m, brow_chin)[:, 1] / ALIGNED_SIZE
    assert crop_cheeks == pytest.approx([-0.10, 1.07], abs=1e-3)
    assert crop_y == pytest.approx([0.095, 1.03], abs=1e-3)
    # roll, scale and position are undone: the same face rolled -25 degrees, smaller, elsewhere gives the same crop
    other = (45 * math.cos(math.radians(-25)), 45 * math.sin(math.radians(-25)), 100.0, 400.0)
    other_frame = np.array([[other[0], -other[1], other[2]], [other[1], other[0], other[3]]], np.float32)
    face_points = np.array([[-0.7472, 0.22], [0.7472, 0.22], [0.0, -0.3066], [0.0, 1.3039]], np.float32)
    here = align.apply_affine(m, align.apply_affine(to_frame, face_points))
    there = align.apply_affine(align.crop_transform(other), align.apply_affine(other_frame, face_points))
    assert there == pytest.approx(here, abs=1e-2)


def test_eye_similarity_of_mapped_reference_is_exact() -> None:
    lm = np.zeros((468, 3), np.float32)
    to_frame = np.array([[50.0, -5.0, 300.0], [5.0, 50.0, 200.0]], np.float32)
    lm[list(align.ANCHORS), :2] = align.apply_affine(to_frame, align.ANCHOR_REF)
    assert align.eye_similarity(lm) == pytest.approx((50, 5, 300, 200), abs=1e-3)


def test_head_pose_of_a_flat_upright_face_is_zero_and_roll_follows_rotation() -> None:
    lm = np.zeros((468, 3), np.float32)
    lm[234], lm[454], lm[10], lm[152] = [0, 50, 0], [100, 50, 0], [50, 0, 0], [50, 110, 0]
    assert align.head_pose_deg(lm) == pytest.approx((0, 0, 0), abs=1e-4)
    lm[454] = [100, 50, 100]  # right side of the image recedes: yaw 45
    assert align.head_pose_deg(lm)[0] == pytest.approx(45, abs=1e-3)
    lm[454] = [100, 150, 0]  # cheek line tilted clockwise by 45 degrees
    assert align.head_pose_deg(lm)[2] == pytest.approx(45, abs=1e-3)


def test_one_euro_filter_damps_noise_but_follows_a_step() -> None:
    rng = np.random.default_rng(0)
    f = align.OneEuroFilter(min_cutoff_hz=0.3, beta=0.05)
    t = [int(i * 1e9 / 30) for i in range(120)]
    noisy = [f(np.array([100.0 + rng.normal(0, 0.5)]), ti)[0] for ti in t[:60]]
    assert np.std(np.diff(noisy[10:])) < 0.2 * np.sqrt(2) * 0.5
    for ti in t[60:]:
        out = f(np.array([140.0]), ti)[0]
    assert out == pytest.approx(140.0, abs=1.0)
