"""Every loader on invented fixtures in the exact layouts, quirks included, and its error messages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from edge.datasets import DATASETS, Sample, composite_class, load_dataset
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
        load_dataset("smicx", tmp_path)


def test_casme2_quirks_and_frame_paths(dataset_roots: dict[str, Path]) -> None:
    samples = by_name(load_dataset("casme2", dataset_roots["casme2"]))
    first = samples["EP02_01f"]
    assert (first.subject, first.onset, first.apex, first.offset) == ("01", 46, 61, 90)
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
    assert samples["011_3_5"].aus == ("AU7asym", "AU12asym")  # SAMM's key: A = asymmetric
    assert samples["014_2_1"].aus == ("(AU6R|AU12R)", "AU15R")


def test_samm_lv_header_row_10_apex_minus_one_onset_zero_skipped(
    dataset_roots: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    loaded = load_dataset("samm_lv", dataset_roots["samm_lv"])
    samples = by_name(loaded)
    assert [(row.source[-6:], row.reason) for row in loaded.skipped] == [
        ("row 14", "onset 0 is missing or < 1; expected a frame >= 1")
    ]
    assert "row 14: row skipped: onset 0" in caplog.text and "1 row(s) skipped" in caplog.text
    assert [s.kind for s in samples.values()] == ["macro", "micro", "micro"]
    assert samples["006_1_2"].apex is None and samples["006_1_2"].clip == "006_1"
    assert samples["006_1_1"].frame_path(560).is_file() and samples["006_1_1"].frame_path(560).name == "006_1_0560.jpg"
    assert samples["007_6_1"].composite is None and samples["007_6_1"].emotion == ""


def test_casme_sq_naming_rules_offset_zero_coders_class(dataset_roots: dict[str, Path]) -> None:
    loaded = load_dataset("casme_sq", dataset_roots["casme_sq"])
    samples = by_name(loaded)
    anger = samples["anger1_1"]
    assert (anger.subject, anger.clip, anger.kind, anger.fps) == ("15", "15_0401girlcrashing", "macro", 30)
    assert anger.frame_path(540).is_file()
    disgust = samples["disgust1_1"]
    assert disgust.offset == disgust.apex == 105 and disgust.kind == "micro"
    happy = samples["happy2_3"]
    assert happy.clip == "16_0502cup" and happy.composite == "positive"
    assert happy.emotion == "happiness" and "emotion 'happyiness' -> 'happiness'" in happy.quirks
    others = samples["anger1_2"]  # self-report says anger, the coders' column G says others: no class
    assert others.clip == "16_0401" and others.emotion == "anger" and others.composite is None
    apex_zero = samples["anger1_3"]  # coders say surprise although the participant reported sadness
    assert apex_zero.apex is None and "apex 0 -> unknown" in apex_zero.quirks and apex_zero.composite == "surprise"
    assert [row.source.rsplit(" ", 1)[-1] for row in loaded.skipped] == ["6"] and "disgust1_2" not in samples


def test_casme3_label_sheet_unambiguous_ids(dataset_roots: dict[str, Path]) -> None:
    loaded = load_dataset("casme3", dataset_roots["casme3"])
    samples = by_name(loaded)
    assert sorted(samples) == ["spNO.1_a_140", "spNO.1_a_170", "spNO.2_a_50", "spNO.2_c_10"]
    first = samples["spNO.1_a_140"]
    assert first.clip == "spNO.1_a" and (first.onset, first.apex, first.offset) == (140, 152, 161)
    assert first.frame_path(140).is_file() and first.frame_path(140).parts[-4:] == ("spNO.1", "a", "color", "140.jpg")
    assert samples["spNO.2_a_50"].composite == "positive" and samples["spNO.2_a_50"].offset == 58
    assert samples["spNO.2_c_10"].apex is None and samples["spNO.2_c_10"].aus == ()
    assert [row.reason for row in loaded.skipped] == ["offset 70 < onset 90; expected onset <= offset"]
    macro = load_dataset("casme3", dataset_roots["casme3"], kind="macro")
    assert {s.kind for s in macro} == {"macro"}


def test_casme3_legacy_xls_is_read(tmp_path: Path, maker: ModuleType) -> None:
    pytest.importorskip("xlwt", reason="xlwt (dev extra) writes the .xls fixture")
    maker.casme3(tmp_path, suffix=".xls")
    samples = by_name(load_dataset("casme3", tmp_path))
    assert sorted(samples) == ["spNO.1_a_140", "spNO.1_a_170", "spNO.2_a_50", "spNO.2_c_10"]
    assert samples["spNO.1_a_170"].aus == ("AU12R",) and samples["spNO.1_a_170"].source.endswith("row 3")


def test_smic_hs_folders(dataset_roots: dict[str, Path]) -> None:
    loaded = load_dataset("smic", dataset_roots["smic"])
    samples = by_name(loaded)
    assert sorted(samples) == ["s1_ne_01", "s1_po_01", "s2_sur_01"]
    negative = samples["s1_ne_01"]
    assert (negative.subject, negative.onset, negative.apex, negative.offset) == ("s01", 46243, None, 46260)
    assert negative.frame_path(46243).is_file() and negative.frame_path(46243).name == "reg_image046243.bmp"
    assert (negative.composite, negative.fps, negative.kind, negative.aus) == ("negative", 100, "micro", ())
    assert samples["s2_sur_01"].composite == "surprise" and samples["s2_sur_01"].subject == "s02"
    reasons = sorted(row.reason for row in loaded.skipped)
    assert len(reasons) == 2 and "class folder 'happiness' unknown" in reasons[0]
    assert reasons[1].startswith("no numbered frame files")
    hs = dataset_roots["smic"] / "SMIC_all_cropped" / "HS"
    assert [s.name for s in load_dataset("smic", hs)] == [s.name for s in loaded]


def test_megc2019_composite_joins_sources(dataset_roots: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    loaded = load_dataset("megc2019", dataset_roots["megc2019"])
    assert sorted((s.dataset, s.name, s.composite) for s in loaded) == [
        ("casme2", "EP02_01f", "positive"),
        ("casme2", "EP19_06f", "surprise"),
        ("samm", "006_1_2", "negative"),
        ("smic", "s1_ne_01", "negative"),
    ]
    assert [row.source.rsplit(":", 1)[-1] for row in loaded.skipped] == ["7", "6"]
    assert "label '3' is not 0, 1 or 2" in loaded.skipped[0].reason
    assert "samm 099/099_9_9 is not in that dataset's files" in loaded.skipped[1].reason
    assert "megc2019: 4 samples" in caplog.text


def test_composite_mapping() -> None:
    assert [composite_class(e) for e in ("Repression", "contempt", "happy", "Surprise", "others", "")] == [
        "negative",
        "negative",
        "positive",
        "surprise",
        None,
        None,
    ]


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


def test_bad_rows_are_skipped_with_their_row_and_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    header = list(CASME2_HEADER)
    rows: list[list[object]] = [header, ["01", "EP02_01f", None, 46, 61, 90, None, "12", "happiness"]]
    rows.append(["02", "EP01_01", None, "abc", 3, 9, None, "4", "fear"])
    rows.append(["03", "EP01_02", None, 40, None, 10, None, "4", "fear"])
    loaded = load_dataset("casme2", _broken(tmp_path / "coding.xlsx", rows))
    assert [s.name for s in loaded] == ["EP02_01f"]
    assert [(row.source.rsplit(" ", 2)[-1], row.reason) for row in loaded.skipped] == [
        ("3", "column 'OnsetFrame': 'abc' is not a frame number; expected an integer"),
        ("4", "offset 10 < onset 40; expected onset <= offset"),
    ]
    assert caplog.text.count("row skipped") == 2
    assert "casme2: 1 samples from" in loaded.summary() and "2 row(s) skipped (row 3: column" in loaded.summary()


def test_a_file_of_only_bad_rows_raises(tmp_path: Path) -> None:
    header = list(CASME2_HEADER)
    with pytest.raises(DatasetError, match=r"every one of 1 rows is bad .*row 2: offset 10 < onset 40"):
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


def test_casme_sq_unknown_video_is_skipped(tmp_path: Path, maker: ModuleType) -> None:
    root = tmp_path / "sq"
    path = maker.casme_sq(root)
    book = openpyxl.load_workbook(path)
    book.worksheets[0].append([1, "fear9_1", 1, 2, 3, "4", "negative", "micro-expression", "fear"])
    book.worksheets[0].append([1, "anger1_9", 1, 2, 3, "4", "objective", "micro-expression", "fear"])
    book.save(path)
    reasons = [row.reason for row in load_dataset("casme_sq", root).skipped]
    assert "video 'fear9' of 'fear9_1' is not in 'naming rule2'" in reasons[1]
    assert "class (column G) 'objective' unknown" in reasons[2]


def test_smic_without_subject_folders(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"smic: no subject folders \(s1/micro/...\)"):
        load_dataset("smic", tmp_path)


def test_not_an_xlsx_or_xls(tmp_path: Path) -> None:
    path = tmp_path / "coding.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"cannot open as an \.xlsx"):
        load_dataset("casme2", path)
    legacy = tmp_path / "labels.xls"
    legacy.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"cannot open as an \.xls workbook"):
        load_dataset("casme3", legacy)
