"""Gray frames from the decoder's Y plane: the range is told right, and every file gives what BGR->gray gave."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture import open_source
from edge.capture.luma import MATCH_TOLERANCE, choose_mode, full_range


def textured(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    blurred = cv2.GaussianBlur(rng.integers(0, 256, (h, w)).astype(np.uint8), (5, 5), 0)
    return np.asarray(cv2.normalize(blurred, None, 0, 255, cv2.NORM_MINMAX), dtype=np.uint8)


def test_full_range_maps_16_235_to_0_255_and_saturates() -> None:
    plane = np.arange(256, dtype=np.uint8).reshape(16, 16)
    mapped = full_range(plane)
    assert mapped.dtype == np.uint8
    assert (mapped.ravel()[:17] == 0).all() and (mapped.ravel()[235:] == 255).all()
    assert mapped.ravel()[128] == round((128 - 16) * 255 / 219)


def test_the_range_is_read_from_the_contrast() -> None:
    gray = textured()
    limited = np.round(16 + gray * (219 / 255)).astype(np.uint8)
    assert choose_mode(gray, gray).name == "y-full"
    mode = choose_mode(gray, limited)
    assert mode.name == "y-limited" and mode.error < 1.0


@pytest.mark.parametrize(("fourcc", "expected"), [("MJPG", "y-full"), ("FMP4", "y-limited"), ("h264", "y-limited")])
def test_a_flat_first_frame_takes_the_codec_convention(fourcc: str, expected: str) -> None:
    plane = np.full((48, 64), 120, np.uint8)
    converted = plane if expected == "y-full" else full_range(plane)
    assert choose_mode(converted, plane, fourcc).name == expected


def test_anything_that_does_not_match_keeps_the_conversion() -> None:
    gray = textured()
    assert choose_mode(gray, None).name == "bgr"
    assert choose_mode(gray, np.zeros((48, 64, 3), np.uint8)).name == "bgr"  # colour came back
    assert choose_mode(gray, gray[:, :32].copy()).name == "bgr"  # packed pixels read as one plane
    mode = choose_mode(gray, textured(seed=1))  # another picture
    assert mode.name == "bgr" and mode.error > MATCH_TOLERANCE


def write(path: Path, fourcc: str, frames: int = 8) -> Path | None:
    rng = np.random.default_rng(3)
    base = cv2.GaussianBlur(rng.integers(0, 256, (96, 128, 3)).astype(np.uint8), (9, 9), 0)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)  # full contrast: dark and bright pixels
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), 25.0, (128, 96))
    if not writer.isOpened():
        return None
    for i in range(frames):
        writer.write(np.roll(base, 3 * i, axis=1))
    writer.release()
    return path


@pytest.mark.parametrize(
    ("fourcc", "suffix", "mode"),
    [("MJPG", "avi", "y-full"), ("mp4v", "mp4", "y-limited"), ("png ", "avi", "bgr"), ("FFV1", "avi", "bgr")],
)
def test_every_frame_matches_the_bgr_conversion(tmp_path: Path, fourcc: str, suffix: str, mode: str) -> None:
    video = write(tmp_path / f"v.{suffix}", fourcc)
    if video is None:
        pytest.skip(f"this OpenCV build cannot write {fourcc!r}")
    reference = cv2.VideoCapture(str(video))
    with open_source(f"file:{video}?realtime=false") as src:
        frames = []
        while (frame := src.read()) is not None:
            ok, bgr = reference.read()
            assert ok
            expected = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            assert frame.gray.shape == expected.shape and frame.gray.dtype == np.uint8
            assert np.abs(frame.gray.astype(int) - expected).mean() <= MATCH_TOLERANCE
            if mode == "bgr":
                assert np.array_equal(frame.gray, expected)
            frames.append(frame)
        reader = src._reader  # which path was taken is what this test is about
        assert reader is not None and reader.mode is not None and reader.mode.name == mode
    assert len(frames) == 8 and not reference.read()[0]
    assert cv2.utils.logging.getLogLevel() != cv2.utils.logging.LOG_LEVEL_ERROR  # the quieting was undone
