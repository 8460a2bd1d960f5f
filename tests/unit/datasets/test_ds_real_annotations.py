"""Every loader on the released annotation files in ../shared/annotations/ (labels only; see its NOTICE.md).

The files are not part of the repository; each test skips, saying why, where its file is absent. The counts
asserted here were read off the files themselves (issue 17) and are the ones docs/datasets.md states.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pytest

from edge.datasets import Samples, load_dataset
from edge.train.datasets import engine_aus

ANNOTATIONS = Path(
    os.environ.get("GLIMPSE_ANNOTATIONS", Path(__file__).resolve().parents[4] / "shared" / "annotations")
)


def real(name: str) -> Path:
    path = ANNOTATIONS / name
    if not path.is_file():
        pytest.skip(f"{path} absent: the released annotation files are not in this checkout's ../shared")
    return path


def composite_counts(samples: Samples) -> tuple[int, int, int]:
    counts = Counter(s.composite for s in samples)
    return counts["negative"], counts["positive"], counts["surprise"]


@pytest.mark.parametrize("sheet", ["CASME2-coding-20140508.xlsx", "CASME2-coding-20190701.xlsx"])
def test_casme2(sheet: str) -> None:
    samples = load_dataset("casme2", real(sheet))
    assert len(samples) == 255 and not samples.skipped
    assert len({s.subject for s in samples}) == 26
    assert sum(s.composite is not None for s in samples) == 156  # the composite uses 145 of these


def test_samm_micro_and_its_au_key() -> None:
    samples = load_dataset("samm", real("SAMM_Micro_FACS_Codes_v2.xlsx"))
    assert len(samples) == 159 and not samples.skipped and {s.kind for s in samples} == {"micro"}
    assert len({s.subject for s in samples}) == 29
    by_name = {s.name: s for s in samples}
    assert engine_aus(by_name["011_3_5"].aus) == (7, 12)
    unread = [a for s in samples for a in s.aus if not a.startswith("AU") and not a.startswith("(AU")]
    assert unread == ["soft focus"]


def test_samm_long_videos_skip_onset_zero() -> None:
    samples = load_dataset("samm_lv", real("SAMMLV_gt.xlsx"))
    assert len(samples.skipped) == 10 and all(r.reason.startswith("onset 0") for r in samples.skipped)
    assert Counter(s.kind for s in samples) == {"micro": 159, "macro": 333}
    assert sum(s.apex is None for s in samples) == 6


@pytest.mark.parametrize("sheet", ["CASME_sq_gt.xlsx", "CAS-data-updated.xlsx"])
def test_casme_sq_coders_class_and_apex_zero(sheet: str) -> None:
    samples = load_dataset("casme_sq", real(sheet))
    assert len(samples) == 357 and not samples.skipped
    micro = Samples("casme_sq", sheet, [s for s in samples if s.kind == "micro"])
    assert len(micro) == 57 and composite_counts(micro) == (21, 8, 9)
    assert sum(s.composite is None for s in micro) == 19  # the coders' "others"
    row_309 = next(s for s in samples if s.source.endswith("row 309"))
    assert row_309.apex is None and "apex 0 -> unknown" in row_309.quirks
    assert "happyiness" not in {s.emotion for s in samples}


def test_casme3_part_a() -> None:
    samples = load_dataset("casme3", real("casme3_part_A_ME_label_JpgIndex_v2.xlsx"))
    assert [r.source.rsplit(" ", 1)[-1] for r in samples.skipped] == ["751", "752"]
    assert len(samples) == 858 and len({s.subject for s in samples}) == 94
    assert composite_counts(samples) == (457, 55, 187)
    assert len({s.name for s in samples}) == 858  # ids are unambiguous


def _composite_tree(tmp_path: Path, coding: str) -> Path:
    """The composite CSV beside links to the real CASME II and SAMM sheets, and empty SMIC-HS clip folders."""
    csv_path = real("combined_3class_gt.csv")
    (tmp_path / "CASME2").mkdir()
    (tmp_path / "CASME2" / coding).symlink_to(real(coding))
    (tmp_path / "SAMM").mkdir()
    (tmp_path / "SAMM" / "SAMM_Micro_FACS_Codes_v2.xlsx").symlink_to(real("SAMM_Micro_FACS_Codes_v2.xlsx"))
    (tmp_path / "combined_3class_gt.csv").symlink_to(csv_path)
    classes = ("negative", "positive", "surprise")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for _dataset, subject, clip, label in (row[:4] for row in csv.reader(handle) if row and row[0] == "smic"):
            folder_subject = f"s{int(subject[1:])}"  # the folders say s1 / s1_ne_01 where the CSV says s01
            clip_dir = tmp_path / "SMIC" / "HS" / folder_subject / "micro" / classes[int(label)]
            clip_dir /= clip.replace(subject, folder_subject, 1)
            clip_dir.mkdir(parents=True)
            for n in (1001, 1030):
                (clip_dir / f"reg_image{n:06d}.bmp").write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize("coding", ["CASME2-coding-20140508.xlsx", "CASME2-coding-20190701.xlsx"])
def test_megc2019_composite_reproduced(tmp_path: Path, coding: str) -> None:
    samples = load_dataset("megc2019", _composite_tree(tmp_path, coding))
    assert len(samples) == 442 and not samples.skipped
    assert Counter(s.dataset for s in samples) == {"smic": 164, "casme2": 145, "samm": 133}
    assert composite_counts(samples) == (250, 109, 83)
    parts = Samples("megc2019", "", [s for s in samples if s.dataset != "smic"])
    assert len(parts) == 278 and composite_counts(parts) == (180, 58, 40)
    assert len({(s.dataset, s.subject) for s in samples}) == 68
