"""No command writes into the case folder: build, verify, audit, pdf and clean leave it byte- and time-identical."""

import hashlib
import os
import shutil
import subprocess

import pytest

from analysis.formats.pdf import browser
from analysis.paths import PROJECT_DIR

pytestmark = pytest.mark.e2e


def snapshot(folder):
    """Every file and folder with its bytes' hash, mode and modification time (a rewrite with equal bytes shows)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest() if name in files else "dir"
            out[os.path.relpath(path, folder)] = (digest, st.st_mode, st.st_mtime_ns)
    return out


def test_every_make_target_leaves_the_case_folder_untouched(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(PROJECT_DIR / "tests" / "fixtures" / "mini", case)
    before = snapshot(case)
    targets = ["all", *(["pdf"] if browser() else []), "verify", "audit", "clean"]  # verify reprints the PDF
    for target in targets:
        run = subprocess.run(["make", "--no-print-directory", f"CASE={case}", f"OUT={tmp_path / 'out'}", target],
                             cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, f"make {target}: {run.stderr[-2000:]}"
    assert snapshot(case) == before
    assert not (tmp_path / "out" / "reports").exists()  # clean did run, on the outputs only


def test_the_snapshot_sees_a_rewrite_with_identical_bytes(tmp_path):
    (tmp_path / "a.txt").write_text("same")
    before = snapshot(tmp_path)
    os.utime(tmp_path / "a.txt", ns=(1, 1))
    assert snapshot(tmp_path) != before
