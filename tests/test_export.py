"""DOCX and PDF exports: the thesis layout, real tables and figures, reproducible bytes, PDF engines."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pytest

from analysis import formats
from analysis.chapter import _ordered
from analysis.cli import main, parser
from analysis.errors import AnalysisError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NO_BROWSER = "no Chromium or Chrome on the PATH (apt-get install chromium): browser tests skipped"


def _xml(docx: Path, part: str) -> ET.Element:
    with zipfile.ZipFile(docx) as z:
        return ET.fromstring(z.read(part))


@pytest.fixture(scope="module")
def mini_chapter(tmp_path_factory) -> Path:
    """The chapter folder of the mini case, built once through the CLI (HTML, Markdown and DOCX)."""
    root = tmp_path_factory.mktemp("mini")
    case = root / "case"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", case)
    assert main(["build", "--case", str(case), "--out", str(root)]) == 0
    return root / "reports" / "chapter"


# --- reference document -------------------------------------------------------------


def test_reference_docx_has_a4_thesis_margins_times_and_one_and_a_half_lines(tmp_path):
    ref = formats.reference_docx(tmp_path / "reference.docx")
    section = _xml(ref, "word/document.xml").find(f"{W}body/{W}sectPr")
    size, margins = section.find(f"{W}pgSz"), section.find(f"{W}pgMar")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")  # A4
    assert {k: margins.get(f"{W}{k}") for k in ("left", "top", "right", "bottom")} == \
        {"left": "2268", "top": "1701", "right": "1701", "bottom": "1701"}  # 4, 3, 3, 3 cm
    styles = _xml(ref, "word/styles.xml")
    defaults = styles.find(f"{W}docDefaults")
    fonts = defaults.find(f"{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == "Times New Roman"
    assert defaults.find(f"{W}rPrDefault/{W}rPr/{W}sz").get(f"{W}val") == "24"  # 12 pt
    spacing = defaults.find(f"{W}pPrDefault/{W}pPr/{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("360", "auto")
    heading = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "Heading2")
    head_fonts = heading.find(f"{W}rPr/{W}rFonts")
    # Theme attributes would override the explicit name: headings must not keep them.
    assert head_fonts.get(f"{W}ascii") == "Times New Roman" and head_fonts.get(f"{W}asciiTheme") is None


def test_reference_docx_is_byte_identical_when_rewritten(tmp_path):
    a = formats.reference_docx(tmp_path / "a.docx").read_bytes()
    b = formats.reference_docx(tmp_path / "b.docx").read_bytes()
    assert a == b
    with zipfile.ZipFile(tmp_path / "a.docx") as z:
        assert z.namelist() == sorted(z.namelist()) and {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# --- DOCX of the mini case ------------------------------------------------------------


def test_docx_has_real_tables_embedded_figures_and_styled_captions(mini_chapter):
    html = (mini_chapter / "thesis.html").read_text(encoding="utf-8")
    docx = mini_chapter / "thesis.docx"
    with zipfile.ZipFile(docx) as z:
        document = z.read("word/document.xml").decode("utf-8")
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert html.count("<table") >= 3 and document.count("<w:tbl>") == html.count("<table")
    assert html.count("<img") >= 3 and len(media) == html.count("<img")
    assert document.count('<w:pStyle w:val="Caption" />') == html.count('class="caption"')
    assert "Figure 3." in document and "Table 3." in document and "[[" not in document
    assert " SEQ Figure " in document and " SEQ Table " in document  # Word can renumber and list them
    assert '<w:pgSz w:h="16838" w:w="11906" />' in document  # the thesis page reached the output


def test_docx_export_is_byte_identical(mini_chapter, tmp_path):
    first = formats.export_docx(mini_chapter / "thesis.html", tmp_path / "a.docx")
    second = formats.export_docx(mini_chapter / "thesis.html", tmp_path / "b.docx")
    assert first.read_bytes() == second.read_bytes() == (mini_chapter / "thesis.docx").read_bytes()


# --- PDF -----------------------------------------------------------------------------------


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes plus its decompressed streams (xelatex packs page objects into streams)."""
    parts = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, flags=re.S):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


def _engine(name: str) -> formats.PdfEngine:
    """One engine of the chain, or a skip saying how to install it."""
    engine = next(e for e in formats.PDF_ENGINES if e.name == name)
    if not engine.find():
        pytest.skip(NO_BROWSER if name == "chromium" else "xelatex not installed (apt-get install texlive-xetex)")
    return engine


@pytest.mark.parametrize("name", [e.name for e in formats.PDF_ENGINES])
def test_pdf_is_an_a4_document_with_pages(mini_chapter, tmp_path, name):
    pdf = formats.export_pdf(mini_chapter / "thesis.html", tmp_path / "chapter.pdf", [_engine(name)])
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    objects = _pdf_objects(data)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", objects)) >= 2
    width, height = (float(v) for v in re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", objects).groups())
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points


@pytest.mark.parametrize("name", [e.name for e in formats.PDF_ENGINES])
def test_pdf_is_byte_identical_when_reprinted(mini_chapter, tmp_path, name):
    engines = [_engine(name)]
    a = formats.export_pdf(mini_chapter / "thesis.html", tmp_path / "a.pdf", engines).read_bytes()
    b = formats.export_pdf(mini_chapter / "thesis.html", tmp_path / "b.pdf", engines).read_bytes()
    assert a == b


def test_without_engine_the_error_says_how_to_install_one(tmp_path, monkeypatch):
    html = tmp_path / "chapter.html"
    html.write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(AnalysisError) as err:
        formats.export_pdf(html, tmp_path / "chapter.pdf")
    assert "apt-get install chromium" in str(err.value) and "xelatex" in str(err.value)
    assert not (tmp_path / "chapter.pdf").exists()


def test_engines_are_tried_in_order_and_a_failing_one_gives_way(tmp_path):
    html = tmp_path / "chapter.html"
    html.write_text("<html></html>", encoding="utf-8")
    tried = []

    def broken(exe, source, out):
        tried.append("broken")
        raise AnalysisError("missing LaTeX package")

    def working(exe, source, out):
        tried.append("working")
        out.write_bytes(b"%PDF-1.4 fake")

    engines = [formats.PdfEngine("absent", lambda: None, working), formats.PdfEngine("broken", lambda: "b", broken),
               formats.PdfEngine("working", lambda: "w", working)]
    assert formats.export_pdf(html, tmp_path / "out.pdf", engines).read_bytes() == b"%PDF-1.4 fake"
    assert tried == ["broken", "working"]
    with pytest.raises(AnalysisError, match="every PDF engine failed: broken: missing LaTeX package"):
        formats.export_pdf(html, tmp_path / "none.pdf", engines[:2])


@pytest.mark.skipif(not formats.browser(), reason=NO_BROWSER)
def test_html_chapter_renders_in_a_browser_and_is_not_blank(mini_chapter, tmp_path):
    from matplotlib.image import imread

    blank = tmp_path / "blank.html"
    blank.write_text("<html><body></body></html>", encoding="utf-8")
    shot = imread(formats.screenshot(mini_chapter / "thesis.html", tmp_path / "chapter.png"))
    empty = imread(formats.screenshot(blank, tmp_path / "blank.png"))
    assert shot.shape[:2] == (1400, 1000)
    # A blank page has no variance; the chapter's text, tables and figures have plenty.
    assert empty[..., :3].var() < 1e-6
    assert shot[..., :3].var() > 0.01 and (shot[..., :3].mean(axis=2) < 0.5).mean() > 0.01


# --- formats -------------------------------------------------------------------------------


def test_html_is_exported_first_and_whenever_docx_or_pdf_needs_it():
    assert _ordered(("md", "html", "docx")) == ["html", "md", "docx"]
    assert _ordered(("pdf",)) == ["html", "pdf"]
    assert _ordered(("md",)) == ["md"]
    with pytest.raises(AnalysisError, match="unknown chapter format 'odt'"):
        _ordered(("odt",))


def test_cli_assemble_takes_a_comma_list_of_formats():
    assert parser().parse_args(["assemble"]).formats == "html,md,docx"
    assert parser().parse_args(["assemble", "--formats", "html,pdf"]).formats == "html,pdf"
