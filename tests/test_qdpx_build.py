"""Imported projects build: whatever a REFI-QDA project lacks, the chapter says so instead of crashing.

Each project is made here (a document-only project, an empty one, one whose
source is a focus group (a group transcript), one with an indicator nobody coded), imported with
``import-qdpx`` and built with ``build``; the ATLAS.ti sample in
``tests/fixtures/refi-qda/`` too.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import figures, qdpx
from analysis.cli import main

ATLAS = Path(__file__).parent / "fixtures" / "refi-qda" / "atlasti-demo-project.qdpx"  # with its licence


def _g() -> str:
    return str(uuid.uuid4()).upper()


def _project(path: Path, codes: str = "", sources: str = "", namespace: str = qdpx.PROJECT_NS) -> Path:
    xml = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{namespace}" name="Test" origin="test">'
           f'<Users><User guid="{USER}" name="Ana"/></Users>'
           f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", xml)
    return path


USER = _g()


def _selection(text: str, quote: str, code: str) -> str:
    at = text.index(quote)
    return (f'<PlainTextSelection guid="{_g()}" name="{quote}" startPosition="{at}" endPosition="{at + len(quote)}" '
            f'creatingUser="{USER}"><Coding guid="{_g()}" creatingUser="{USER}"><CodeRef targetGUID="{code}"/>'
            "</Coding></PlainTextSelection>")


def _source(name: str, text: str, *selections: tuple[str, str]) -> str:
    return (f'<TextSource guid="{_g()}" name="{name}"><PlainTextContent>{text}</PlainTextContent>'
            + "".join(_selection(text, q, c) for q, c in selections) + "</TextSource>")


def _import_and_build(archive: Path, tmp_path: Path) -> tuple[qdpx.ImportReport, Path]:
    case, out = tmp_path / "case", tmp_path / "out"
    assert main(["import-qdpx", str(archive), "--case", str(case)]) == 0
    report = (case / "import-report.md").read_text(encoding="utf-8")
    assert main(["build", "--case", str(case), "--out", str(out)]) == 0
    return report, out


def _chapter(out: Path) -> str:
    return (out / "reports" / "chapter" / "thesis.md").read_text(encoding="utf-8")


# --- figures: nothing to draw is None, not a crash ------------------------------------------------------


def test_figures_with_no_data_are_none():
    empty_matrix = pd.DataFrame(index=pd.Index([], name="speaker"), columns=["A", "B"], dtype="int64")
    assert figures.heatmap(empty_matrix, "code") is None
    assert figures.heatmap(pd.DataFrame({"A": [0, 0]}, index=["P1", "P2"]), "code") is None
    zeros = pd.DataFrame({"label": ["a"], "informants": [0], "documents": [0]})
    assert figures.evidence_bars(zeros, {"informants": "I", "documents": "D", "count": "n"}) is None
    docs = pd.DataFrame({"doc_id": ["D1"], "date": ["2020"], "milestone": [""], "uncertain": [False]})
    assert figures.timeline(docs, {"certain": "c", "uncertain": "u"}) is None
    # and they do draw when there is something
    some = figures.heatmap(pd.DataFrame({"A": [1, 0]}, index=["P1", "P2"]), "code")
    assert some is not None
    figures.plt.close(some)


# --- imported projects that build ---------------------------------------------------------------------


@pytest.mark.e2e
def test_document_only_project_with_an_uncoded_indicator_builds_and_says_what_is_missing(tmp_path):
    grp, used, unused_grp, unused = _g(), _g(), _g(), _g()
    codes = (f'<Code guid="{grp}" name="Formation" isCodable="false">'
             f'<Code guid="{used}" name="agreement" isCodable="true"/></Code>'
             f'<Code guid="{unused_grp}" name="Funding" isCodable="false">'
             f'<Code guid="{unused}" name="budget" isCodable="true"/></Code>')
    minutes = "Minutes of the council.\nThe council voted for the agreement.\nThe mayor signed it."
    press = "Press release.\nThe agreement was signed in 2016."
    archive = _project(tmp_path / "docs.qdpx", codes,
                       _source("Council minutes", minutes, ("voted for the agreement", used))
                       + _source("Press release", press, ("The agreement was signed in 2016", used)))
    report, out = _import_and_build(archive, tmp_path)
    assert "- interviews: 0" in report and "- documents: 2" in report and "- codings: 2" in report
    results = {p.stem: json.loads(p.read_text()) for p in (out / "reports" / "results").glob("*.json")}
    assert results["formation"]["left_out"] == ["informants"]  # no interviews: no heatmap
    assert results["funding"]["left_out"] == ["evidence", "informants"]  # nobody coded it: nothing to draw
    assert results["formation"]["totals"]["documents"] == 2
    chapter = _chapter(out)
    assert "No interview passage is coded for this indicator: the case holds no interviews" in chapter
    assert "No passage is coded for this indicator, and the case holds no interviews" in chapter
    assert "The heatmap of informants by category is left out: there is nothing to draw." in chapter
    figs = sorted(p.name for p in (out / "reports" / "figures").iterdir())
    assert figs == ["formation-evidence.png", "formation-evidence.svg"]


@pytest.mark.e2e
def test_empty_project_imports_with_a_placeholder_codebook_and_builds(tmp_path):
    report, out = _import_and_build(_project(tmp_path / "empty.qdpx"), tmp_path)
    assert "the project has no codes: the codebook holds a placeholder indicator" in report
    chapter = _chapter(out)
    assert "No passage is coded for this indicator: the case holds no interviews and no documents." in chapter
    assert not (out / "reports" / "figures").exists()


@pytest.mark.e2e
def test_focus_group_is_imported_as_a_group_transcript_whose_participants_are_informants(tmp_path):
    theme = _g()
    talk = ("Moderator: What happened after the visit?\nAni: The agreement was signed.\n"
            "Budi: Nothing changed for us.\nCitra: The boats never came.\nAni: We waited.\n"
            "Moderator: Anything else?\nBudi: No.\nCitra: No.")
    archive = _project(tmp_path / "group.qdpx", f'<Code guid="{theme}" name="theme" isCodable="true"/>',
                       _source("Focus group", talk, ("The boats never came.", theme)))
    report, out = _import_and_build(archive, tmp_path)
    assert "'Focus group': 4 speakers, a group transcript: Moderator taken as the moderator, Ani, Budi, Citra" in report
    assert "- interviews: 1" in report and "- documents: 0" in report and "- codings: 1" in report
    meta = yaml.safe_load((tmp_path / "case" / "interviews" / "Focus-group.md").read_text().split("---")[1])
    assert (meta["interviewer"], meta["informants"]) == ("Moderator", ["Ani", "Budi", "Citra"])
    key = yaml.safe_load((tmp_path / "case" / "private" / "identity-key.yml").read_text())
    assert [i["name"] for i in key["informants"]] == ["Ani", "Budi", "Citra"]  # the moderator is not a participant
    informants = pd.read_parquet(out / "processed" / "informants.parquet")
    assert sorted(informants["informant"]) == ["Informant-01", "Informant-02", "Informant-03"]
    units = pd.read_parquet(out / "processed" / "units.parquet")
    assert list(units["speaker_role"]) == ["interviewer", *["informant"] * 4, "interviewer", "informant", "informant"]
    codings = pd.read_parquet(out / "processed" / "codings.parquet")
    assert units.set_index("unit_id").at[codings.at[0, "unit_id"], "speaker"] == "Informant-03"  # Citra's turn


def test_wrong_namespace_imports_with_a_warning(tmp_path, caplog):
    theme = _g()
    archive = _project(tmp_path / "ns.qdpx", f'<Code guid="{theme}" name="theme" isCodable="true"/>',
                       _source("Notes", "One line.\nAnother line.", ("Another line.", theme)),
                       namespace="urn:QDA-XML:project:2.0")
    report = qdpx.import_qdpx(archive, tmp_path / "case")
    assert report.warnings == [("project XML namespace is 'urn:QDA-XML:project:2.0', expected "
                                "'urn:QDA-XML:project:1.0': read as REFI-QDA 1.0 anyway; check what was carried")]
    assert report.counts["codings"] == 1
    right = qdpx.import_qdpx(_project(tmp_path / "ok.qdpx"), tmp_path / "ok")
    assert not [w for w in right.warnings if "namespace" in w]


@pytest.mark.e2e
def test_atlas_ti_sample_imports_and_builds_a_chapter_that_says_what_is_missing(tmp_path):
    _, out = _import_and_build(ATLAS, tmp_path)
    chapter = _chapter(out)
    assert chapter.count("No passage is coded for this indicator: the case holds no interviews and no "
                         "documents.") == 2  # two indicators: Codes, Coke
    assert (out / "reports" / "chapter" / "thesis.docx").is_file()


def test_an_indicator_nobody_coded_reports_what_is_missing_without_a_notebook(tmp_path):
    from analysis import report
    from analysis.paths import CasePaths
    from analysis.prepare import prepare
    qdpx.import_qdpx(_project(tmp_path / "empty.qdpx"), tmp_path / "case")
    prepare(CasePaths(tmp_path / "case", tmp_path / "processed", tmp_path / "reports"))
    for language, said in (("en", "**Missing data.** No passage is coded for this indicator"),
                           ("id", "**Data tidak tersedia.** Tidak ada bagian teks yang dikode")):
        rep = report.indicator_report("codes", str(tmp_path / "case"), str(tmp_path / "processed"),
                                      str(tmp_path / "reports"), language)
        assert said in rep.narrative
        assert rep.results["left_out"] == ["evidence", "informants"] and rep.results["figures"] == []
        assert rep.quotes.empty
