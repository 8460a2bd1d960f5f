"""Build the invented dataset fixtures (tests/fixtures/datasets/make_fixtures.py) once per session."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests_support import load_script

MAKER = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "make_fixtures.py"


def _maker() -> ModuleType:
    return load_script(MAKER, "glimpse_dataset_fixtures")


@pytest.fixture(scope="session")
def maker() -> ModuleType:
    return _maker()


@pytest.fixture(scope="session")
def dataset_roots(tmp_path_factory: pytest.TempPathFactory, maker: ModuleType) -> dict[str, Path]:
    roots: dict[str, Path] = maker.build_all(tmp_path_factory.mktemp("datasets"))
    return roots
