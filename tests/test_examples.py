"""Any case folder builds (issue #10): the bundled English example and a new case.

``examples/aldermoor-calvera`` is a fictional twin-town cooperation in
solid-waste management with four indicators of its own; its data were written
so that the verdicts below follow from the rules in its ``case.yml`` (the
case's README explains each one). ``new-case`` writes a skeleton that builds
at once, and never overwrites a folder with something in it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import cli
from analysis.config import load_case, load_codebook, load_identity_key
from analysis.errors import AnalysisError
from analysis.ingest import read_transcripts
from analysis.paths import PROJECT_DIR, CasePaths
from analysis.scaffold import SKELETON, new_case, skeleton_files

EXAMPLE = PROJECT_DIR / "examples" / "aldermoor-calvera"
INDICATORS = ["agreement", "projects", "participation", "barriers"]


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "reports" / "results").glob("*.json")}


def supported(result: dict) -> list[str]:
    return [c["code"] for c in result["codes"] if c["state"] == "supported"]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example built once into a scratch folder, with the hashes of its files before the build."""
    out = tmp_path_factory.mktemp("aldermoor-calvera")
    before = tree_hash(EXAMPLE)
    assert cli.main(["build", "--case", str(EXAMPLE), "--out", str(out)]) == 0
    return out, before


def test_example_is_fictional_and_labelled_so():
    paths = CasePaths.from_dirs(EXAMPLE)
    case = load_case(paths.case_config)
    assert case["illustrative"] is True and case["language"] == "en"
    assert all("(fictional)" in p["name"] for p in case["parties"])
    transcripts = read_transcripts(paths.interviews)
    assert len(transcripts) == 4
    assert all(t.meta["illustrative"] is True and "ILLUSTRATIVE" in t.meta["note"] for t in transcripts)
    assert (yaml.safe_load(paths.identity_key.read_text(encoding="utf-8"))["fictional"]) is True
    assert all(p.read_text(encoding="utf-8").startswith("ILLUSTRATIVE DOCUMENT")
               for p in sorted(paths.document_texts.glob("*.md")))


def test_example_has_its_own_four_indicators_of_both_kinds():
    codebook = load_codebook(EXAMPLE / "codebook.yml")
    assert [i.id for i in codebook.indicators] == INDICATORS
    assert {i.kind for i in codebook.indicators} == {"criteria", "ranking"}
    assert not {"formation", "implementation", "obstacles"} & {i.id for i in codebook.indicators}


@pytest.mark.e2e
def test_example_builds_an_english_chapter(example):
    out, _ = example
    html = (out / "reports" / "chapter" / "thesis.html").read_text(encoding="utf-8")
    md = (out / "reports" / "chapter" / "thesis.md").read_text(encoding="utf-8")
    assert '<html lang="en"' in html
    assert "CHAPTER 5" in html and "FINDINGS AND CONCLUSION" in html
    assert "CHAPTER 4" in html and "FINDINGS AND DISCUSSION" in html and "APPENDIX" in html
    titles = re.findall(r"<h2[^>]*>\s*4\.\d+ ([^<]+)", html)
    assert titles == ["A formal twinning agreement with a mandate", "Joint projects delivered",
                      "Involvement of residents and firms", "Barriers to the cooperation"]
    assert re.findall(r"<h2[^>]*>\s*5\.\d+ ([^<]+)", html) == ["Answers to the research question"]  # case.yml sections
    assert "Figure 4.1" in html and "Table 4.1" in html and "# References" in md
    assert "[[" not in html and "[[" not in md
    assert "the interviews in this example are illustrative" in html
    # The case's own wording (templates/en/caption_timeline.md.j2) replaces the package's.
    assert "Milestones of the twinning in the (fictional) public record" in html
    assert "Timeline of the cooperation from the public documents" not in html
    assert (out / "reports" / "chapter" / "thesis.docx").is_file()


@pytest.mark.e2e
def test_example_verdicts_follow_from_its_data(example):
    out, _ = example
    r = results(out)
    assert {k: r[k]["verdict"] for k in INDICATORS} == {"agreement": "met", "projects": "partly_met",
                                                         "participation": "met", "barriers": None}
    assert r["conclusion"]["verdicts"] == ["met", "partly_met", "met", None]
    # agreement: both required codes reach 2 informants and 1 document; the national basis has 1 informant.
    assert supported(r["agreement"]) == ["AGR_SIGNED", "AGR_COUNCIL"]
    # projects: recycling has 2 informants but no document, and it is required.
    assert supported(r["projects"]) == ["PRJ_COMPOST", "PRJ_TRAINING"]
    recycle = next(c for c in r["projects"]["codes"] if c["code"] == "PRJ_RECYCLE")
    assert (recycle["informants"], recycle["documents"], recycle["required"]) == (2, 0, True)
    # participation: residents supported; firms (1 informant, not required) not.
    assert supported(r["participation"]) == ["PAR_RESIDENTS"]
    # barriers: ranked by informants, then units; language (2 informants, 4 units) before staff (2, 3).
    ranked = [(c["code"], c["rank"], c["informants"], c["units"]) for c in r["barriers"]["codes"]]
    assert ranked == [("BAR_FUNDING", 1, 4, 5), ("BAR_LANGUAGE", 2, 2, 4), ("BAR_STAFF", 3, 2, 3),
                      ("BAR_DATA", 0, 1, 2)]
    # Every criteria verdict of this small case rests on two informants: the sensitivity check says so.
    assert all(r[k]["sensitivity"]["fragile"] for k in ("agreement", "projects", "participation"))
    md = (out / "reports" / "chapter" / "thesis.md").read_text(encoding="utf-8")
    assert "of three judged indicators, two are met and one is partly met" in md
    assert "the indicator joint projects delivered is partly met" in md
    assert "The strongest is lack of funding, raised by 4 informants" in md
    assert "### Recommendations\n\n" in md and "**Practical recommendations**\n\n1. " in md
    assert "The study has limitations." in md and "how far did the twinning" in md  # case.yml's question
    barriers = md[md.index("## 4.4"):md.index("# CHAPTER 5")]
    assert not re.search(r"is \*\*(met|not met|partly met)\*\*", barriers)
    assert "Table 4.2.This" not in md and "qualify the evidence" not in barriers  # spacing and agreement


@pytest.mark.e2e
def test_example_build_leaves_the_case_untouched_and_pseudonymises(example):
    out, before = example
    assert tree_hash(EXAMPLE) == before
    paths = CasePaths(EXAMPLE, out / "processed", out / "reports")
    assert cli.main(["audit", "--case", str(EXAMPLE), "--out", str(out)]) == 0
    chapter = (paths.chapter / "thesis.html").read_text(encoding="utf-8")
    assert "Informant-01" in chapter
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", chapter)  # embedded figures are bytes
    assert not [n for i in load_identity_key(paths.identity_key) for n in i.names
                if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE)]


def test_skeleton_is_a_commented_case_with_one_of_everything():
    files = {p.as_posix() for p in skeleton_files()}
    assert {"README.md", "case.yml", "codebook.yml", "private/identity-key.yml", "documents/register.csv",
            "codings/coder-A.csv"} <= files
    assert len([f for f in files if f.startswith("interviews/")]) == 1
    for name in ("case.yml", "codebook.yml", "private/identity-key.yml", "interviews/T01.md"):
        assert "\n# " in (SKELETON / name).read_text(encoding="utf-8") or \
            (SKELETON / name).read_text(encoding="utf-8").startswith(("# ", "---\n# "))
    assert len(load_codebook(SKELETON / "codebook.yml").indicators) == 1
    assert len(load_identity_key(SKELETON / "private" / "identity-key.yml")) == 1
    transcript = read_transcripts(SKELETON / "interviews")[0]
    assert transcript.meta["illustrative"] is True
    assert (SKELETON / "codings" / "coder-A.csv").read_text(encoding="utf-8").startswith(
        "source_id,code,quote,occurrence,coder,memo,stance\n")


@pytest.mark.e2e
def test_new_case_builds_at_once(tmp_path):
    case = tmp_path / "cases" / "my-case"
    assert cli.main(["new-case", str(case)]) == 0
    assert sorted(p.relative_to(case) for p in case.rglob("*") if p.is_file()) == skeleton_files()
    before = tree_hash(case)
    out = tmp_path / "out"
    assert cli.main(["build", "--case", str(case), "--out", str(out)]) == 0
    html = (out / "reports" / "chapter" / "thesis.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html and "[[" not in html
    assert results(out)["formalisation"]["verdict"] == "met"
    # Recommendations only when a rule gives one (here the illustrative interviews, for research): never empty.
    assert not re.search(r"Recommendations</h3>\s*(<[^p]|$)", html)
    assert tree_hash(case) == before


def test_new_case_refuses_a_folder_with_something_in_it(tmp_path, capsys):
    case = tmp_path / "case"
    case.mkdir()
    (case / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert cli.main(["new-case", str(case)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in case.iterdir()] == ["notes.txt"]
    with pytest.raises(AnalysisError) as err:
        new_case(case / "notes.txt")
    assert err.value.hint
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_new_case_fills_an_empty_folder(tmp_path):
    case = tmp_path / "empty"
    case.mkdir()
    written = new_case(case)
    assert (case / "case.yml").is_file() and len(written) == len(skeleton_files())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]  # no staging folder left behind


@pytest.mark.e2e
def test_example_originals_pdf_html_vtt_and_cited_pages(example):
    out, _ = example
    sources = pd.read_parquet(out / "processed" / "sources.parquet").set_index("source_id")
    assert {"pdf", "html", "vtt"} <= set(sources["format"])
    documents = sources[sources["source_type"] == "document"]
    # Every document's opening notice is metadata, not a unit.
    assert documents["notices"].str.startswith("ILLUSTRATIVE DOCUMENT").all()
    units = pd.read_parquet(out / "processed" / "units.parquet")
    assert not units["text"].str.startswith("ILLUSTRATIVE").any()
    paged = units[units["source_id"].isin(documents.index[documents["format"] == "pdf"])]
    assert len(paged) and paged["page"].notna().all() and paged["page"].max() >= 2
    r = results(out)
    cited = [q for k in INDICATORS for q in r[k]["quotes"] + r[k]["contrary"] if q["page"] is not None]
    assert cited, "no quote from a PDF among the chapter's quotes"
    md = (out / "reports" / "chapter" / "thesis.md").read_text(encoding="utf-8")
    for q in cited:
        assert f"{q['source_id']}, p. {q['page']}" in md
