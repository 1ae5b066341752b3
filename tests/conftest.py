"""Shared fixtures: the small fictional case under tests/fixtures/mini, raw and prepared."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis.paths import CasePaths

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini_case(tmp_path: Path) -> CasePaths:
    """A writable copy of the mini case with its own output folders."""
    case = tmp_path / "case"
    shutil.copytree(FIXTURES / "mini", case)
    return CasePaths(case, tmp_path / "processed", tmp_path / "reports")


@dataclass(frozen=True)
class Prepared:
    """The mini case after ``prepare``: its folders and the tables ``prepare`` returned.

    Attributes:
        paths: A writable copy of the case, and a processed folder holding its tables.
        tables: Copies of the tables ``prepare`` returned (change them freely).
    """

    paths: CasePaths
    tables: dict[str, pd.DataFrame]


@pytest.fixture(scope="session")
def _prepared_once(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """``prepare`` run once per test session on an untouched copy of the mini case; never handed out as is."""
    from analysis.prepare import prepare

    root = tmp_path_factory.mktemp("prepared-mini")
    paths = CasePaths(root / "case", root / "processed", root / "reports")
    shutil.copytree(FIXTURES / "mini", paths.case)
    return Prepared(paths, prepare(paths))


@pytest.fixture
def prepared_mini(_prepared_once: Prepared, tmp_path: Path) -> Prepared:
    """The mini case as ``mini_case`` gives it, already prepared: a copy of the one session-wide run.

    For tests that need the prepared tables of the unchanged case. Everything
    is a copy (case folder, processed folder, tables), so a test may write to
    any of it; a test that changes the case before preparing it uses
    ``mini_case`` and runs ``prepare`` itself.
    """
    once = _prepared_once
    paths = CasePaths(tmp_path / "case", tmp_path / "processed", tmp_path / "reports")
    shutil.copytree(once.paths.case, paths.case)
    shutil.copytree(once.paths.processed, paths.processed)
    return Prepared(paths, {name: table.copy(deep=True) for name, table in once.tables.items()})
