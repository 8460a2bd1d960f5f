"""The committed models match models/SHA256SUMS (what `glimpse doctor` and the install check against)."""

from __future__ import annotations

import hashlib
from pathlib import Path

MODELS = Path(__file__).resolve().parents[3] / "models"


def test_every_model_is_listed_and_matches() -> None:
    listed = {}
    for line in (MODELS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    on_disk = sorted(p.name for p in MODELS.glob("*.onnx"))
    assert sorted(listed) == on_disk, "models/SHA256SUMS must list every .onnx (regenerate: sha256sum *.onnx)"
    for name, digest in listed.items():
        assert hashlib.sha256((MODELS / name).read_bytes()).hexdigest() == digest, f"{name} changed"


def test_model_cards_state_their_checksums() -> None:
    card = (MODELS / "glimpse_me.card.md").read_text()
    sums = dict(reversed(line.split(maxsplit=1)) for line in (MODELS / "SHA256SUMS").read_text().splitlines())
    assert sums["glimpse_me.onnx"] in card and sums["glimpse_me.int8.onnx"] in card
