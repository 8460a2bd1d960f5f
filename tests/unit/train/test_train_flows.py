"""`glimpse train --flows`: manifests of 28x28 RGB flow PNGs, LOSO from scratch or from the shipped model.

The flow images are generated here: onset/apex face pairs rendered by edge.synth, turned into the engine's own
classification input (Farneback flow, head motion removed, eyes masked, u / v / strain min-max normalised)
and written in the distributed format (8-bit RGB PNG).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from edge.engine.labels import COMPOSITE_CLASSES
from edge.errors import UsageError
from edge.evaluation.formats import read_recognition
from edge.evaluation.recognition import score_recognition
from edge.train.flows import read_manifest, write_flow_image

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "models" / "glimpse_me.onnx"
TORCH = "PyTorch is not installed (the 'train' extra): glimpse train cannot run"


def _parser() -> argparse.ArgumentParser:
    from edge.train import cli as train_cli

    parser = argparse.ArgumentParser()
    train_cli.register(parser.add_subparsers())
    return parser


@pytest.fixture(scope="module")
def synth_flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manifest of flow PNGs from edge.synth pairs: subjects S01-S03 as 'synth_a', S04-S06 as 'synth_b'."""
    from edge.motion.features import canonical_representation
    from edge.synth.pairs import make_pairs

    root = tmp_path_factory.mktemp("flows")
    lines = ["path,subject,label,dataset"]
    for k, (onset, apex, labels) in enumerate(make_pairs(60, seed=3)):
        if labels["composite"] not in COMPOSITE_CLASSES:
            continue  # single-AU pairs have no class
        subject = str(labels["subject"])
        dataset = "synth_a" if subject in ("S01", "S02", "S03") else "synth_b"
        name = f"img/{subject}_{k:03d}.png"
        write_flow_image(root / name, canonical_representation(onset, apex))
        label = labels["composite"] if k % 2 else str(COMPOSITE_CLASSES.index(labels["composite"]))
        lines.append(f"{name},{subject},{label},{dataset}")
    (root / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "manifest.csv"


def test_png_channels_are_u_v_strain_and_bad_rows_are_skipped(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.random((3, 28, 28)).astype(np.float32)
    x[:, 0, 0], x[:, 0, 1] = 0.0, 1.0  # each channel spans [0, 1], as the format has it
    write_flow_image(tmp_path / "a.png", x)
    write_flow_image(tmp_path / "sub" / "b.png", x[::-1].copy())
    import cv2

    cv2.imwrite(str(tmp_path / "big.png"), np.zeros((32, 32, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "gray.png"), np.zeros((28, 28), np.uint8))
    rows = ["a.png,7,negative", "sub/b.png,8,2", "a.png,7,fear", "none.png,7,0", "big.png,7,1", "gray.png,7,1"]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    flows = read_manifest(tmp_path / "m.csv")
    assert np.abs(flows.x[0] - x).max() <= 0.5 / 255 + 1e-6  # R, G, B = u, v, strain
    assert np.abs(flows.x[1] - x[::-1]).max() <= 0.5 / 255 + 1e-6
    assert flows.label.tolist() == [0, 2] and flows.subject == ("7", "8") and flows.dataset == ("flows", "flows")
    reasons = [row.reason for row in flows.skipped]
    assert [row.source.rsplit(":", 1)[-1] for row in flows.skipped] == ["3", "4", "5", "6"]
    assert "label 'fear' unknown" in reasons[0] and "missing or not an image" in reasons[1]
    assert "is 32x32; expected 28x28" in reasons[2] and "expected RGB (u, v, strain)" in reasons[3]


def test_loso_from_scratch_reports_overall_and_per_dataset(synth_flows: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch", reason=TORCH)
    from edge.train.flows_fit import FlowBudget, run_flows

    flows = read_manifest(synth_flows)
    assert not flows.skipped and set(flows.counts()) == {"synth_a", "synth_b"}
    report = run_flows(flows, tmp_path, "t", FlowBudget(epochs=1, batch=16), None)
    assert report["folds"] == 6 and report["rows_used"] == len(flows) and report["init"] is None
    assert set(report["scores"]["datasets"]) == {"synth_a", "synth_b"}
    rows = read_recognition(tmp_path / "t.flows.loso.csv")
    assert sorted(r.clip for r in rows) == sorted(flows.clip)  # one prediction per image
    rescored = score_recognition(rows, COMPOSITE_CLASSES)
    assert round(rescored.overall.uf1, 4) == report["uf1"] and round(rescored.overall.uar, 4) == report["uar"]
    for row in rows:
        assert abs(sum(row.scores.values()) - 1.0) < 1e-3 and row.pred == max(row.scores, key=row.scores.__getitem__)


def test_each_fold_trains_on_every_other_subject_only(synth_flows: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch", reason=TORCH)
    from edge.evaluation.loso import loso_folds
    from edge.train import flows_fit

    flows = read_manifest(synth_flows)
    trained: list[np.ndarray] = []
    real_fit = flows_fit.fit

    def recording_fit(
        x: np.ndarray, label: np.ndarray, budget: flows_fit.FlowBudget, init: Path | None = None
    ) -> object:
        trained.append(x.copy())
        assert budget == flows_fit.FlowBudget(epochs=1, batch=16)  # the same fixed budget in every fold
        return real_fit(x, label, budget, init)

    monkeypatch.setattr(flows_fit, "fit", recording_fit)
    flows_fit.loso(flows, flows_fit.FlowBudget(epochs=1, batch=16), None)
    folds = loso_folds(flows.folds())
    assert len(trained) == len(folds) == 6
    for fold, x in zip(folds, trained, strict=True):
        np.testing.assert_array_equal(x, flows.x[list(fold.train)])
        assert not set(fold.train) & set(fold.test)


def test_init_loads_the_shipped_model_exactly(synth_flows: Path) -> None:
    pytest.importorskip("torch", reason=TORCH)
    from edge.engine.model import classify_flow
    from edge.train.flows_fit import emotion_probabilities, init_from_onnx
    from edge.train.net import GlimpseNet

    flows = read_manifest(synth_flows)
    net = init_from_onnx(GlimpseNet(), SHIPPED).eval()
    np.testing.assert_allclose(emotion_probabilities(net, flows.x), classify_flow(flows.x, SHIPPED), atol=1e-5)


def test_cli_fine_tunes_from_the_shipped_model(
    synth_flows: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch", reason=TORCH)
    from edge.engine.model import classify_flow

    out = tmp_path / "out"
    argv = ["train", "--flows", str(synth_flows), "--init", "shipped", "--lr", "0", "--epochs", "1", "--threads", "1"]
    args = _parser().parse_args([*argv, "--out", str(out), "--name", "ft"])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "fine-tuned from" in printed and "synth_a: n" in printed and "synth_b: n" in printed
    report = json.loads((out / "ft.flows.report.json").read_text())
    assert report["budget"] == {"epochs": 1, "lr": 0.0, "batch": 32, "weight_decay": 0.0001, "seed": 0}
    assert report["init"]["path"].endswith("glimpse_me.onnx") and len(report["init"]["sha256"]) == 64
    # with a zero learning rate every fold keeps the shipped weights: its predictions are the shipped model's
    flows = read_manifest(synth_flows)
    shipped = {
        clip: COMPOSITE_CLASSES[int(np.argmax(p))]
        for clip, p in zip(flows.clip, classify_flow(flows.x, SHIPPED), strict=True)
    }
    with (out / "ft.flows.loso.csv").open(newline="") as handle:
        predicted = {row["clip"]: row["pred"] for row in csv.DictReader(handle)}
    assert predicted == shipped


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (["--init", "shipped"], "--init applies to --flows only"),
        (["--flows", "m.csv"], "--out is required with --flows"),
        (["--flows", "m.csv", "--out", "/tmp/x", "--dataset", "casme2", "--root", "/x"], "cannot be combined"),
        (["--flows", "m.csv", "--out", str(REPO / "runs")], "inside the Glimpse repository"),
    ],
)
def test_flows_usage_errors(extra: list[str], why: str) -> None:
    if why == "inside the Glimpse repository" and not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to protect")
    args = _parser().parse_args(["train", *extra])
    with pytest.raises(UsageError, match=re.escape(why)):  # the CLI prints it as one line and exits 2
        args.func(args)
