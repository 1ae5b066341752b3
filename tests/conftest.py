"""Shared fixtures: the small fictional case under tests/fixtures/mini."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.paths import CasePaths

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini_case(tmp_path: Path) -> CasePaths:
    """A writable copy of the mini case with its own output folders."""
    case = tmp_path / "case"
    shutil.copytree(FIXTURES / "mini", case)
    return CasePaths(case, tmp_path / "processed", tmp_path / "reports")
