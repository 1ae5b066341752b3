"""The Makefile says what it needs: an old make gets a clear message; `make bench` leaves tracked files alone."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from analysis.paths import PROJECT_DIR

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _make(makefile: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-f", makefile, *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=120)


def test_a_make_without_grouped_targets_stops_with_a_message_naming_gmake(tmp_path):
    # A make older than 4.3 lacks the "grouped-target" feature: pretend to be one by asking for a feature
    # no make has, and check that the Makefile stops before reading any rule, saying what to do.
    text = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    assert "$(filter grouped-target,$(.FEATURES))" in text
    old = tmp_path / "Makefile.old-make"
    old.write_text(text.replace("grouped-target", "no-such-feature"), encoding="utf-8")
    run = _make(str(old), "help")
    assert run.returncode != 0
    assert "GNU make 4.3 or later" in run.stderr
    assert "gmake" in run.stderr and "brew install make" in run.stderr
    assert "python -m analysis build" in run.stderr
    assert run.stdout == ""  # no target ran


def test_the_real_makefile_passes_its_own_check():
    run = _make("Makefile", "help")
    assert run.returncode == 0, run.stderr
    assert "lint" in run.stdout and "test-fast" in run.stdout


@pytest.mark.parametrize(("args", "out"), [((), "build/bench"), (("UPDATE=1",), "benchmarks/results")])
def test_bench_writes_the_committed_report_only_when_asked(args, out):
    run = _make("Makefile", "-n", "-o", ".venv/.installed", "-o", ".conda-env/.installed", "bench", *args)
    assert run.returncode == 0, run.stderr
    assert f"--out {out}" in run.stdout
