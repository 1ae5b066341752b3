"""Incremental builds: after `make`, a changed input re-runs only what depends on it.

The small case is built once into a temporary folder; then ``make -W FILE``
rebuilds as if FILE were newer than every output, without touching it (so
nothing in the repository changes), and the recipes it echoes are the steps
that change re-ran. (Not ``make -n``: GNU make 4.3 does not carry a dry run
through grouped ``&:`` targets, so it under-reports.)
"""

from __future__ import annotations

import re
import subprocess

import pytest

from analysis.paths import PROJECT_DIR

pytestmark = pytest.mark.e2e

MINI = PROJECT_DIR / "tests" / "fixtures" / "mini"


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=900)


def rerun(args: list[str], changed: str) -> list[str]:
    """The analysis commands `make` runs when ``changed`` is newer than every output; then up to date."""
    out = make(*args, "-W", changed)
    assert out.returncode == 0, out.stderr[-3000:]
    assert make(*args, "-q").returncode == 0
    return [m.group(1) for m in re.finditer(r"-m analysis(?:\.\w+)? ([\w-]+)", out.stdout)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("incremental")
    args = [f"CASE={MINI}", f"OUT={out}"]
    result = make(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return args


def test_a_built_case_is_up_to_date(built):
    assert make(*built, "-q").returncode == 0


def test_the_conclusion_template_reruns_only_conclusion_and_assembly(built):
    template = "src/analysis/templates/text/en/conclusion.md.j2"
    assert sorted(rerun(built, template)) == ["assemble", "conclusion", "manifest"]


def test_the_conclusion_notebook_reruns_only_conclusion_and_assembly(built):
    assert sorted(rerun(built, "notebooks/conclusion.ipynb")) == ["assemble", "conclusion", "manifest"]


def test_one_transcript_reruns_what_reads_the_tables_and_nothing_else(built):
    steps = rerun(built, str(MINI / "interviews" / "T1.md"))
    assert steps[0] == "prepare" and steps.count("prepare") == 1
    assert "indicators" not in steps  # the list of indicators comes from the codebook only
    assert {"indicator", "conclusion", "assemble", "manifest"} <= set(steps)
