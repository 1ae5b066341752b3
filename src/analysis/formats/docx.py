"""The DOCX chapter: pandoc converts the HTML chapter with the thesis reference document."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from analysis.atomic import atomic_path, write_zip
from analysis.formats.docx_reference import reference_docx
from analysis.formats.pandoc import _for_pandoc, _pandoc

# --- DOCX -----------------------------------------------------------------------


def export_docx(html_path: str | Path, target: str | Path, reference: str | Path | None = None) -> Path:
    """Convert the HTML chapter to DOCX with pandoc.

    Tables become Word tables and data-URI figures embedded pictures. Pandoc
    stamps the document with a date: ``SOURCE_DATE_EPOCH`` (taken from the
    environment, else the time of the last commit, else 0) fixes it, so two
    exports of the same chapter are byte-identical.

    Args:
        html_path: The chapter as written by the HTML exporter.
        target: Where to write the ``.docx`` (atomically).
        reference: A pandoc reference document; ``None`` makes the thesis one
            (``reference_docx``) in a temporary folder.

    Returns:
        The path written.
    """
    html_path, target = Path(html_path), Path(target)
    html = _for_pandoc(html_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="docx-") as tmp:
        ref = Path(reference) if reference else reference_docx(Path(tmp) / "reference.docx")
        with atomic_path(target) as out:
            # Not --sandbox: in the sandbox pandoc ignores SOURCE_DATE_EPOCH and dates the
            # document 1970. Nothing is fetched anyway: the figures are data URIs already.
            _pandoc(["--from", "html", "--to", "docx", f"--reference-doc={ref}", "--output", str(out)], stdin=html)
            _word_fields(out)
    return target


# A caption as pandoc writes it: "Gambar 3.1. Text" in the first run of a Caption paragraph.
_CAPTION = re.compile(r'(<w:pStyle w:val="Caption" /></w:pPr><w:r>(<w:rPr>.*?</w:rPr>)?)'
                      r'<w:t xml:space="preserve">(\S+) ([0-9A-Za-z]+)\.([0-9]+)(\..*?)</w:t></w:r>', flags=re.S)


def _word_fields(docx: Path) -> None:
    """Make the DOCX behave as a Word author's document.

    * Caption numbers become SEQ fields ("Gambar 3.{SEQ Gambar}"), restarted at each chapter's first
      figure or table, so Word can renumber them and build a list of figures or tables (References,
      Insert Table of Figures); the number shown until then is the chapter's own.
    * Tables are at most the text width: pandoc's column shares, rounded, can add up to a little more.
    * A picture's own description (``pic:cNvPr``, which pandoc fills with the image's source, a
      whole base64 data URI) is the figure's alt text, as the drawing's (``wp:docPr``) already is.
    """
    with zipfile.ZipFile(docx) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")

    def seq(m: re.Match) -> str:
        start, rpr, label, prefix, number, rest = m.group(1), m.group(2) or "", *m.group(3, 4, 5, 6)
        restart = f" \\r {number}" if number == "1" else ""

        def run(body: str) -> str:
            return f"<w:r>{rpr}{body}</w:r>"

        return (f'{start}<w:t xml:space="preserve">{label} {prefix}.</w:t></w:r>'
                + run('<w:fldChar w:fldCharType="begin" />')
                + run(f'<w:instrText xml:space="preserve"> SEQ {label} \\* ARABIC{restart} </w:instrText>')
                + run('<w:fldChar w:fldCharType="separate" />') + run(f"<w:t>{number}</w:t>")
                + run('<w:fldChar w:fldCharType="end" />') + run(f'<w:t xml:space="preserve">{rest}</w:t>'))

    xml = _CAPTION.sub(seq, xml)
    xml = re.sub(r"<w:drawing>.*?</w:drawing>", _picture_description, xml, flags=re.S)
    xml = re.sub(r'<w:tblW w:type="pct" w:w="(\d+)" />',
                 lambda m: f'<w:tblW w:type="pct" w:w="{min(int(m.group(1)), 5000)}" />', xml)
    parts["word/document.xml"] = xml.encode("utf-8")
    write_zip(docx, parts)


def _picture_description(m: re.Match) -> str:
    drawing = m.group(0)
    alt = re.search(r'<wp:docPr\b[^>]*\bdescr="([^"]*)"', drawing)
    return re.sub(r'(<pic:cNvPr\b[^>]*\bdescr=")[^"]*(")', lambda d: d.group(1) + (alt.group(1) if alt else "") + d.group(2),
                  drawing)
