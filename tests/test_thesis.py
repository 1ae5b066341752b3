"""The thesis chapters by role: numbering across chapters, citations, DOCX fields, the printed PDF.

Unit tests build their own small inputs; the end-to-end tests at the bottom build the example
case once and read its PDF (pypdf) and DOCX as an examiner's copy would be read.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from analysis import chapter, citations, formats
from analysis.cli import main
from analysis.config import load_case
from analysis.crossref import number_chapters, ref
from analysis.errors import AnalysisError
from analysis.paths import DEFAULT_CASE, CasePaths

# --- numbering across chapters ------------------------------------------------------------


def _cell(text: str) -> dict:
    return {"cell_type": "markdown", "source": text}


def test_a_table_keeps_the_number_of_the_chapter_that_shows_it_when_another_chapter_refers_to_it():
    findings = [_cell(f"{ref('tab', 'a')} then {ref('fig', 'x')} and {ref('tab', 'b')}")]
    conclusion = [_cell(f"see {ref('tab', 'b')}; new {ref('tab', 'c')}")]
    out = number_chapters([(findings, "3"), (conclusion, "4")], {"table_label": "Tabel", "figure_label": "Gambar"})
    assert out[0][0]["source"] == "Tabel 3.1 then Gambar 3.1 and Tabel 3.2"
    assert out[1][0]["source"] == "see Tabel 3.2; new Tabel 4.1"  # counted from 1 again in the next chapter


def test_chapter_parts_default_to_findings_before_the_conclusion_and_can_be_configured(tmp_path):
    case = load_case(DEFAULT_CASE / "case.yml")
    parts = chapter.parts(case, "id")
    assert (parts["findings"].number, parts["findings"].prefix, parts["findings"].title) == \
        ("III", "3", "HASIL DAN PEMBAHASAN")
    assert (parts["conclusion"].number, parts["conclusion"].title) == ("IV", case["chapter"]["title"])
    assert parts["appendix"].title == "LAMPIRAN"
    configured = {**case, "chapter": {**case["chapter"], "number": 5, "findings": {"number": 3, "title": "TEMUAN"}}}
    parts = chapter.parts(configured, "en")
    assert (parts["findings"].prefix, parts["findings"].title, parts["conclusion"].prefix) == ("3", "TEMUAN", "5")
    assert parts["appendix"].title == "APPENDIX"


def test_a_misspelt_key_of_a_chapter_part_is_refused_with_its_line(tmp_path):
    text = (DEFAULT_CASE / "case.yml").read_text(encoding="utf-8")
    path = tmp_path / "case.yml"
    path.write_text(text.replace("  table_label: Tabel\n", "  table_label: Tabel\n  findings: {titel: X}\n"),
                    encoding="utf-8")
    with pytest.raises(AnalysisError, match="titel") as err:
        load_case(path)
    assert "chapter.findings" in str(err.value)


# --- citations ---------------------------------------------------------------------------

_REGISTER = [
    {"doc_id": "D1", "date": "2016-05-31", "type": "news", "title": "MoU ditandatangani di Padang",
     "source_url": "https://www.example.org/berita/1", "language": "id"},
    {"doc_id": "D2", "date": "2008", "type": "regulation", "title": "Peraturan tentang kerja sama daerah",
     "source_url": "", "language": "id"},
    {"doc_id": "D3", "date": "2017-05", "type": "agreement", "title": "Rencana aksi", "source_url": "",
     "language": "id"},
]


def test_the_register_becomes_csl_json_with_types_dates_and_sites():
    items = {i["id"]: i for i in citations.csl_items(_REGISTER, "id")}
    assert items["D1"]["type"] == "article-newspaper" and items["D1"]["container-title"] == "example.org"
    assert items["D1"]["issued"] == {"date-parts": [[2016, 5, 31]]} and items["D3"]["issued"] == {"date-parts": [[2017, 5]]}
    assert items["D2"]["type"] == "legislation" and "URL" not in items["D2"]
    assert {i["language"] for i in items.values()} == {"id-ID"}


def test_citeproc_formats_each_citation_and_one_entry_per_cited_document():
    items = citations.csl_items(_REGISTER, "id")
    rendered = citations.render(items, ["D1", "D2;D3"], "id")
    assert "2016" in rendered.citations["D1"] and "MoU ditandatangani" in rendered.citations["D1"]
    assert "2008" in rendered.citations["D2;D3"] and "2017" in rendered.citations["D2;D3"]
    assert sorted(rendered.entries) == ["D1", "D2", "D3"]
    text = f"Sumber: data; {citations.cite('D1')}."
    assert citations.cited(text) == ["D1"]
    assert "[[" not in citations.resolve(text, rendered, "markdown")
    assert "<" not in citations.resolve(text, rendered, "plain")


def test_a_citation_of_a_document_not_in_the_register_is_refused():
    with pytest.raises(AnalysisError, match="not in the register: D9"):
        citations.render(citations.csl_items(_REGISTER, "id"), ["D9"], "id")


def test_the_citation_style_ships_with_its_licence_notice():
    style = citations.CSL_STYLE.read_text(encoding="utf-8")
    assert "<rights" in style and "Creative Commons Attribution-ShareAlike" in style
    assert "apa.csl" in (citations.CSL_STYLE.parent / "README.md").read_text(encoding="utf-8")


# --- DOCX ----------------------------------------------------------------------------

_PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


def test_docx_figures_are_described_by_their_caption_and_captions_are_word_fields(tmp_path):
    html = tmp_path / "c.html"
    wide = "".join(f"<th>column-{i}-with-a-long-header</th>" for i in range(9))
    html.write_text(
        f'<html><body><h1>BAB III</h1><img src="data:image/png;base64,{_PNG}" alt="No description">'
        f'<p class="caption"><b>Gambar 3.1. Lini masa</b></p>'
        f'<p class="caption"><b>Tabel 3.1. Bukti</b></p><table><tr>{wide}</tr></table>'
        f'<p class="caption"><b>Tabel 3.2. Kutipan</b></p><table><tr><td>a</td></tr></table>'
        f"</body></html>", encoding="utf-8")
    docx = formats.export_docx(html, tmp_path / "c.docx")
    with zipfile.ZipFile(docx) as z:
        document = z.read("word/document.xml").decode("utf-8")
    descriptions = re.findall(r'descr="([^"]*)"', document)
    assert descriptions and set(descriptions) == {"Gambar 3.1. Lini masa"}
    assert "base64" not in document
    assert re.search(r"SEQ Gambar \\\* ARABIC \\r 1 ", document)
    assert re.search(r"SEQ Tabel \\\* ARABIC \\r 1 ", document) and re.search(r"SEQ Tabel \\\* ARABIC </", document)
    assert all(int(w) <= 5000 for w in re.findall(r'<w:tblW w:type="pct" w:w="(\d+)"', document))


# --- the example, built and printed -------------------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> CasePaths:
    """The example case built through the CLI, every chapter printed to PDF."""
    root = tmp_path_factory.mktemp("thesis")
    assert main(["build", "--case", str(DEFAULT_CASE), "--out", str(root)]) == 0
    paths = CasePaths(DEFAULT_CASE, root / "processed", root / "reports")
    if not formats.browser() and not shutil.which("xelatex"):
        pytest.skip("no PDF engine (apt-get install chromium)")
    chapter.print_pdfs(paths)
    return paths


def _pdf_text(pdf: Path) -> tuple[list[tuple[str, float, float]], float, list[str]]:
    """Every text run of a PDF with its effective font size and its x position, the page width, page texts."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    runs: list[tuple[str, float, float]] = []
    pages = []
    for page in reader.pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                scale = tm[0] * cm[0] + tm[1] * cm[2]
                runs.append((text, abs(size * scale) if scale else size, tm[4] * cm[0] + tm[5] * cm[2] + cm[4]))
        pages.append(page.extract_text(visitor_text=visit))
    return runs, float(reader.pages[0].mediabox.width), pages


@pytest.mark.e2e
def test_every_chapter_is_written_in_every_format(example):
    for name in chapter.DOCUMENTS:
        for fmt in ("html", "md", "docx", "pdf"):
            assert (example.chapter / f"{name}.{fmt}").stat().st_size > 1000, f"{name}.{fmt}"
    findings = (example.chapter / "findings.md").read_text(encoding="utf-8")
    conclusion = (example.chapter / "conclusion.md").read_text(encoding="utf-8")
    assert findings.startswith("# BAB III<br>HASIL DAN PEMBAHASAN") and "Tabel 3.1" in findings
    assert conclusion.startswith("# BAB IV<br>KESIMPULAN") and "SHA-256" not in conclusion
    assert "Tabel 3." in conclusion and "Tabel 4." not in conclusion  # it refers to the findings' tables
    assert "SHA-256" in (example.chapter / "appendix.md").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_the_printed_body_text_is_12_pt_and_no_table_leaves_the_text_block(example):
    runs, width, _ = _pdf_text(example.chapter / "thesis.pdf")
    sizes = Counter()
    for text, size, _x in runs:
        sizes[round(size, 1)] += len(text)
    body = next(size for text, size, _x in runs if text.startswith("Subbab ini"))
    assert body >= 11.5, sizes.most_common(5)
    assert min(sizes) >= 8.5, sizes.most_common(5)  # tables at 9 pt: nothing shrunk to fit the page
    right_edge = width - 3 / 2.54 * 72  # right margin 3 cm
    assert max(x for _t, _s, x in runs) <= right_edge + 1


@pytest.mark.e2e
def test_the_reference_list_has_one_entry_per_cited_document(example):
    md = (example.chapter / "thesis.md").read_text(encoding="utf-8")
    body, _, rest = md.partition("# Daftar Pustaka")
    body = re.sub(r"<[^>]+>", "", body)  # the tables and "Sumber:" lines are kept as HTML in the Markdown
    references = rest.split("\n# ", 1)[0]
    entries = [p for p in references.strip().split("\n\n") if p.strip()]
    register = json.loads((example.chapter / "references.json").read_text(encoding="utf-8"))
    assert len(register) == len(list(csv.DictReader((DEFAULT_CASE / "documents" / "register.csv").open())))
    # A document is cited where its title stands in an in-text citation: "(Title, 2016)" or "(“Title,” 2016)".
    cited = {item["id"] for item in register
             if re.search(re.escape(item["title"]) + r"\*?,?”?\*?,? (\d{4}|t\.t\.)", body, flags=re.I)}
    assert len(cited) >= 5
    assert len(entries) == len(cited)
    for item in register:  # each cited document once in the list, the others not at all
        holding = [e for e in entries if item["title"].lower() in e.lower().replace("*", "")]
        assert len(holding) == (1 if item["id"] in cited else 0), item["id"]
    _, _, pages = _pdf_text(example.chapter / "thesis.pdf")
    assert any("Daftar Pustaka" in page for page in pages)
    html = (example.chapter / "thesis.html").read_text(encoding="utf-8")
    assert "Sumber:" in html and html.count('class="source"') == html.count('class="caption"')


@pytest.mark.e2e
def test_every_figure_and_table_of_the_findings_is_referred_to_in_the_text(example):
    md = (example.chapter / "thesis.md").read_text(encoding="utf-8")
    captions = set(re.findall(r"\*\*((?:Tabel|Gambar) [0-9]+\.[0-9]+)\.", md))
    captions |= set(re.findall(r'class="caption"><b>((?:Tabel|Gambar) [0-9]+\.[0-9]+)\.', md))
    assert captions
    prose = re.sub(r"\*\*(?:Tabel|Gambar) [0-9]+\.[0-9]+\..*", "", md)
    prose = re.sub(r'<p class="caption">.*?</p>', "", prose)
    missing = sorted(c for c in captions if not re.search(rf"{re.escape(c)}(?![0-9])", prose))
    assert not missing


@pytest.mark.e2e
def test_docx_of_the_example_has_no_base64_description_and_numbered_captions(example):
    with zipfile.ZipFile(example.chapter / "thesis.docx") as z:
        document = z.read("word/document.xml").decode("utf-8")
    assert "base64" not in document and 'descr=""' not in document
    assert document.count(" SEQ Gambar ") >= 3 and document.count(" SEQ Tabel ") >= 6


@pytest.mark.e2e
def test_the_html_and_a_pdf_page_render_in_chromium(example, tmp_path):
    if not formats.browser():
        pytest.skip("no Chromium")
    from matplotlib.image import imread

    shot = imread(formats.screenshot(example.chapter / "thesis.html", tmp_path / "thesis.png"))
    assert shot[..., :3].var() > 0.01 and (shot[..., :3].mean(axis=2) < 0.5).mean() > 0.01
    if shutil.which("pdftoppm"):  # poppler-utils: the first PDF page as a picture, not blank
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(example.chapter / "thesis.pdf"), str(tmp_path / "page")], check=True, timeout=120)
        page = imread(tmp_path / "page.png")
        assert page[..., :3].var() > 0.001
