"""Manifest and verify on the mini case (builds it twice: slow-ish, ~30 s)."""

import json

import pytest

from analysis.cli import main

pytestmark = pytest.mark.e2e


def args(paths, command):
    return [command, "--case", str(paths.case), "--processed", str(paths.processed), "--reports", str(paths.reports)]


@pytest.fixture
def built(mini_case):
    assert main(args(mini_case, "build")) == 0
    assert main(args(mini_case, "manifest")) == 0
    return mini_case


def test_manifest_then_verify_passes_then_shows_a_changed_table_as_a_diff(built, capsys):
    data = json.loads((built.reports / "manifest.json").read_text())
    assert "processed/codings.csv" in data["outputs"] and "reports/chapter/thesis.html" in data["outputs"]
    assert "codings/coder-A.csv" in data["inputs"] and len(data["inputs"]["case.yml"]) == 64
    assert data["packages"]["pandas"]
    assert main(args(built, "verify")) == 0
    csv = built.processed / "codings.csv"
    csv.write_text(csv.read_text().replace("There was never enough money for the visits", "EDITED BY HAND"))
    assert main(args(built, "verify")) == 1
    err = capsys.readouterr().err
    assert "processed/codings.csv: differs from the rebuild" in err
    assert "-T1:159-202" in err and "EDITED BY HAND" in err


def test_verify_leads_with_the_findings_that_differ(built, capsys):
    results = built.reports / "results" / "setup.json"
    data = json.loads(results.read_text())
    data["verdict"] = "not_met"  # a results file edited by hand: the rebuild disagrees on a verdict
    results.write_text(json.dumps(data))
    assert main(args(built, "verify")) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith("INFO")]
    assert lines[0] == "findings-level summary (current outputs → fresh rebuild):"
    assert lines[1] == "setup: verdict not met → met"
