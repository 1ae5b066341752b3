"""Incremental builds: after `make`, a changed input re-runs only what depends on it.

The small case is built once into a temporary folder; then ``make -W FILE``
rebuilds as if FILE were newer than every output, without touching it (so
nothing in the repository changes), and the recipes it echoes are the steps
that change re-ran. (Not ``make -n``: GNU make 4.3 does not carry a dry run
through grouped ``&:`` targets, so it under-reports.)

Content-aware rebuilds (an indicator re-runs only when its evidence digest
changed, see ``analysis.slices``) need real edits: a copy of the case is
built, then edited one line at a time, and each ``make`` lists what ran.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

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
    # `deps` re-reads the imports when a notebook or module changes: bookkeeping of prerequisites, no output.
    return [m.group(1) for m in re.finditer(r"-m analysis(?:\.\w+)? ([\w-]+)", out.stdout) if m.group(1) != "deps"]


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


def test_one_transcript_reruns_prepare_and_only_what_its_content_changed(built):
    steps = rerun(built, str(MINI / "interviews" / "T1.md"))
    assert steps[0] == "prepare" and steps.count("prepare") == 1
    assert "indicators" not in steps  # the list of indicators comes from the codebook only
    # Unchanged content: no indicator's evidence moved, so no notebook runs; the appendix is rebuilt.
    assert sorted(steps) == ["assemble", "manifest", "prepare"]


def test_the_build_command_writes_what_make_writes(built, tmp_path):
    """`python -m analysis build` (for machines without make) leaves the outputs `make` leaves, manifest included."""
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "analysis", "build", "--case", str(MINI), "--out", str(out)],
                         cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    made = Path(built[1].removeprefix("OUT="))
    by_make = json.loads((made / "reports" / "manifest.json").read_text(encoding="utf-8"))
    by_command = json.loads((out / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(by_command["outputs"]) == sorted(by_make["outputs"])
    assert by_command["inputs"] == by_make["inputs"]
    # Same bytes too, but for what names its folders (the executed notebooks' parameters) or embeds them.
    same = [f for f in by_make["outputs"] if f.startswith(("processed/", "reports/results/", "reports/figures/"))]
    assert same and {f: by_command["outputs"][f] for f in same} == {f: by_make["outputs"][f] for f in same}


@pytest.fixture(scope="module")
def own_case(tmp_path_factory):
    """A copy of the small case, built, that the tests below edit in turn."""
    root = tmp_path_factory.mktemp("edited")
    shutil.copytree(MINI, root / "case")
    args = [f"CASE={root / 'case'}", f"OUT={root / 'out'}"]
    result = make(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "case", args


def edit_and_make(args: list[str], path, old: str, new: str) -> list[str]:
    """Replace ``old`` by ``new`` in ``path``, run `make`, return the steps it ran (indicators with their id)."""
    time.sleep(1.1)  # a file system with one-second timestamps must see the edit as newer
    path.write_text(path.read_text().replace(old, new))
    out = make(*args)
    assert out.returncode == 0, out.stderr[-3000:]
    assert make(*args, "-q").returncode == 0
    return [m.group(1).strip() for m in re.finditer(r"-m analysis ((?:indicator \w+)|[\w-]+)", out.stdout)]


def test_editing_text_no_indicator_reads_runs_no_notebook(own_case):
    case, args = own_case
    steps = edit_and_make(args, case / "interviews" / "T1.md", "went elsewhere.", "went elsewhere. Nothing else.")
    assert steps == ["prepare", "assemble", "manifest"]


def test_editing_text_before_a_quote_reruns_only_its_indicator(own_case):
    case, args = own_case
    steps = edit_and_make(args, case / "interviews" / "T1.md", "Bruno was there too.", "Bruno was there, too.")
    assert steps == ["prepare", "indicator problems", "conclusion", "assemble", "manifest"]


def test_editing_one_coding_row_reruns_only_its_indicator(own_case):
    case, args = own_case
    steps = edit_and_make(args, case / "codings" / "coder-A.csv", "D1,COUNCIL,The council had approved the plan,1,A,",
                          "D1,COUNCIL,The council had approved the plan,1,A,approval noted")
    assert steps == ["prepare", "indicator setup", "conclusion", "assemble", "manifest"]
