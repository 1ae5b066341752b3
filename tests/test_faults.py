"""Faults: a build interrupted during a notebook leaves no half file, and the next `make` finishes."""

import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from analysis.notebooks import KERNEL_SHUTDOWN_WAIT
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
    time.sleep(2.0)  # any moment of the notebook will do: none may leave a half file
    os.killpg(proc.pid, signal.SIGINT)
    # The kernel is stopped only once its interrupted cell has unwound (notebooks._interruptible):
    # a hang guard beyond the kernel's own, not a guess of how long that takes.
    proc.communicate(timeout=KERNEL_SHUTDOWN_WAIT + 60)
    assert proc.returncode != 0
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and (p.name.startswith(".") and p.suffix in
                                                                      (".tmp", ".ipynb"))]
    assert leftovers == []
    for nb in tmp_path.rglob("*.ipynb"):
        nbformat.validate(nbformat.read(nb, as_version=4))  # whatever exists is whole
    again = subprocess.run(args, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert (tmp_path / "reports" / "chapter" / "thesis.html").is_file()


_HOST = """
import sys
from analysis.notebooks import execute
try:
    execute(sys.argv[1], sys.argv[2], {}, sys.argv[3])
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_a_kernel_stopped_mid_write_removes_its_temporary_file(tmp_path):
    # The kernel runs in its own process group: Ctrl-C reaches only the papermill host, which used
    # to kill the kernel at once, in the middle of an atomic write, leaving the write's temporary
    # file behind whenever the kernel had no CPU between the interrupt and the kill (under load, a
    # figure's). The cell below stays inside atomic_path until interrupted and then unwinds slowly;
    # the test waits for its temporary file (work, not a guessed delay), then interrupts the host.
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "import time\nfrom analysis.atomic import atomic_path\n"
        "with atomic_path('figure.png') as tmp:\n    tmp.write_bytes(b'half')\n    try:\n"
        "        while True:\n            time.sleep(0.05)\n"
        "    except KeyboardInterrupt:\n        time.sleep(1)  # unwinding slowly, as on a loaded machine\n"
        "        raise\n"))
    template = tmp_path / "slow.ipynb"
    nbformat.write(nb, template)
    work = tmp_path / "work"
    work.mkdir()
    host = subprocess.Popen([sys.executable, "-c", _HOST, str(template), str(tmp_path / "out.ipynb"), str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300  # a hang guard only: the kernel normally starts in seconds
        while not list(work.glob(".figure.png.*.tmp")):
            assert host.poll() is None, host.stderr.read()
            assert time.monotonic() < deadline, "the cell never started writing"
            time.sleep(0.05)
        host.send_signal(signal.SIGINT)
        host.communicate(timeout=KERNEL_SHUTDOWN_WAIT + 60)
    finally:
        if host.poll() is None:
            host.kill()
    assert host.returncode != 0
    assert sorted(p.name for p in work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.ipynb", "work"]
