"""`glimpse train --dataset`: a tiny fake CASME II tree (invented rows, synthetic faces) through the trainer."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import cv2
import numpy as np
import openpyxl
import pytest

from edge.datasets import load_dataset
from edge.errors import DatasetError, UsageError
from edge.face.fullframe import FullFrameTracker
from edge.train.datasets import (
    SYNTHETIC,
    DatasetRoot,
    Prepared,
    apex_frame,
    engine_aus,
    folds,
    load_all,
    prepare,
    with_synthetic,
)

from tests_support import CASME2_HEADER

REPO = Path(__file__).resolve().parents[3]
HEADER = CASME2_HEADER
EMOTION = {"negative": "disgust", "positive": "happiness", "surprise": "surprise"}


def _pairs(n: int) -> list[tuple[np.ndarray, np.ndarray, str, str]]:
    """``n`` synthetic (onset, apex, composite, AU recipe) full frames, the three classes taking turns."""
    from edge.synth import make_pairs

    by_class: dict[str, list[tuple[np.ndarray, np.ndarray, str, str]]] = {c: [] for c in EMOTION}
    for a, b, lab in make_pairs(6 * n, 3, crop_to="frame"):
        if lab["composite"] in EMOTION:
            by_class[str(lab["composite"])].append((a, b, str(lab["composite"]), str(lab["aus"])))
    return [by_class[c][k // 3] for k, c in zip(range(n), list(EMOTION) * n, strict=False)]


def _write(path: Path, gray: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), gray, [cv2.IMWRITE_JPEG_QUALITY, 92])


def build_casme2(root: Path, blank_clip: bool = False) -> Path:
    """Subjects 01-03, three clips each, plus an 'others' row and a '/' apex; frames at 320x240."""
    rows: list[list[object]] = [HEADER]
    pairs = iter(_pairs(9))
    for s in (1, 2, 3):
        for c in range(3):
            onset, apex, composite, recipe = next(pairs)
            clip = f"EP{s:02d}_{c:02d}f"
            on, ap, off = 46 + c, 59 + c, 86 + c
            slash = s == 2 and c == 1
            if slash:  # CASME II quirk: apex '/', the trainer uses the middle frame
                ap = (on + off) // 2
            if blank_clip and s == 3 and c == 2:  # no face anywhere in this clip
                onset = apex = np.full_like(onset, 128)
            folder = root / "CASME2_RAW_selected" / f"sub{s:02d}" / clip
            for n, image in ((on, onset), (ap, apex), (off, onset)):
                _write(folder / f"img{n}.jpg", image)
            rows.append([f"{s:02d}", clip, None, on, "/" if slash else ap, off, None, recipe, EMOTION[composite]])
    rows.append(["01", "EP09_09", None, 10, 12, 20, None, "4", "others"])  # dropped: no composite class
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=col, value=value)
    book.save(root / "CASME2-coding-20140508.xlsx")
    return root


@pytest.fixture(scope="module")
def casme2_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_casme2(tmp_path_factory.mktemp("casme2"))


@pytest.fixture(scope="module")
def prepared(casme2_root: Path) -> Prepared:
    samples = load_all([DatasetRoot("casme2", casme2_root)])
    return prepare(samples, FullFrameTracker())


def test_only_composite_samples_are_selected(casme2_root: Path) -> None:
    everything = load_dataset("casme2", casme2_root)
    chosen = load_all([DatasetRoot("casme2", casme2_root)])
    assert len(everything) == 10 and len(chosen) == 9
    assert all(s.composite in EMOTION for s in chosen)


def test_samples_become_stst_representations(prepared: Prepared) -> None:
    data = prepared.data
    expressive = data.label >= 0
    assert data.x_cls.shape == (len(data), 3, 28, 28) and data.x_cls.dtype == np.float32
    assert data.x_cls.min() >= 0.0 and data.x_cls.max() <= 1.0
    assert int(expressive.sum()) == 9 and prepared.n_real == len(data)
    # min-max per sample: each channel of an expressive pair spans [0, 1]
    assert np.allclose(data.x_cls[expressive].max(axis=(2, 3)), 1.0)
    # onset-to-offset rest pairs train the spotting head only
    assert set(data.spot[~expressive]) == {0.0} and set(data.spot[expressive]) == {1.0}
    assert prepared.datasets["casme2"]["used"] == 9 and prepared.datasets["casme2"]["subjects"] == 3
    assert any("apex unknown -> middle frame 67" in q for q in prepared.quirks)


def test_loso_folds_are_by_dataset_and_subject(prepared: Prepared) -> None:
    got = folds(prepared)
    assert [key for key, _, _ in got] == [("casme2", "01"), ("casme2", "02"), ("casme2", "03")]
    for key, train, test in got:
        assert {prepared.keys[i] for i in test} == {key}
        assert key not in {prepared.keys[i] for i in train}
        assert len(train) + len(test) < len(prepared.data)  # the held-out subject's rest pairs are in neither


def test_synthetic_rows_are_always_training_rows(prepared: Prepared) -> None:
    mixed = with_synthetic(prepared, prepared.data)  # the same arrays stand in for synthetic rows
    got = folds(mixed)
    assert len(got) == 3
    synthetic = set(range(mixed.n_real, len(mixed.data)))
    for _, train, test in got:
        assert synthetic <= set(train.tolist()) and not synthetic & set(test.tolist())
    assert {k[0] for k in mixed.keys[mixed.n_real :]} == {SYNTHETIC}


def test_missing_apex_uses_middle_frame_and_aus_map() -> None:
    from edge.datasets import Sample

    sample = Sample("casme2", "01", "c", "c", 10, None, 31, ("AU4", "AU12R", "AU99", "x"), "d", "negative", "micro",
                    200.0, Path("."), "img{n}.jpg")  # fmt: skip
    quirks: list[str] = []
    assert apex_frame(sample, quirks) == 20 and quirks == ["casme2 'c': apex unknown -> middle frame 20"]
    assert engine_aus(sample.aus) == (4, 12)


def test_missing_and_malformed_frames_raise(tmp_path: Path, casme2_root: Path) -> None:
    import shutil

    root = tmp_path / "casme2"
    shutil.copytree(casme2_root, root)
    frame = root / "CASME2_RAW_selected" / "sub02" / "EP02_00f" / "img59.jpg"
    frame.write_bytes(b"not a jpeg")
    samples = load_all([DatasetRoot("casme2", root)])
    with pytest.raises(DatasetError, match=r"'EP02_00f'.*img59\.jpg.*not a readable image"):
        prepare(samples, FullFrameTracker())
    frame.unlink()
    with pytest.raises(DatasetError, match=r"'EP02_00f'.*img59\.jpg.*does not exist"):
        prepare(samples, FullFrameTracker())


def _mediapipe_tracker() -> object:
    from edge.config import load_config
    from edge.face.registry import build_tracker

    if not (REPO / "models" / "face_detector.onnx").is_file():
        pytest.skip("models/face_detector.onnx absent: the default face tracker cannot run")
    config, _ = load_config(None, [], environ={})
    return build_tracker(config)


def test_default_tracker_aligns_raw_frames_and_skips_faceless_samples(tmp_path: Path) -> None:
    root = build_casme2(tmp_path, blank_clip=True)
    tracker = _mediapipe_tracker()
    try:
        got = prepare(load_all([DatasetRoot("casme2", root)]), tracker)  # type: ignore[arg-type]
    finally:
        tracker.close()  # type: ignore[attr-defined]
    assert got.skipped_no_face == ["casme2/03/EP03_02f"]
    assert got.datasets["casme2"]["skipped_no_face"] == 1 and got.datasets["casme2"]["used"] == 8
    assert got.data.x_cls.shape[1:] == (3, 28, 28)


def _train_parser() -> argparse.ArgumentParser:
    from edge.train import cli as train_cli

    parser = argparse.ArgumentParser()
    train_cli.register(parser.add_subparsers())
    return parser


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (["--dataset", "casme2"], "one --root each"),
        (["--dataset", "casme2", "--root", "x"], "--out is required"),
        (["--dataset", "casme2", "--root", "x", "--out", str(REPO / "models")], "inside the Glimpse repository"),
    ],
)
def test_dataset_usage_errors(extra: list[str], why: str) -> None:
    args = _train_parser().parse_args(["train", *extra])
    if why == "inside the Glimpse repository" and not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to protect")
    with pytest.raises(UsageError, match=re.escape(why)):  # the CLI prints it as one line and exits 2
        args.func(args)


def test_one_epoch_training_exports_model_and_card(
    casme2_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch", reason="PyTorch is not installed (the 'train' extra): glimpse train cannot run")
    out = tmp_path / "out"
    argv = ["train", "--dataset", "casme2", "--root", str(casme2_root), "--out", str(out), "--name", "fake"]
    argv += ["--epochs", "1", "--set", "face.tracker=fullframe", "--threads", "1"]
    args = _train_parser().parse_args(argv)
    assert args.func(args) == 0, capsys.readouterr().out
    files = {p.name for p in out.iterdir()}
    assert files == {"fake.onnx", "fake.int8.onnx", "fake.card.md", "fake.report.json", "fake.loso.csv"}
    card = (out / "fake.card.md").read_text()
    assert "**casme2**" in card and "governs this model" in card and "Do not commit it" in card
    report = json.loads((out / "fake.report.json").read_text())
    assert report["loso"]["n"] == 9 and report["loso"]["subjects"] == 3
    assert set(report["loso"]["datasets"]) == {"casme2"} and 0.0 <= report["loso"]["uf1"] <= 1.0
    assert report["face_tracker"] == "fullframe" and report["budget"]["epochs"] == 1
    # the per-sample predictions rescore to the same pooled numbers with edge.evaluation's reader
    from edge.evaluation.formats import read_recognition
    from edge.evaluation.recognition import score_recognition

    rescored = score_recognition(read_recognition(out / "fake.loso.csv"), ["negative", "positive", "surprise"])
    assert rescored.overall.n == 9 and round(rescored.overall.uf1, 4) == report["loso"]["uf1"]

    import onnxruntime as ort

    session = ort.InferenceSession(str(out / "fake.onnx"), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"x": np.zeros((2, 3, 28, 28), np.float32)})
    assert [o.shape[0] for o in outputs] == [2, 2, 2]
    assert "trained fake on casme2" in capsys.readouterr().out


def test_synthetic_training_is_unchanged_without_datasets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch", reason="PyTorch is not installed (the 'train' extra): glimpse train cannot run")
    argv = ["train", "--source", "synth", "--subjects", "2", "--per-subject", "4", "--epochs", "1", "--threads", "1"]
    args = _train_parser().parse_args([*argv, "--no-loso", "--out", str(tmp_path), "--name", "syn"])
    assert args.func(args) == 0
    assert "Trained only on synthetic data" in (tmp_path / "syn.card.md").read_text()
    assert not (tmp_path / "syn.loso.csv").exists() and "trained syn:" in capsys.readouterr().out
