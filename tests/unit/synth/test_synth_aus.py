"""Each action unit moves the expected region in the expected direction, by a bounded amount."""

from __future__ import annotations

import numpy as np
import pytest

from edge.errors import UsageError
from edge.synth.aus import AU_ANCHORS, AUTerm, parse_recipe
from edge.synth.face import VARIANTS, Subject, load_subject
from edge.synth.render import Renderer
from edge.synth.timeline import ClipSpec, Event, Plan

REQUIRED_AUS = {1, 2, 4, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 45}


def _at(subject: Subject, field: np.ndarray, idx: int) -> np.ndarray:
    x, y = subject.landmarks[idx].round().astype(int)
    return field[:, y, x]


def test_every_required_au_is_defined_with_a_unit_peak() -> None:
    subject = load_subject("S01")
    assert set(AU_ANCHORS) >= REQUIRED_AUS
    for au in REQUIRED_AUS:
        peak = np.sqrt((subject.au_field(AUTerm(au)) ** 2).sum(axis=0)).max()
        assert peak == pytest.approx(1.0, rel=1e-5), au


@pytest.mark.parametrize(
    ("au", "landmark", "dx_sign", "dy_sign"),
    [
        (12, 61, -1, -1),  # subject's right mouth corner (image left): outward = left, and up
        (12, 291, +1, -1),
        (15, 61, 0, +1),  # corners down
        (4, 107, +1, +1),  # right inner brow: lowered and pulled to the midline (rightward in the image)
        (4, 336, -1, +1),
        (1, 107, 0, -1),  # inner brow up
        (2, 70, 0, -1),  # outer brow up
        (26, 152, 0, +1),  # chin down
        (17, 152, 0, -1),  # chin up
        (20, 291, +1, 0),  # lip stretched outward
        (45, 159, 0, +1),  # upper lid down
        (45, 386, 0, +1),
        (6, 50, 0, -1),  # cheek up
        (9, 129, 0, -1),  # nose wing up
    ],
)
def test_au_moves_landmark_in_expected_direction(au: int, landmark: int, dx_sign: int, dy_sign: int) -> None:
    subject = load_subject("S01")
    dx, dy = _at(subject, subject.au_field(AUTerm(au)), landmark)
    assert np.hypot(dx, dy) > 0.3, f"AU{au} barely moves landmark {landmark}"
    if dx_sign:
        assert np.sign(dx) == dx_sign, (au, landmark, dx, dy)
    if dy_sign:
        assert np.sign(dy) == dy_sign, (au, landmark, dx, dy)


def test_au_is_local() -> None:
    subject = load_subject("S01")
    field = subject.au_field(AUTerm(12))
    assert np.hypot(*_at(subject, field, 107)) < 0.01  # a smile does not move the brows
    assert np.hypot(*_at(subject, subject.au_field(AUTerm(4)), 152)) < 0.01  # a frown does not move the chin


def test_unilateral_au_moves_one_side_only() -> None:
    subject = load_subject("S01")
    right = subject.au_field(AUTerm(12, "R"))
    assert np.hypot(*_at(subject, right, 61)) > 0.3  # subject's right = image left
    assert np.hypot(*_at(subject, right, 291)) < 0.01


def test_blink_closes_the_eye_by_its_opening() -> None:
    plan = Plan(ClipSpec(noise_sigma=0.0), 0, 30, [Event("blink", "45", "", 0, 10, 20, 1.0)])
    renderer = Renderer(plan)
    disp = renderer.displacement(10)
    assert disp is not None
    dy = _at(renderer.subject, disp, 159)[1]
    assert dy == pytest.approx(renderer.subject.eye_opening_px, rel=0.15)


def test_au12_seen_by_optical_flow() -> None:
    """Rendered pixels (not just the field) move the mouth corners up and outward."""
    import cv2

    spec = ClipSpec(noise_sigma=0.0, light_drift=0.0, flicker=0.0, head_drift_px=0.0)
    plan = Plan(spec, 0, 30, [Event("macro", "12", "", 0, 10, 20, 0.04)])
    renderer = Renderer(plan)
    flow = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(
        renderer.frame(0), renderer.frame(10), None
    )
    m = renderer.pose(0)
    for idx, outward in ((61, -1), (291, +1)):
        x, y = (m[:, :2] @ renderer.subject.landmarks[idx] + m[:, 2]).round().astype(int)
        u, v = flow[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 2).mean(axis=0)
        assert v < -0.5 and np.sign(u) == outward, (idx, u, v)


def test_pseudo_subjects_differ_but_share_the_landmark_topology() -> None:
    images = [load_subject(name) for name in sorted(VARIANTS)]
    assert all(s.landmarks.shape == (468, 2) for s in images)
    widths = {round(s.face_width_px) for s in images}
    assert len(widths) >= 4


def test_parse_recipe() -> None:
    assert [str(t) for t in parse_recipe("AU1+4+R14")] == ["1", "4", "R14"]
    with pytest.raises(UsageError, match="'99'"):
        parse_recipe("1+99")
