"""Build the invented dataset fixtures (tests/fixtures/datasets/make_fixtures.py) once per session."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

MAKER = Path(__file__).resolve().parents[2] / "fixtures" / "datasets" / "make_fixtures.py"


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glimpse_dataset_fixtures", MAKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def maker() -> ModuleType:
    return _maker()


@pytest.fixture(scope="session")
def dataset_roots(tmp_path_factory: pytest.TempPathFactory, maker: ModuleType) -> dict[str, Path]:
    roots: dict[str, Path] = maker.build_all(tmp_path_factory.mktemp("datasets"))
    return roots
