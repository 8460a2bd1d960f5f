"""Every loader on invented fixtures in the exact layouts, quirks included, and its error messages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from edge.datasets import DATASETS, Sample, composite_class, load_dataset, parse_aus
from edge.errors import DatasetError, UnknownBackend

from tests_support import CASME2_HEADER


def by_name(samples: list[Sample]) -> dict[str, Sample]:
    return {s.name: s for s in samples}


def test_registry_loads_every_dataset(dataset_roots: dict[str, Path]) -> None:
    assert set(DATASETS) == set(dataset_roots)
    for name, root in dataset_roots.items():
        samples = load_dataset(name, root)
        assert samples, name
        for s in samples:
            assert s.onset <= s.offset and s.fps > 0 and s.kind in ("micro", "macro")
            assert s.composite in (None, "negative", "positive", "surprise")
            with pytest.raises(dataclasses.FrozenInstanceError):
                s.onset = 0  # type: ignore[misc]


def test_unknown_dataset_lists_names(tmp_path: Path) -> None:
    with pytest.raises(UnknownBackend, match="casme2"):
        load_dataset("smic", tmp_path)


def test_casme2_quirks_and_frame_paths(dataset_roots: dict[str, Path]) -> None:
    samples = by_name(load_dataset("casme2", dataset_roots["casme2"]))
    first = samples["EP02_01f"]
    assert (first.subject, first.onset, first.apex, first.offset) == ("01", 46, 59, 86)
    assert first.frame_path(46).is_file() and first.frame_path(46).name == "img46.jpg"
    assert first.composite == "positive" and first.fps == 200 and first.kind == "micro"
    slash = samples["EP03_02"]
    assert slash.apex is None and slash.subject == "01" and slash.aus == ("AU12R", "AU14L")
    assert slash.composite == "negative" and any("'/'" in q for q in slash.quirks)
    others = samples["EP04_01f"]
    assert others.apex is None and others.aus == ("AU4",) and others.composite is None and others.subject == "02"
    assert len(samples) == 4  # the blank row is skipped
    cropped = load_dataset("casme2", dataset_roots["casme2"], cropped=True)[0]
    assert cropped.frame_path(46).parts[-4:] == ("Cropped", "sub01", "EP02_01f", "reg_img46.jpg")


def test_samm_header_row_14_fractional_onset_offset_zero(dataset_roots: dict[str, Path]) -> None:
    samples = by_name(load_dataset("samm", dataset_roots["samm"]))
    assert samples["006_1_2"].frame_path(5562).is_file()
    assert samples["006_1_2"].frame_path(5562).name == "006_05562.jpg"
    assert samples["006_1_2"].subject == "006" and samples["006_1_2"].composite == "negative"
    fractional = samples["007_3_1"]
    assert fractional.onset == 1181 and fractional.apex is None and fractional.quirks
    zero = samples["011_2_3"]
    assert zero.offset == zero.apex == 820 and zero.composite == "positive"
    assert samples["020_4_1"].kind == "macro"
    assert samples["006_1_2"].source.endswith("row 15")


def test_samm_lv_header_row_10_apex_minus_one(dataset_roots: dict[str, Path]) -> None:
    samples = by_name(load_dataset("samm_lv", dataset_roots["samm_lv"]))
    assert [s.kind for s in samples.values()] == ["macro", "micro", "micro"]
    assert samples["006_1_2"].apex is None and samples["006_1_2"].clip == "006_1"
    assert samples["006_1_1"].frame_path(566).is_file() and samples["006_1_1"].frame_path(566).name == "006_1_0566.jpg"
    assert samples["007_6_1"].composite is None and samples["007_6_1"].emotion == ""


def test_casme_sq_naming_rules_and_offset_zero(dataset_roots: dict[str, Path]) -> None:
    samples = by_name(load_dataset("casme_sq", dataset_roots["casme_sq"]))
    anger = samples["anger1_1"]
    assert (anger.subject, anger.clip, anger.kind, anger.fps) == ("15", "15_0401girlcrashing", "macro", 30)
    assert anger.frame_path(557).is_file()
    disgust = samples["disgust1_1"]
    assert disgust.offset == disgust.apex == 105 and disgust.kind == "micro"
    assert samples["happy2_3"].clip == "16_0502cup" and samples["happy2_3"].composite == "positive"
    missing = samples["anger1_2"]
    assert missing.clip == "16_0401" and missing.quirks and missing.composite is None


def test_casme3_label_sheet(dataset_roots: dict[str, Path]) -> None:
    samples = by_name(load_dataset("casme3", dataset_roots["casme3"]))
    assert samples["a"].frame_path(140).is_file() and samples["a"].frame_path(140).parts[-3:] == (
        "a",
        "color",
        "140.jpg",
    )
    assert samples["b"].composite == "positive" and samples["b"].offset == 58
    assert samples["c"].apex is None and samples["c"].aus == ()
    macro = load_dataset("casme3", dataset_roots["casme3"], kind="macro")
    assert {s.kind for s in macro} == {"macro"}


def test_megc2019_composite_joins_sources(dataset_roots: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    samples = load_dataset("megc2019", dataset_roots["megc2019"])
    assert sorted((s.dataset, s.name, s.composite) for s in samples) == [
        ("casme2", "EP02_01f", "positive"),
        ("casme2", "EP19_06f", "surprise"),
        ("samm", "006_1_2", "negative"),
    ]
    assert "SMIC" in caplog.text


def test_composite_mapping_and_aus() -> None:
    assert [composite_class(e) for e in ("Repression", "contempt", "happy", "Surprise", "others", "")] == [
        "negative",
        "negative",
        "positive",
        "surprise",
        None,
        None,
    ]
    assert parse_aus("AU1+AU2+5B") == ("AU1", "AU2", "AU5")
    assert parse_aus(12.0) == ("AU12",)
    assert parse_aus("L12 + R14, 25?") == ("AU12L", "AU14R", "25?")
    assert parse_aus(None) == ()


def _broken(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_samm_without_header_names_row_14(tmp_path: Path) -> None:
    path = _broken(tmp_path / "SAMM_Micro_FACS_Codes_v2.xlsx", [["Subject", "Filename", "Onset"], [6, "006_1_2", 5]])
    with pytest.raises(DatasetError, match=r"row 14.*lacks the expected columns"):
        load_dataset("samm", path)


def test_casme2_bad_onset_names_row_and_column(tmp_path: Path) -> None:
    header = list(CASME2_HEADER)
    rows: list[list[object]] = [header, ["01", "EP02_01f", None, 46, 59, 86, None, "12", "happiness"]]
    rows.append(["02", "EP01_01", None, "abc", 3, 9, None, "4", "fear"])
    with pytest.raises(DatasetError, match=r"coding\.xlsx sheet 'Sheet1' row 3: column 'OnsetFrame': 'abc'"):
        load_dataset("casme2", _broken(tmp_path / "coding.xlsx", rows))


def test_offset_before_onset_and_bad_kind(tmp_path: Path) -> None:
    header = list(CASME2_HEADER)
    with pytest.raises(DatasetError, match="row 2: offset 10 < onset 40"):
        load_dataset("casme2", _broken(tmp_path / "c.xlsx", [header, ["01", "x", None, 40, None, 10, None, "", ""]]))
    pre: list[list[object]] = [[f"meta {i}"] for i in range(9)]
    lv: list[object] = [
        "Subject",
        "Filename",
        "Inducement Code",
        "Onset",
        "Apex",
        "Offset",
        "Duration",
        "Type",
        "Action Units",
    ]
    bad: list[list[object]] = [*pre, lv, [6, "006_1_1", 1, 5, 6, 7, 3, "Blink", "45"]]
    with pytest.raises(DatasetError, match=r"row 11: type 'Blink'"):
        load_dataset("samm_lv", _broken(tmp_path / "lv.xlsx", bad))


def test_casme_sq_unknown_video_and_composite_label(tmp_path: Path, maker: ModuleType) -> None:
    root = tmp_path / "sq"
    path = maker.casme_sq(root)
    book = openpyxl.load_workbook(path)
    book.worksheets[0].append([1, "fear9_1", 1, 2, 3, "4", "1", "micro-expression", "negative"])
    book.save(path)
    with pytest.raises(DatasetError, match=r"row 5: video 'fear9' of 'fear9_1' is not in 'naming rule2'"):
        load_dataset("casme_sq", root)
    csv_path = tmp_path / "composite.csv"
    csv_path.write_text("samm,006,006_1_2,0\nsamm,006,006_1_3,3\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"composite\.csv:2: label '3'"):
        load_dataset("megc2019", csv_path)


def test_not_an_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "coding.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DatasetError, match="cannot open"):
        load_dataset("casme2", path)
