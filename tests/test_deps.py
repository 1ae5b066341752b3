"""The Makefile's prerequisite lists come from the package's imports (``analysis.deps``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import deps
from analysis.paths import PROJECT_DIR

MINI = PROJECT_DIR / "tests" / "fixtures" / "mini"
# Run the command line in a child and write, at exit, every module of the package it loaded.
_LOADED = ("import atexit, json, runpy, sys\n"
           "out, argv = sys.argv[1], sys.argv[2:]\n"
           "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(\n"
           "    m for m in sys.modules if m == 'analysis' or m.startswith('analysis.')))))\n"
           "sys.argv = ['analysis', *argv]\n"
           "runpy.run_module('analysis', run_name='__main__', alter_sys=True)\n")


def _loaded_by(tmp_path: Path, *argv: str) -> set[str]:
    record = tmp_path / "loaded.json"
    run = subprocess.run([sys.executable, "-c", _LOADED, str(record), *argv], cwd=PROJECT_DIR,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return set(json.loads(record.read_text()))


def _files(modules: set[str]) -> set[str]:
    return {deps.module_file(m).relative_to(PROJECT_DIR).as_posix() for m in modules}  # type: ignore[union-attr]


def test_prepare_lists_every_module_a_real_prepare_loads(tmp_path):
    loaded = _loaded_by(tmp_path, "prepare", "--case", str(MINI), "--processed", str(tmp_path / "processed"))
    assert "analysis.prepare" in loaded and "analysis.coding" in loaded  # the run did the work
    assert _files(loaded) <= set(deps.stage_files("PREPARE_SRC"))


def test_the_indicator_list_lists_every_module_a_real_run_loads(tmp_path):
    loaded = _loaded_by(tmp_path, "indicators", "--case", str(MINI))
    assert _files(loaded) <= set(deps.stage_files("LIST_SRC"))


@pytest.mark.parametrize("variable", sorted(deps.STAGES))
def test_each_stage_lists_what_importing_its_entry_loads(variable, tmp_path):
    """The stage's modules and its notebook's imports, imported in a fresh process: all of it is listed."""
    function, notebook = deps.STAGES[variable]
    entry = sorted(deps.pipeline_entry(function) | (deps.notebook_imports(PROJECT_DIR / "notebooks" / notebook)
                                                    if notebook else set()))
    assert entry, f"{function} imports nothing of the package?"
    code = ("import importlib, json, sys\n"
            f"for m in {entry!r} + ['analysis.cli']: importlib.import_module(m)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('analysis'))))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert _files(set(json.loads(run.stdout))) <= set(deps.stage_files(variable))


def test_lazy_imports_are_followed():
    # chapter.py imports the DOCX exporter inside a function; the assembly runs it.
    assert "src/analysis/formats/docx.py" in deps.stage_files("ASSEMBLE_SRC")
    assert "src/analysis/notebooks.py" in deps.stage_files("INDICATOR_SRC")
    assert "src/analysis/prepare.py" not in deps.stage_files("PDF_SRC")


def test_notebook_imports_skip_magics(tmp_path):
    nb = tmp_path / "n.ipynb"
    nb.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "from analysis import report\n"]},
        {"cell_type": "markdown", "source": ["import analysis.chapter"]},
        {"cell_type": "code", "source": ["!ls\n", "import analysis.formats.pdf as p\n"]}]}))
    assert deps.notebook_imports(nb) == {"analysis", "analysis.report", "analysis.formats", "analysis.formats.pdf"}


def test_the_makefile_uses_every_generated_list_and_types_none_by_hand():
    makefile = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    for variable in deps.STAGES:
        assert f"$({variable})" in makefile, f"{variable} is generated but no rule uses it"
    assert not re.search(r"^\w+_SRC\s*:?=.*\.py\b", makefile, re.M), "a hand-typed list of .py files"


def test_deps_writes_the_fragment(tmp_path):
    from analysis.cli import main

    target = tmp_path / "deps.mk"
    assert main(["deps", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text == deps.makefile_fragment()
    assert re.search(r"^PREPARE_SRC := .*src/analysis/prepare\.py", text, re.M)
