"""End to end: `make` builds a case folder into its own output folders.

The example case is built once (module fixture) and its chapter is checked
against the findings of the reference conclusion; the mini case checks that
a second `make` has nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.paths import DEFAULT_CASE, PROJECT_DIR

pytestmark = pytest.mark.e2e


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=900)


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(case: Path, out: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    args = [f"CASE={case}", f"PROCESSED={out / 'processed'}", f"REPORTS={out / 'reports'}"]
    return make(*args), args


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    before = tree_hash(DEFAULT_CASE)
    result, args = build(DEFAULT_CASE, out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, args, before


def test_example_chapter_states_the_findings_its_evidence_carries(example):
    out, _, _ = example
    results = {p.stem: json.loads(p.read_text()) for p in (out / "reports" / "results").glob("*.json")}
    verdicts = [results[i]["verdict"] for i in ("formation", "implementation", "obstacles")]
    assert verdicts == ["partly_met", "partly_met", None]  # obstacles are ranked, never "met"
    state = {i: {c["code"]: c["state"] for c in results[i]["codes"]} for i in ("formation", "implementation")}
    assert {state["formation"][c] for c in ("LEG_LOI", "LEG_MOU")} == {"supported"}
    # One informant reports that the regulations' evaluation duty was never carried out.
    assert state["formation"]["LEG_BASIS"] == "contested"
    # The public record has no evidence that the fisheries activities took place; the recoded
    # interviews and documents deny them, so the chapter must not call them supported.
    assert state["implementation"]["IMP_PLAN"] == "supported"
    assert state["implementation"]["IMP_FISHING"] in ("contested", "contradicted")
    assert state["implementation"]["IMP_PRESERVE"] in ("contested", "contradicted")
    assert results["obstacles"]["ranking"][0] == "OBS_COVID"
    assert results["implementation"]["contrary"] and results["formation"]["caveats"]
    html = (out / "reports" / "chapter" / "thesis.html").read_text()
    assert "BAB IV" in html and "KESIMPULAN" in html
    assert "BAB III" in html and "HASIL DAN PEMBAHASAN" in html and "LAMPIRAN" in html
    assert len(re.findall(r"<h2[^>]*>\s*3\.\d", html)) == 3  # findings: one section per indicator
    assert len(re.findall(r"<h2[^>]*>\s*4\.\d", html)) == 1  # conclusion (Saran is a subsection)
    assert "kedua indikator yang dinilai terpenuhi sebagian" in html
    assert "Bukti yang membantah untuk indikator" in html and "Uji sensitivitas" in html
    assert "Catatan kehati-hatian" in html and "membantah" in html
    assert "Gambar 3.1" in html and "Tabel 3.1" in html and "[[" not in html
    assert "<script" not in html and "https://cdn" not in html


def test_the_ranking_indicator_is_never_called_met(example):
    out, _, _ = example
    md = (out / "reports" / "chapter" / "thesis.md").read_text()
    section = md[md.index("## 3.3"):md.index("# BAB IV")]
    assert not re.search(r"dinilai \*\*(terpenuhi|tidak terpenuhi|terpenuhi sebagian)", section)
    conclusion = md[md.index("## 4.1"):md.index("# Daftar Pustaka")]
    assert not re.search(r'"Tantangan dan kendala" (terpenuhi|tidak terpenuhi|belum terpenuhi)', conclusion)
    assert "tiga indikator" not in conclusion  # only the two judged indicators are counted


def test_every_number_in_the_narrative_is_recomputed_from_the_processed_tables(example):
    """An independent count (plain pandas on the Parquet tables) of each number the indicator text prints."""
    import pandas as pd

    out, _, _ = example
    processed = out / "processed"
    codings = pd.read_parquet(processed / "codings.parquet")
    units = pd.read_parquet(processed / "units.parquet")
    documents = pd.read_parquet(processed / "documents.parquet")
    md = (out / "reports" / "chapter" / "thesis.md").read_text()
    pattern = re.compile(r'Indikator "([^"]+)".*?Pengodean indikator ini mencakup (\d+) informan dan (\d+) dokumen'
                         r"(?: \((\d+) sumber independen\))?, dalam (\d+) unit berbeda\. "
                         r"Dari (\d+) pengodean, (\d+) mendukung, (\d+) membantah, dan (\d+)", re.S)
    found = pattern.findall(md)
    labels = {json.loads(p.read_text())["label"]: p.stem for p in (out / "reports" / "results").glob("*.json")
              if p.stem != "conclusion"}
    assert len(found) == 3
    for label, inf, docs, indep, n_units, n_codings, sup, con, ctx in found:
        mine = codings[(codings["coder"] == "A") & (codings["indicator"] == labels[label])]
        joined = mine.merge(units[["unit_id", "speaker", "speaker_role"]], on="unit_id")
        in_docs = mine[mine["source_id"].isin(documents["doc_id"])]
        origins = documents.set_index("doc_id").loc[in_docs["source_id"].unique(), "origin"].nunique()
        assert int(inf) == joined.loc[joined["speaker_role"] == "informant", "speaker"].nunique()
        assert int(docs) == in_docs["source_id"].nunique()
        assert int(indep or docs) == origins
        assert int(n_units) == mine["unit_id"].nunique()
        assert (int(n_codings), int(sup), int(con), int(ctx)) == (
            len(mine), (mine["stance"] == "supports").sum(), (mine["stance"] == "contradicts").sum(),
            (mine["stance"] == "context").sum())


def test_example_build_leaves_raw_data_untouched_and_leaks_no_identity(example):
    out, args, before = example
    assert tree_hash(DEFAULT_CASE) == before
    audit = make(*args, "audit")
    assert audit.returncode == 0, audit.stderr


def test_second_make_has_nothing_to_do(example):
    _, args, _ = example
    assert make(*args, "-q").returncode == 0


def test_audit_catches_a_leak(example):
    out, args, _ = example
    leak = out / "reports" / "leak.txt"
    leak.write_text("notes: Pak Rahmat said so\n")
    try:
        result = make(*args, "audit")
        assert result.returncode != 0 and "leak.txt:1" in result.stderr
    finally:
        leak.unlink()


def test_mini_case_builds_english_chapter(tmp_path):
    result, args = build(PROJECT_DIR / "tests" / "fixtures" / "mini", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "reports" / "chapter" / "thesis.html").read_text()
    assert "CHAPTER 4" in html and "the one judged indicator is met" in html
    assert make(*args, "-q").returncode == 0


def _case_whose_register_names_an_informant(tmp_path: Path) -> Path:
    """A register address is left as written (a changed URL points nowhere), so a name there leaks."""
    case = tmp_path / "case"
    shutil.copytree(PROJECT_DIR / "tests" / "fixtures" / "mini", case)
    register = case / "documents" / "register.csv"
    register.write_text(register.read_text().replace("https://example.org/a", "https://example.org/bruno-interview"))
    return case


def test_make_refuses_to_finish_a_build_with_a_leak(tmp_path):
    result, _ = build(_case_whose_register_names_an_informant(tmp_path), tmp_path / "out")
    assert result.returncode != 0
    assert "identity leak(s) found" in result.stderr and "bruno" not in result.stderr.lower()
    assert not (tmp_path / "out" / "reports" / "manifest.json").exists()
    assert not (tmp_path / "out" / "processed" / "documents.csv").exists()  # the leaking table was removed


def test_build_command_refuses_to_finish_with_a_leak(tmp_path, capsys):
    from analysis.cli import main

    case = _case_whose_register_names_an_informant(tmp_path)
    assert main(["build", "--case", str(case), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "the build is not finished" in err and "bruno" not in err.lower()
    assert not (tmp_path / "out" / "processed" / "documents.parquet").exists()


# --- the Indonesian chapter as an examiner reads it (issue 17, items 2, 3, 5, 6) ---------------------------

# Labels the package once printed in English; none may reach an Indonesian chapter's headers, captions,
# alt texts or prose (quotes from an English interview are the informant's words and are not scanned).
ENGLISH_LABELS = ("agreement", "interview", "news", "regulation", "institutional", "academic", "(overall)",
                  "vs auto", "all coders", "identity key", "not shown", "No description has been provided",
                  "Required", "Category", "Supported", "Informants", "Caveat", "Stance", "Source", "verdict")


def _reader_text(html: str) -> str:
    """What a reader sees outside quotes and code: headers, captions, alt texts, prose; no table data cells."""
    html = re.sub(r"<td>.*?</td>|<code>.*?</code>|<a [^>]*>|https?://\S+", " ", html, flags=re.S)
    alts = " ".join(re.findall(r'alt="([^"]*)"', html))
    body = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    return body + " " + alts


def test_the_indonesian_chapter_has_no_english_label(example):
    out, _, _ = example
    seen = _reader_text((out / "reports" / "chapter" / "thesis.html").read_text())
    found = [w for w in ENGLISH_LABELS if re.search(rf"(?<![\w/.-]){re.escape(w)}(?![\w-])", seen)]
    assert not found, found


def test_the_indonesian_chapter_writes_numbers_lists_and_terms_as_an_indonesian_thesis(example):
    out, _, _ = example
    html = (out / "reports" / "chapter" / "thesis.html").read_text()
    assert re.search(r"<td>0,\d\d</td>", html) and not re.search(r"<td>0\.\d\d</td>", html)  # decimal comma
    assert re.search(r"0,\d\d \[0,\d\d; 1,00\]", html)  # an interval whose ends cannot be misread
    assert " dan dan " not in html and "perbedaan bahasa dan budaya, serta kurangnya informasi media" in html
    assert "<em>sister city</em>" in html and "<em>Letter of Intent</em> (LOI)" in html
    assert "dasar hukum nasional" in html and "kedua indikator yang dinilai" in html
    assert "Penelitian ini berangkat dari pertanyaan:" in html  # the research question of case.yml
    assert "pada 31 Mei 2016" in html  # the MoU's date, from the register, inside the sentence
    assert "Penelitian ini memiliki beberapa keterbatasan." in html


def test_the_saran_follow_from_the_results_and_the_register(example):
    out, _, _ = example
    html = (out / "reports" / "chapter" / "thesis.html").read_text()
    saran = html[html.index("Saran praktis"):]
    assert "digabungkan ke dalam Kota Ho Chi Minh (12 Juni 2025)" in saran  # the partner's merger after the study period
    assert "pandemi Covid-19 merupakan kendala yang paling kuat didukung bukti" in saran
    assert "Saran akademis" in saran


def test_the_figures_are_drawn_for_print(example):
    from PIL import Image

    out, _, _ = example
    pngs = sorted((out / "reports" / "figures").glob("*.png"))
    assert pngs and all(p.with_suffix(".svg").is_file() for p in pngs)
    assert {round(Image.open(p).info["dpi"][0]) for p in pngs} == {300}
    for svg in (out / "reports" / "figures").glob("*.svg"):
        assert "LEG_" not in svg.read_text() and "OBS_" not in svg.read_text()  # labels, not code ids
