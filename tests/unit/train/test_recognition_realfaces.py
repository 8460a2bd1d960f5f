"""The shipped model on a held-out identity, its calibration report, and the calibration/corpus helpers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import edge.config  # noqa: F401 - import order (config before stage modules)
from edge.engine import COMPOSITE_CLASSES, canonical_representation, classify_flow
from edge.paths import models_dir
from edge.train import calibrate as cal
from edge.train.corpus import RECIPES, recipe_aus, render_pair, subject_of
from edge.train.identities import ASTRONAUT, CANVAS, astronaut
from edge.train.realsynth import HELD_OUT, split


def _rendered(recipe: str | None, intensity_px: float, seeds: range) -> np.ndarray:
    subject = subject_of(astronaut())
    xs = []
    for seed in seeds:
        onset, apex = render_pair(subject, recipe, intensity_px, np.random.default_rng(seed))
        xs.append(canonical_representation(onset, apex))
    return np.stack(xs)


def test_the_astronaut_is_held_out_of_training() -> None:
    ident = astronaut()
    assert ident.image.shape == (CANVAS, CANVAS) and ident.landmarks.shape == (468, 2)
    train, held = split([ident])
    assert ASTRONAUT in HELD_OUT and train == [] and held == [ident]


def test_rendered_smile_on_a_held_out_identity_reads_positive_through_the_shipped_model() -> None:
    probs = classify_flow(_rendered("6+12", 3.0, range(8)))
    labels = [COMPOSITE_CLASSES[i] for i in probs.argmax(1)]
    print("AU6+12 on the astronaut:", labels, probs[:, COMPOSITE_CLASSES.index("positive")].round(3))
    assert labels.count("positive") >= 7


def test_rendered_brow_raise_and_frown_on_a_held_out_identity_read_their_class() -> None:
    surprise = classify_flow(_rendered("1+2+5", 3.0, range(100, 106))).argmax(1)
    negative = classify_flow(_rendered("1+4+15", 3.0, range(200, 206))).argmax(1)
    assert np.mean(surprise == COMPOSITE_CLASSES.index("surprise")) >= 0.8
    assert np.mean(negative == COMPOSITE_CLASSES.index("negative")) >= 0.8


def test_training_report_has_a_bounded_calibration_on_held_out_identities() -> None:
    report = json.loads((models_dir() / "glimpse_me.report.json").read_text())
    held = report["held_out"]
    assert set(held["identities"]) <= set(HELD_OUT)
    assert not set(held["identities"]) & set(report["corpus"]["identities_train"])
    assert 0.25 <= held["temperature"] <= 20.0
    after, before = held["reliability_after"], held["reliability_before"]
    assert 0.0 <= after["ece"] <= 0.10
    assert after["ece"] <= before["ece"] + 1e-9
    assert sum(b["n"] for b in after["bins"]) == held["samples"] == after["n"]
    assert report["data"]["samples"] >= 20000
    counts = list(report["data"]["classes"].values())
    assert min(counts) / max(counts) > 0.9


def test_temperature_fit_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2.0, (4000, 3))
    labels = np.asarray([rng.choice(3, p=p) for p in cal.softmax(true_logits)], np.int64)
    t = cal.fit_temperature(true_logits * 3.0, labels)  # over-confident by 3x
    assert 2.5 < t < 3.6
    ece_before = cal.reliability(cal.softmax(true_logits * 3.0), labels)["ece"]
    ece_after = cal.reliability(cal.softmax(true_logits * 3.0, t), labels)["ece"]
    assert ece_after < 0.03 < ece_before


def test_emfacs_reading_maps_prototype_aus_to_their_class() -> None:
    from edge.engine.labels import ENGINE_AUS

    def probs(*aus: int) -> np.ndarray:
        return np.asarray([[0.9 if a in aus else 0.05 for a in ENGINE_AUS]])

    assert cal.emfacs_scores(probs(6, 12)).argmax() == COMPOSITE_CLASSES.index("positive")
    assert cal.emfacs_scores(probs(1, 2, 5, 26)).argmax() == COMPOSITE_CLASSES.index("surprise")
    assert cal.emfacs_scores(probs(1, 4, 15)).argmax() == COMPOSITE_CLASSES.index("negative")


def test_recipes_cover_every_class_and_their_aus_are_engine_aus() -> None:
    assert set(RECIPES) == set(COMPOSITE_CLASSES)
    assert {"4", "1+4", "1+4+15", "1+4+20", "9", "L14", "15", "17", "23", "24"} <= set(RECIPES["negative"])
    assert recipe_aus("6+L12+25") == (6, 12, 25)


def test_render_is_deterministic_by_seed(tmp_path: Path) -> None:
    subject = subject_of(astronaut())
    a = render_pair(subject, "12", 2.0, np.random.default_rng(5))
    b = render_pair(subject, "12", 2.0, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert a[0].shape == (128, 128) and a[0].dtype == np.uint8


@pytest.mark.parametrize("recipe", ["12", "1+2"])
def test_rendered_flow_signs_follow_the_recipe(recipe: str) -> None:
    from edge.face.align import crop_transform  # noqa: F401 - the same framing as the tracker
    from edge.motion.features import event_flow

    subject = subject_of(astronaut())
    onset, apex = render_pair(subject, recipe, 4.0, np.random.default_rng(1), augment=False)
    u, v = event_flow(onset, apex)
    if recipe == "12":  # lip corners move outward and up: image-left corner has u < 0, right corner u > 0
        mouth = slice(88, 110)
        assert float(u[mouth, 20:50].mean()) < 0 < float(u[mouth, 78:108].mean())
    else:  # brows go up: v < 0 above the eyes
        assert float(v[10:35, 20:108].mean()) < -0.2


def test_default_training_source_end_to_end_on_the_real_clips(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="PyTorch is not installed (the 'train' extra): glimpse train cannot run")
    from edge.train.identities import default_clips

    if not any(default_clips().glob("**/*.mp4")):
        pytest.skip(f"no identity clips in {default_clips()} (../shared/clips is not in this checkout)")
    from edge.cli import main

    out = tmp_path / "out"
    argv = ["train", "--samples", "90", "--val-samples", "45", "--epochs", "1", "--workers", "1"]
    argv += ["--cache", str(tmp_path / "cache"), "--out", str(out), "--name", "rf", "--plot", str(tmp_path / "r.png")]
    assert main(argv) == 0
    report = json.loads((out / "rf.report.json").read_text())
    assert report["data"]["samples"] == 90 and report["held_out"]["identities"] == sorted(HELD_OUT)
    assert report["corpus"]["dev_intervals_excluded"] and not set(HELD_OUT) & set(report["corpus"]["identities_train"])
    assert (tmp_path / "r.png").stat().st_size > 0 and "synthetic expressions on real faces" in (
        out / "rf.card.md"
    ).read_text()
    assert list((tmp_path / "cache" / "corpus").glob("*.npz"))  # the cache went where it was told, not into the repo
