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
    assert "processed/codings.csv" in data["outputs"] and "reports/chapter/chapter.html" in data["outputs"]
    assert "codings/coder-A.csv" in data["inputs"] and len(data["inputs"]["case.yml"]) == 64
    assert data["packages"]["pandas"]
    assert main(args(built, "verify")) == 0
    csv = built.processed / "codings.csv"
    csv.write_text(csv.read_text().replace("There was never enough money for the visits", "EDITED BY HAND"))
    assert main(args(built, "verify")) == 1
    err = capsys.readouterr().err
    assert "processed/codings.csv: differs from the rebuild" in err
    assert "-T1:159-202" in err and "EDITED BY HAND" in err
