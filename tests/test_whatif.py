"""What-if runs: thresholds overridden for one build, written elsewhere and labelled."""

from __future__ import annotations

import json

import pytest

from analysis import whatif
from analysis.cli import main
from analysis.errors import AnalysisError


def test_overrides_replace_the_threshold_in_every_rule():
    rules = {"default": {"min_informants": 2}, "ranking": {"min_informants": 1, "rank_by": ["units"]}}
    changed = whatif.override_rules(rules, whatif.parse_thresholds(["min_informants=4", "min_documents=0"]))
    assert changed == {"default": {"min_informants": 4, "min_documents": 0},
                       "ranking": {"min_informants": 4, "min_documents": 0, "rank_by": ["units"]}}
    assert whatif.override_rules(rules, {}) == rules
    assert whatif.label({"min_informants": 4, "min_documents": 0}) == "min_informants=4,min_documents=0"


@pytest.mark.parametrize("given", [{"min_people": 1}, {"min_informants": -1}, {"min_informants": True}, [1]])
def test_bad_overrides_are_refused(given):
    with pytest.raises(AnalysisError):
        whatif.check_thresholds(given)  # type: ignore[arg-type]


@pytest.mark.e2e
def test_what_if_build_writes_elsewhere_and_says_so(mini_case, tmp_path):
    common = ["--case", str(mini_case.case)]
    assert main(["build", *common, "--processed", str(mini_case.processed), "--reports", str(mini_case.reports)]) == 0
    assert main(["manifest", *common, "--processed", str(mini_case.processed), "--reports", str(mini_case.reports)]) == 0
    before = {p: p.read_bytes() for p in mini_case.reports.rglob("*") if p.is_file()}
    out = tmp_path / "what-if"
    assert main(["what-if", *common, "--out", str(out), "--threshold", "min_informants=9"]) == 0
    assert {p: p.read_bytes() for p in mini_case.reports.rglob("*") if p.is_file()} == before  # the case's untouched
    results = json.loads((out / "reports" / "results" / "setup.json").read_text())
    assert results["what_if"] == {"min_informants": 9} and results["rule"]["min_informants"] == 9
    assert results["verdict"] != json.loads((mini_case.results / "setup.json").read_text())["verdict"]
    chapter = (out / "reports" / "chapter" / "thesis.html").read_text(encoding="utf-8")
    body = chapter[chapter.index("<body"):]
    assert body.index("min_informants=9") < body.index("<h2")  # on the first page, before the first section
    manifest = json.loads((out / "reports" / "manifest.json").read_text())
    assert manifest["what_if"]["thresholds"] == {"min_informants": 9}
    assert "what_if" not in json.loads((mini_case.reports / "manifest.json").read_text())
    nb = json.loads((out / "reports" / "notebooks" / "indicator-setup.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"]["thresholds"] == {"min_informants": 9}
    assert "reports/notebooks/indicator-setup.ipynb" in nb["metadata"]["papermill"]["output_path"]
    assert ".staging" not in json.dumps(nb["metadata"])  # the staging folder is renamed in the metadata too


def test_a_what_if_run_never_writes_over_other_results(tmp_path):
    from analysis.paths import PROJECT_DIR
    reports = tmp_path / "reports"
    assert whatif.reports_for(reports, "setup", {}) == reports
    assert whatif.reports_for(reports, "setup", {"min_informants": 3}) == reports  # nothing there yet
    (reports / "results").mkdir(parents=True)
    (reports / "results" / "setup.json").write_text(json.dumps({"verdict": "met"}))
    elsewhere = PROJECT_DIR / "what-if" / "min_informants=3" / "reports"
    assert whatif.reports_for(reports, "setup", {"min_informants": 3}) == elsewhere
    (reports / "results" / "setup.json").write_text(json.dumps({"what_if": {"min_informants": 3}}))
    assert whatif.reports_for(reports, "setup", {"min_informants": 3}) == reports  # the same what-if run again
    assert whatif.reports_for(reports, "setup", {"min_informants": 4}) != reports


def test_thresholds_set_in_an_executed_notebook_leave_the_case_results_alone(mini_case):
    import shutil

    from analysis import report
    from analysis.prepare import prepare
    prepare(mini_case)
    args = (str(mini_case.case), str(mini_case.processed), str(mini_case.reports))
    report.indicator_report("setup", *args)
    before = (mini_case.results / "setup.json").read_bytes()
    rep = report.indicator_report("setup", *args, thresholds={"min_informants": 11})
    target = whatif.reports_for(mini_case.reports, "setup", {"min_informants": 11})
    try:
        assert (mini_case.results / "setup.json").read_bytes() == before
        assert json.loads((target / "results" / "setup.json").read_text())["what_if"] == {"min_informants": 11}
        assert rep.results["rule"]["min_informants"] == 11
    finally:
        shutil.rmtree(target.parent, ignore_errors=True)
