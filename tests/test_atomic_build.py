"""All or nothing: a stage that fails leaves its output folders exactly as they were, or absent.

`prepare` writes all its tables into a staging folder and swaps them in
together; `build` does the same for both output folders, once the chapter is
assembled. Each test snapshots the output folders (bytes and modification
times of every file, and the list of folders), makes a run fail part-way, and
checks the snapshot is unchanged.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis import atomic, pipeline, schemas
from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.paths import PROJECT_DIR
from analysis.prepare import prepare

MINI = PROJECT_DIR / "tests" / "fixtures" / "mini"


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: bytes and mtime of files, and the folders themselves."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): ((p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else "dir")
            for p in sorted(folder.rglob("*"))}


def _fail_on_call(n: int, real, exc: BaseException):
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise exc
        return real(*args, **kwargs)
    return wrapped


def _append_paragraph(path: Path) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write("\n\nA paragraph added since the last build.\n")


# --- prepare ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exc", [AnalysisError("table refused"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_prepare_failing_after_some_tables_leaves_the_previous_tables(mini_case, monkeypatch, exc):
    prepare(mini_case)
    (mini_case.processed / ".indicators.mk").write_text("INDICATORS += setup\n")  # the Makefile's own file
    before = snapshot(mini_case.processed)
    assert len([k for k in before if k.endswith(".parquet")]) == len(schemas.ALL)
    # a new build that would change every table, then fails at the fifth one
    _append_paragraph(mini_case.case / "documents" / "texts" / "D1.md")
    monkeypatch.setattr(schemas, "write_table", _fail_on_call(5, schemas.write_table, exc))
    with pytest.raises(type(exc)):
        prepare(mini_case)
    assert snapshot(mini_case.processed) == before


def test_prepare_into_a_new_folder_that_fails_leaves_nothing(mini_case, monkeypatch):
    target = mini_case.processed.parent / "new" / "processed"
    monkeypatch.setattr(schemas, "write_table", _fail_on_call(3, schemas.write_table, AnalysisError("refused")))
    with pytest.raises(AnalysisError):
        prepare(type(mini_case)(mini_case.case, target, mini_case.reports))
    assert not (mini_case.processed.parent / "new").exists()


def test_prepare_keeps_files_it_does_not_write_and_replaces_its_tables(mini_case):
    mini_case.processed.mkdir(parents=True)
    (mini_case.processed / ".gitkeep").write_text("")
    (mini_case.processed / "notes.txt").write_text("mine")
    (mini_case.processed / "units.csv").write_text("stale")
    prepare(mini_case)
    assert (mini_case.processed / ".gitkeep").is_file() and (mini_case.processed / "notes.txt").read_text() == "mine"
    assert (mini_case.processed / "units.csv").read_text().startswith("unit_id,")
    assert not [p for p in mini_case.processed.iterdir() if p.name.startswith((".staging-", ".replaced-"))]


# --- the swap itself ---------------------------------------------------------------------------------


def test_a_failed_swap_is_undone_in_every_folder(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "x.csv").write_text(f"old {folder.name}")
        (folder / "keep.txt").write_text("keep")
    before = {f: snapshot(f) for f in (a, b)}
    # the swap fails at the last rename, when folder a is already swapped and b half-way
    real = os.replace
    monkeypatch.setattr(atomic.os, "replace", _fail_on_call(4, real, OSError("disk gone")))
    def csv_files(name: str) -> bool:
        return name.endswith(".csv")

    with pytest.raises(OSError), atomic.staged_dirs([(a, csv_files), (b, csv_files)]) as (sa, sb):
        (sa / "x.csv").write_text("new a")
        (sb / "x.csv").write_text("new b")
    assert {f: snapshot(f) for f in (a, b)} == before


def test_owned_entries_the_stage_no_longer_writes_are_removed(tmp_path):
    folder = tmp_path / "reports"
    (folder / "results").mkdir(parents=True)
    (folder / "results" / "dropped-indicator.json").write_text("{}")
    (folder / "manifest.json").write_text("{}")
    (folder / "notes.md").write_text("mine")
    with atomic.staged_dirs([(folder, pipeline.REPORT_ENTRIES.__contains__)]) as (stage,):
        (stage / "results").mkdir()
        (stage / "results" / "kept.json").write_text("{}")
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "notes.md", "results", "results/kept.json"]


# --- build (runs the notebooks) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("atomic-build")
    assert main(["build", "--case", str(MINI), "--out", str(out / "out")]) == 0
    return out / "out"


@pytest.mark.e2e
def test_build_outputs_name_their_real_folders(built):
    blob = b"".join(p.read_bytes() for p in built.rglob("*") if p.is_file())
    assert b".staging-" not in blob and b".replaced-" not in blob
    nb = (built / "reports" / "notebooks" / "indicator-setup.ipynb").read_text()
    assert f'processed_dir = \\"{built / "processed"}\\"' in nb
    assert not [p for p in built.rglob(".*")]


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["bad-coding-row", "conclusion-fails", "assembly-interrupted"])
def test_build_failing_midway_leaves_the_previous_outputs(built, tmp_path, monkeypatch, fault):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    case = tmp_path / "case"
    shutil.copytree(MINI, case)
    _append_paragraph(case / "documents" / "texts" / "D1.md")  # every output would change
    if fault == "bad-coding-row":
        with (case / "codings" / "coder-B.csv").open("a") as f:
            f.write("T1,WEATHER,The agreement was signed in 2016,1,B,\n")
    elif fault == "conclusion-fails":
        monkeypatch.setattr(pipeline, "conclusion", lambda *args: (_ for _ in ()).throw(AnalysisError("injected")))
    else:
        monkeypatch.setattr(pipeline, "assemble", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
    before = snapshot(out)
    code = main(["build", "--case", str(case), "--out", str(out)])
    assert code == (130 if fault == "assembly-interrupted" else 1)
    assert snapshot(out) == before


@pytest.mark.e2e
def test_build_failing_into_a_new_folder_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "conclusion", lambda *args: (_ for _ in ()).throw(AnalysisError("injected")))
    assert main(["build", "--case", str(MINI), "--out", str(tmp_path / "new" / "out")]) == 1
    assert not (tmp_path / "new").exists()
