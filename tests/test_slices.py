"""Evidence slices: an indicator's digest changes exactly when what its report reads changes.

`make` skips an indicator whose digest file is unchanged, so two things must
hold: an edit that an indicator's report can see changes its digest, and an
edit it cannot see leaves both the digest and the report's results alone.
"""

from __future__ import annotations

import json

import pandas as pd

from analysis import report, slices
from analysis.paths import CasePaths
from analysis.prepare import prepare as prepare_tables


def prepare(paths: CasePaths) -> dict[str, pd.DataFrame]:
    return prepare_tables(paths, evidence_digests=True)


def _digests(paths: CasePaths) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(paths.processed.glob(".evidence-*.sha256"))}


def _results(paths: CasePaths, indicator_id: str) -> dict:
    report.indicator_report(indicator_id, str(paths.case), str(paths.processed), str(paths.reports))
    return json.loads((paths.results / f"{indicator_id}.json").read_text())


def test_prepare_writes_one_digest_per_indicator(mini_case):
    prepare(mini_case)
    assert sorted(_digests(mini_case)) == [".evidence-problems.sha256", ".evidence-setup.sha256"]
    assert len(set(_digests(mini_case).values())) == 2


def test_an_unchanged_digest_keeps_its_file_and_timestamp(mini_case):
    prepare(mini_case)
    path = slices.slice_path(mini_case.processed, "setup")
    before = path.stat().st_mtime_ns
    prepare(mini_case)
    assert path.stat().st_mtime_ns == before


def test_a_coding_row_changes_only_its_indicators_digest_and_results(mini_case):
    prepare(mini_case)
    digests, setup = _digests(mini_case), _results(mini_case, "setup")
    problems = _results(mini_case, "problems")
    codings = mini_case.codings / "coder-A.csv"
    codings.write_text(codings.read_text().replace("D2,MONEY,the budget was cut,1,A,\n", ""))
    prepare(mini_case)
    after = _digests(mini_case)
    assert after[".evidence-setup.sha256"] == digests[".evidence-setup.sha256"]
    assert after[".evidence-problems.sha256"] != digests[".evidence-problems.sha256"]
    assert _results(mini_case, "setup") == setup  # skipping it is safe: it would write the same
    assert _results(mini_case, "problems") != problems


def test_text_moving_a_quote_changes_the_digest_of_its_indicator_only(mini_case):
    prepare(mini_case)
    digests = _digests(mini_case)
    t1 = mini_case.interviews / "T1.md"  # between setup's quotes and the MONEY quote (problems)
    t1.write_text(t1.read_text().replace("Bruno was there too.", "Bruno was there too, with others."))
    prepare(mini_case)
    after = _digests(mini_case)
    assert after[".evidence-setup.sha256"] == digests[".evidence-setup.sha256"]
    assert after[".evidence-problems.sha256"] != digests[".evidence-problems.sha256"]


def test_text_no_indicator_reads_leaves_every_digest_and_result(mini_case):
    prepare(mini_case)
    digests = _digests(mini_case)
    results = {i: _results(mini_case, i) for i in ("setup", "problems")}
    t1 = mini_case.interviews / "T1.md"  # after every quote of T1
    t1.write_text(t1.read_text().replace("went elsewhere.", "went elsewhere. Nothing else."))
    prepare(mini_case)
    assert _digests(mini_case) == digests
    assert {i: _results(mini_case, i) for i in ("setup", "problems")} == results


def test_a_new_informant_changes_every_digest(mini_case):
    """The heatmap lists every informant, coded or not: a new one reaches every indicator."""
    tables = prepare(mini_case)
    units = tables["units"]
    extra = units.iloc[[0]].assign(unit_id="T9-001", source_id="T9", speaker="Informant-99", speaker_role="informant")
    grown = {**tables, "units": pd.concat([units, extra], ignore_index=True)}
    for indicator_id in ("setup", "problems"):
        assert slices.digest(slices.indicator_inputs(indicator_id, grown, "A")) != \
            slices.digest(slices.indicator_inputs(indicator_id, tables, "A"))


def test_a_digest_sees_one_changed_cell():
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    assert slices.digest({"t": frame}) == slices.digest({"t": frame.copy()})
    assert slices.digest({"t": frame}) != slices.digest({"t": frame.assign(b=[1, 3])})
    assert slices.digest({"t": frame}) != slices.digest({"u": frame})


def test_plain_prepare_writes_no_digest(mini_case):
    prepare_tables(mini_case)  # `python -m analysis build` and verify: outputs only, no bookkeeping for make
    assert not _digests(mini_case)


def test_the_digest_of_an_indicator_no_longer_in_the_codebook_is_removed(mini_case):
    tables = prepare(mini_case)
    slices.write_slices(mini_case.processed, tables, ["setup"], "A")
    assert sorted(_digests(mini_case)) == [".evidence-setup.sha256"]
