"""Privacy in every source, and a build that refuses to finish with a leak.

Public documents may name an informant (a councillor quoted in the press):
they are pseudonymised like transcripts, and codings quote them with the
name or the pseudonym. The audit that ends every build removes any output
holding a name of the key, and the manifest, and never prints the name.
"""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from analysis.audit import audit, refuse_leaks
from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.prepare import prepare

NAMES = ("Bruno", "Tanaka", "Moreau", "Alice")


def _name_a_key_person_in_a_document(case) -> None:
    text = case / "documents" / "texts" / "D1.md"
    text.write_text(text.read_text() + "\nCouncillor Bruno Tanaka welcomed the agreement.\n")
    register = case / "documents" / "register.csv"
    register.write_text(register.read_text().replace("Agreement signed,https", "Ms Moreau signs the agreement,https"))
    with open(case / "codings" / "coder-A.csv", "a", encoding="utf-8") as f:
        f.write("D1,COUNCIL,Councillor Bruno Tanaka welcomed,1,A,memo about Pak Bruno\n")  # as written: name
        f.write("D1,AGREEMENT,Person-2 welcomed the agreement,1,A,\n")  # or by pseudonym


def test_documents_are_pseudonymised_and_their_quotes_still_anchor(mini_case):
    _name_a_key_person_in_a_document(mini_case.case)
    tables = prepare(mini_case)
    doc = tables["sources"].set_index("source_id").loc["D1", "text"]
    assert "Councillor Person-2 welcomed the agreement." in doc
    assert "Person-1 signs the agreement" in tables["documents"].set_index("doc_id").loc["D1", "title"]
    d1 = tables["codings"][tables["codings"]["source_id"] == "D1"]
    assert "Councillor Person-2 welcomed" in set(d1["quote"]) and "Person-2 welcomed the agreement" in set(d1["quote"])
    assert "memo about Person-2" in set(d1["memo"])
    assert audit(mini_case) == []


def _outputs_with_a_leak(paths) -> None:
    (paths.reports / "chapter").mkdir(parents=True)
    paths.processed.mkdir(parents=True)
    (paths.reports / "chapter" / "thesis.md").write_text("As Pak Bruno said.\n" * 8)
    (paths.reports / "clean.md").write_text("Person-2 said so.\n")
    (paths.reports / "manifest.json").write_text("{}\n")
    pd.DataFrame({"speaker": ["Person-1", "Alice Moreau"]}).to_parquet(paths.processed / "units.parquet")


def test_a_leak_removes_the_files_holding_it_and_the_manifest_and_never_prints_the_name(mini_case, caplog):
    _outputs_with_a_leak(mini_case)
    expected = r"9 identity leak\(s\) found; the 2 output file\(s\) holding them were removed and the build is not"
    with caplog.at_level(logging.ERROR, logger="analysis"), pytest.raises(AnalysisError, match=expected):
        refuse_leaks(mini_case)
    assert not (mini_case.reports / "chapter" / "thesis.md").exists()
    assert not (mini_case.processed / "units.parquet").exists()
    assert not (mini_case.reports / "manifest.json").exists()
    assert (mini_case.reports / "clean.md").exists()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "thesis.md:1: an alias from the private key (of Person-2)" in logged
    assert "units.parquet:row 2 column speaker: a name from the private key (of Person-1)" in logged
    assert "thesis.md: ... and 3 more" in logged  # at most five lines per file
    assert not any(name in logged for name in NAMES)


def test_clean_outputs_pass_untouched(mini_case):
    mini_case.reports.mkdir(parents=True)
    (mini_case.reports / "clean.md").write_text("Person-2 said so.\n")
    refuse_leaks(mini_case)
    assert (mini_case.reports / "clean.md").exists()


def test_the_standalone_audit_reports_without_removing_or_naming(mini_case, capsys):
    _outputs_with_a_leak(mini_case)
    args = ["--case", str(mini_case.case), "--processed", str(mini_case.processed),
            "--reports", str(mini_case.reports)]
    assert main(["audit", *args]) == 1
    err = capsys.readouterr().err
    assert "identity leak(s) found" in err and not any(name in err for name in NAMES)
    assert (mini_case.reports / "chapter" / "thesis.md").exists()
    assert main(["manifest", *args]) == 1  # the last step of every build refuses
    assert not (mini_case.reports / "manifest.json").exists()
    assert not (mini_case.reports / "chapter" / "thesis.md").exists()
