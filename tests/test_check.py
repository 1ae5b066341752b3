"""``check``: one pass over a case lists every problem, grouped by file, and writes nothing.

Each test damages its own copy of the mini case in independent places and
asserts that every damage is reported, in one run, with its file and line;
the same pass runs before ``prepare`` and ``build``, so those report all of
them too.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.config import load_case, load_codebook, load_identity_key
from analysis.errors import AnalysisError, CaseProblems, ProblemCollector
from analysis.paths import PROJECT_DIR, CasePaths
from analysis.prepare import check_case, prepare

MINI = PROJECT_DIR / "tests" / "fixtures" / "mini"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"stale edit: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def case(tmp_path: Path) -> Path:
    copy = tmp_path / "case"
    shutil.copytree(MINI, copy)
    return copy


FIVE_FAULTS = {  # file -> (old, new, what the report must say about it)
    "case.yml": ("sector: ports", "sektor: ports", "did you mean 'sector'?"),
    "codebook.yml": ("kind: ranking", "kind: rankng", "unknown indicator kind 'rankng'"),
    "interviews/T1.md": ("Interviewer: And the", "Interviewr: And the", "unknown speaker 'Interviewr'"),
    "documents/register.csv": ("D2,2020,year,true,news", "D2,2020,year,true,newspaper",
                               "unknown document type 'newspaper'"),
    "private/identity-key.yml": ("aliases: [Pak Bruno, Bruno]", "aliases: Pak Bruno", "expected a list ([a, b]), found text"),
}


def _damage(case: Path, faults: dict[str, tuple[str, str, str]]) -> None:
    for name, (old, new, _) in faults.items():
        _edit(case / name, old, new)


def test_five_independent_faults_in_five_files_are_all_reported_and_nothing_is_written(case, tmp_path, capsys):
    _damage(case, FIVE_FAULTS)
    before = _tree(case)
    out = tmp_path / "out"
    code = main(["check", "--case", str(case)])  # check takes no output folder: it writes none
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    for name, (_, _, said) in FIVE_FAULTS.items():
        assert name in err, f"{name} is not a heading of the report: {err}"
        under = err[err.index(name) + 1]  # the problem is listed under its file, with its line
        assert under.startswith("  line ") and said in under, (name, under)
    assert err[-1].startswith("error: 5 problems in 5 files of ")
    assert not out.exists() and not (tmp_path / "processed").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]
    assert _tree(case) == before, "check changed the case folder"


def test_build_and_prepare_report_every_problem_before_writing(case, tmp_path, capsys):
    faults = {k: FIVE_FAULTS[k] for k in ("case.yml", "documents/register.csv", "interviews/T1.md")}
    _damage(case, faults)
    for command in ("prepare", "build"):
        out = tmp_path / command
        assert main([command, "--case", str(case), "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert "error: 3 problems in 3 files of " in err, err
        assert all(said in err for _, _, said in faults.values())
        assert not out.exists(), f"{command} wrote {list(out.rglob('*'))}"


def test_make_first_step_reports_every_problem(case, capsys):
    # `make` starts with `indicators`: a typo in case.yml there lists the other problems too.
    _damage(case, {k: FIVE_FAULTS[k] for k in ("case.yml", "documents/register.csv")})
    assert main(["indicators", "--case", str(case)]) == 1
    err = capsys.readouterr().err
    assert "sektor" in err and "newspaper" in err and "error: 2 problems in 2 files" in err


@pytest.mark.parametrize("folder", ["data/raw", "examples/aldermoor-calvera", "tests/fixtures/mini"])
def test_example_cases_have_no_problem(folder, capsys):
    assert main(["check", "--case", str(PROJECT_DIR / folder)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("check: no problems in ") and "error" not in err


def test_two_bad_rows_of_one_codings_file_are_both_reported(case):
    path = case / "codings" / "coder-A.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    # Line 2: a stance no one knows (read); line 4: a quote that is not in the transcript (anchoring).
    lines[1] = lines[1] + ",maybe"
    lines[0] = lines[0] + ",stance"
    lines = [lines[0]] + [line if i == 1 else line + "," for i, line in enumerate(lines[1:], start=1)]
    source, code, _, *rest = lines[3].split(",")
    lines[3] = ",".join([source, code, "words nobody said", *rest])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_case(CasePaths(case, case / "p", case / "r")).problems
    assert [(Path(p.path or "").name, p.line) for p in problems] == [("coder-A.csv", 2), ("coder-A.csv", 4)]
    assert "unknown stance 'maybe'" in problems[0].message and "quote not found" in problems[1].message


def test_two_bad_register_rows_and_two_unknown_keys_are_all_reported(case):
    _edit(case / "documents" / "register.csv", "D1,2016-05-31,day,false,news", "D1,2016-05-31,day,perhaps,news")
    _edit(case / "documents" / "register.csv", "D2,2020,year,true,news", "D2,2020,year,true,newspaper")
    _edit(case / "case.yml", "sector: ports", "sektor: ports\nlanguag: en")
    problems = check_case(CasePaths(case, case / "p", case / "r")).problems
    shown = [(Path(p.path or "").name, p.line, p.field) for p in problems]
    assert shown == [("case.yml", 5, "sektor"), ("case.yml", 6, "languag"),
                     ("register.csv", 2, "uncertain"), ("register.csv", 3, "type")]


def test_two_faulty_codes_of_the_codebook_are_both_reported_without_cascading(case):
    text = (case / "codebook.yml").read_text(encoding="utf-8")
    ids = [line.split("id:")[1].strip() for line in text.splitlines() if line.strip().startswith("- id:")]
    codes = [i for i in ids if i not in {ind.id for ind in load_codebook(MINI / "codebook.yml").indicators}]
    for code in codes[:2]:  # a misspelt key in two codes: each code is then left out
        _edit(case / "codebook.yml", f"- id: {code}", f"- id: {code}\n        labl: x")
    problems = check_case(CasePaths(case, case / "p", case / "r")).problems
    assert [p.message.split(";")[0] for p in problems] == ["unknown key 'labl'"] * 2
    assert all(Path(p.path or "").name == "codebook.yml" for p in problems)


def test_one_problem_reads_as_it_always_did(case, capsys):
    _damage(case, {"documents/register.csv": FIVE_FAULTS["documents/register.csv"]})
    assert main(["check", "--case", str(case)]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(err) == 1 and err[0].startswith("error: ") and "register.csv:3: [type]" in err[0]


def test_prepare_of_a_valid_case_is_unchanged_by_the_check(case, tmp_path):
    tables = prepare(CasePaths(case, tmp_path / "processed", tmp_path / "reports"))
    assert len(tables["codings"]) > 0 and (tmp_path / "processed" / "codings.parquet").is_file()


def test_collector_is_strict_by_default_and_lazy_on_request():
    strict = ProblemCollector(lazy=False)
    with pytest.raises(AnalysisError, match="first"):
        with strict.item():
            raise AnalysisError("first")
    lazy = ProblemCollector()
    for word in ("one", "two"):
        with lazy.item() as item:
            raise AnalysisError(word, path="a.csv", line=3)
        assert item.failed
    with lazy.item() as fine:
        pass
    assert not fine.failed and [p.message for p in lazy.problems] == ["one", "two"]
    with pytest.raises(CaseProblems) as raised:
        lazy.raise_if_any()
    assert raised.value.listing() == ["a.csv", "  line 3: one", "  line 3: two"]
    with pytest.raises(ValueError):  # a bug is never collected as a user's problem
        with lazy.item():
            raise ValueError("bug")


def test_validators_stop_at_the_first_problem_without_a_collector(case):
    _edit(case / "case.yml", "sector: ports", "sektor: ports\nlanguag: en")
    with pytest.raises(AnalysisError, match="sektor"):
        load_case(case / "case.yml")
    lazy = ProblemCollector()
    load_case(case / "case.yml", lazy)
    assert [p.field for p in lazy.problems] == ["sektor", "languag"]


def test_identity_key_keys_are_checked(case):
    _edit(case / "private" / "identity-key.yml", "{informant_id: P1,", "{informant_id: P1, nmae: x,")
    with pytest.raises(AnalysisError, match="unknown key 'nmae'") as raised:
        load_identity_key(case / "private" / "identity-key.yml")
    assert raised.value.hint == "did you mean 'name'?"
