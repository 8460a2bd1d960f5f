"""AU cells as the released sheets write them (SAMM's key: L/R unilateral, A asymmetric, '/' = or)."""

from __future__ import annotations

import pytest

from edge.datasets import parse_aus
from edge.train.datasets import engine_aus


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("AU1+AU2+5B", ("AU1", "AU2", "AU5")),
        (12.0, ("AU12",)),
        ("4 7", ("AU4", "AU7")),
        ("L12 + R14, 25?", ("AU12L", "AU14R", "AU25")),  # '?' = unclear offset, the AU is coded
        ("A12", ("AU12asym",)),
        ("A12B", ("AU12asym",)),
        ("A14C+A7", ("AU14asym", "AU7asym")),
        ("4A/B", ("AU4",)),  # intensity A or B
        ("10A/B", ("AU10",)),
        ("4(B/C)+7B", ("AU4", "AU7")),
        ("A/L12", ("AU12",)),  # asymmetric or left: the AU without a position
        ("T23", ("AU23top",)),
        ("B18+25", ("AU18bottom", "AU25")),
        ("ref(7B)+43", ("AU7", "AU43")),
        ("7B+ ref(43)", ("AU7", "AU43")),
        ("(R6 or R12)+R15", ("(AU6R|AU12R)", "AU15R")),
        ("(R6 or R12) + R15", ("(AU6R|AU12R)", "AU15R")),
        ("L12 or L14", ("(AU12L|AU14L)",)),
        ("R14+17+soft focus", ("AU14R", "AU17", "soft focus")),
        ("?", ()),
        (None, ()),
    ],
)
def test_parse_aus(cell: object, expected: tuple[str, ...]) -> None:
    assert parse_aus(cell) == expected


def test_engine_learns_positions_but_not_alternatives() -> None:
    assert engine_aus(parse_aus("A7+A12B")) == (7, 12)
    assert engine_aus(parse_aus("(R6 or R12)+R15")) == (15,)
