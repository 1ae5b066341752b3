"""End to end: `make` builds a case folder into its own output folders.

The example case is built once (module fixture) and its chapter is checked
against the findings of the reference conclusion; the mini case checks that
a second `make` has nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from analysis.paths import DEFAULT_CASE, PROJECT_DIR

pytestmark = pytest.mark.e2e


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=900)


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(case: Path, out: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    args = [f"CASE={case}", f"PROCESSED={out / 'processed'}", f"REPORTS={out / 'reports'}"]
    return make(*args), args


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    before = tree_hash(DEFAULT_CASE)
    result, args = build(DEFAULT_CASE, out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, args, before


def test_example_chapter_states_the_reference_findings(example):
    out, _, _ = example
    results = {p.stem: json.loads(p.read_text()) for p in (out / "reports" / "results").glob("*.json")}
    assert [results[i]["met"] for i in ("formation", "implementation", "obstacles")] == [True, True, True]
    supported = {i: {c["code"] for c in results[i]["codes"] if c["supported"]} for i in ("formation", "implementation")}
    assert {"LEG_BASIS", "LEG_LOI", "LEG_MOU"} <= supported["formation"]
    assert {"IMP_PLAN", "IMP_FISHING", "IMP_PRESERVE"} <= supported["implementation"]
    ranked = [c["code"] for c in results["obstacles"]["codes"] if c["supported"]]
    assert ranked == ["OBS_COVID", "OBS_HR", "OBS_BUDGET", "OBS_LANG", "OBS_BUREAU", "OBS_MEDIA"]
    html = (out / "reports" / "chapter" / "chapter.html").read_text()
    assert "BAB IV" in html and "KESIMPULAN" in html
    assert len(re.findall(r"<h2[^>]*>\s*4\.\d", html)) == 5  # three indicators, conclusion, appendix
    assert "memenuhi tiga dari tiga indikator" in html
    assert "Gambar 4.1" in html and "Tabel 4.1" in html and "[[" not in html
    assert "<script" not in html and "https://cdn" not in html


def test_example_build_leaves_raw_data_untouched_and_leaks_no_identity(example):
    out, args, before = example
    assert tree_hash(DEFAULT_CASE) == before
    audit = make(*args, "audit")
    assert audit.returncode == 0, audit.stderr


def test_second_make_has_nothing_to_do(example):
    _, args, _ = example
    assert make(*args, "-q").returncode == 0


def test_audit_catches_a_leak(example):
    out, args, _ = example
    leak = out / "reports" / "leak.txt"
    leak.write_text("notes: Pak Rahmat said so\n")
    try:
        result = make(*args, "audit")
        assert result.returncode != 0 and "leak.txt:1" in result.stderr
    finally:
        leak.unlink()


def test_mini_case_builds_english_chapter(tmp_path):
    result, args = build(PROJECT_DIR / "tests" / "fixtures" / "mini", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "reports" / "chapter" / "chapter.html").read_text()
    assert "CHAPTER 4" in html and "meets two of two indicators" in html
    assert make(*args, "-q").returncode == 0
