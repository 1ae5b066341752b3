"""Findings-level comparison of two builds (`python -m analysis diff`) on the mini case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis import diff
from analysis.cli import main
from analysis.errors import AnalysisError

MINI = Path(__file__).parent / "fixtures" / "mini"


def _build(case: Path, out: Path) -> Path:
    assert main(["build", "--case", str(case), "--out", str(out)]) == 0
    assert main(["manifest", "--case", str(case), "--out", str(out)]) == 0
    return out


def _edit_codings(case: Path, old: str, new: str) -> None:
    path = case / "codings" / "coder-A.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _rebuilt(base, tmp_path: Path, old: str, new: str) -> diff.Difference:
    """The base build compared with a build of a copy of its case whose coder-A codings had ``old`` replaced."""
    case, out = base
    changed = tmp_path / "case"
    shutil.copytree(case, changed)
    _edit_codings(changed, old, new)
    return diff.compare(out, _build(changed, tmp_path / "new"))


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("diff")
    case = root / "case"
    shutil.copytree(MINI, case)
    return case, _build(case, root / "base")


@pytest.mark.e2e
def test_identical_builds_have_no_differences(base):
    _, out = base
    result = diff.compare(out, out)
    assert result.summary() == "no differences" and diff.render_text(result) == "no differences\n"


@pytest.mark.e2e
def test_removing_one_coding_shows_that_count_and_that_coding(base, tmp_path):
    result = _rebuilt(base, tmp_path, "T2,MONEY,had no budget,1,A,\n", "")
    assert result.summary().startswith("verdicts and rankings unchanged")
    assert "problems MONEY: units 3 → 2, informants 2 → 1" in result.findings
    removed = [x for x in result.inputs if x.startswith("coding ")]
    assert len(removed) == 1 and removed[0].startswith("coding removed: A MONEY T2:")
    assert "input changed: codings/coder-A.csv" in result.inputs


@pytest.mark.e2e
def test_a_verdict_flip_is_the_first_line(base, tmp_path):
    result = _rebuilt(base, tmp_path, "T1,AGREEMENT,The agreement was signed in 2016,1,A,\n", "")
    text = diff.render_text(result)
    assert text.splitlines()[0] == "setup: verdict met → not met"
    html = diff.render_html(result, "t")
    assert "setup: verdict met → not met" in html and "<details>" in html


@pytest.mark.e2e
def test_a_row_added_at_the_top_changes_no_other_coding_id(base, tmp_path):
    result = _rebuilt(base, tmp_path, "memo\n", "memo\nT1,COUNCIL,The agreement was signed in 2016,1,A,\n")
    records = [x for x in result.inputs if x.startswith("coding ")]
    assert len(records) == 1 and records[0].startswith("coding added: A COUNCIL T1:")


@pytest.mark.e2e
def test_coder_comparison_reads_the_sensitivity_scenarios(base):
    _, out = base
    result = diff.coder_comparison(out)
    assert all("under coder B (instead of A)" in x for x in result.headline + result.findings)


def test_a_folder_without_results_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(AnalysisError, match="no results files"):
        diff.compare(tmp_path, tmp_path)
    assert main(["diff", str(tmp_path)]) == 1
    assert "give two output folders" in capsys.readouterr().err
