"""Faults: a build interrupted during a notebook leaves no half file, and the next `make` finishes."""

import os
import signal
import subprocess
import time

import nbformat
import pytest

from analysis.paths import PROJECT_DIR

pytestmark = pytest.mark.e2e


def test_interrupted_build_leaves_no_half_file_and_resumes(tmp_path):
    args = ["make", "--no-print-directory", f"CASE={PROJECT_DIR / 'tests' / 'fixtures' / 'mini'}", f"OUT={tmp_path}"]
    proc = subprocess.Popen(args, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    for line in proc.stderr:  # wait until a notebook is running, then press Ctrl-C
        if "executing indicator.ipynb" in line or time.monotonic() > deadline:
            break
    time.sleep(2.0)
    os.killpg(proc.pid, signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and (p.name.startswith(".") and p.suffix in
                                                                      (".tmp", ".ipynb"))]
    assert leftovers == []
    for nb in tmp_path.rglob("*.ipynb"):
        nbformat.validate(nbformat.read(nb, as_version=4))  # whatever exists is whole
    again = subprocess.run(args, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (tmp_path / "reports" / "chapter" / "chapter.html").is_file()
