"""DOCX and PDF exports of the chapter, converted from the HTML chapter.

The HTML chapter is the one rendering of the assembled notebooks: its tables
are real ``<table>`` elements and its figures are embedded data URIs, so a
converter that reads HTML gets real Word tables and embedded images without
a second rendering path to keep in step.

* DOCX: pandoc (shipped inside the ``pypandoc-binary`` wheel, so nothing to
  install outside PyPI) with a reference document laid out as Indonesian
  theses usually are: A4, margins 4 cm left and 3 cm top, right and bottom,
  Times New Roman 12 pt, 1.5 line spacing.
* PDF: a chain of engines tried in order (``PDF_ENGINES``): xelatex through
  pandoc, then headless Chromium printing the HTML chapter, whose CSS
  ``@page`` rule carries the same margins.

``python -m analysis pdf`` prints the PDF from the HTML chapter already
built (the Makefile's ``pdf`` target), without rewriting the HTML.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.atomic import atomic_path, write_zip
from analysis.errors import AnalysisError
from analysis.log import logger
from analysis.paths import PROJECT_DIR

# --- the thesis layout (Word measures in twentieths of a point: 1 cm = 567 twips) ---
A4 = {"w": "11906", "h": "16838"}
MARGINS = {"top": "1701", "right": "1701", "bottom": "1701", "left": "2268",  # 3, 3, 3, 4 cm
           "header": "850", "footer": "850", "gutter": "0"}                     # page numbers 1.5 cm from the edge
FONT = "Times New Roman"
LINE_1_5 = "360"      # w:line is in 240ths of a line when w:lineRule="auto": 360 = 1.5 lines
INDENT = "709"        # first-line indent of a body paragraph: 1.25 cm
CELL_MARGIN = "57"    # left and right padding of a table cell: 1 mm
FONT_SIZES = {"Heading1": "28", "Title": "28"}  # half-points: chapter title 14 pt, every other heading 12 pt

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TIMEOUT = 300  # seconds; a converter that hangs must not hang `make`


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# --- reference document -------------------------------------------------------


def reference_docx(target: str | Path) -> Path:
    """Write a pandoc reference document with the thesis layout.

    Starts from pandoc's own default reference document (so every style pandoc
    uses exists) and changes the page (A4, margins 4-3-3-3 cm, page numbers)
    and the styles (Times New Roman 12 pt, 1.5 lines, black headings, tables
    with a grid). Written deterministically: same pandoc, same bytes.

    Args:
        target: Where to write the ``.docx``.

    Returns:
        The path written.
    """
    target = Path(target)
    default = _pandoc(["--print-default-data-file", "reference.docx"]).stdout
    with zipfile.ZipFile(io.BytesIO(default)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["word/styles.xml"] = _thesis_styles(parts["word/styles.xml"])
    parts["word/document.xml"] = _thesis_section(parts["word/document.xml"])
    # Theme fonts too, so that text Word styles "from the theme" (e.g. a style a
    # student adds later) is Times New Roman as well, not Aptos.
    parts["word/theme/theme1.xml"] = re.sub(rb'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*"',
                                            rb'\1' + FONT.encode() + b'"', parts["word/theme/theme1.xml"])
    _add_page_numbers(parts)
    write_zip(target, parts)  # sorted names: "[Content_Types].xml" first, where Word expects it
    return target


def _thesis_styles(xml: bytes) -> bytes:
    root = ET.fromstring(xml)
    # One font everywhere: explicit names, and no theme attributes, which would win over them.
    for fonts in root.iter(_w("rFonts")):
        if fonts.get(_w("ascii")) and not fonts.get(_w("asciiTheme")):
            continue  # an explicit non-theme font (code: Consolas) stays
        for attr in list(fonts.attrib):
            del fonts.attrib[attr]
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(_w(attr), FONT)
    defaults = root.find(f"{_w('docDefaults')}/{_w('pPrDefault')}/{_w('pPr')}")
    _set(defaults, "spacing", {"before": "0", "after": "0", "line": LINE_1_5, "lineRule": "auto"})
    for style in root.iter(_w("style")):
        sid = style.get(_w("styleId"), "")
        if re.fullmatch(r"Heading\dChar|Heading\d|Title|TitleChar|Subtitle|SubtitleChar|TOCHeading", sid):
            rpr = _child(style, "rPr")
            for color in rpr.findall(_w("color")):
                rpr.remove(color)  # theses print headings in black, not the theme's blue
            size = FONT_SIZES.get(sid.removesuffix("Char"), "24")
            _set(rpr, "b", {})
            _set(rpr, "sz", {"val": size})
            _set(rpr, "szCs", {"val": size})
            for italic in rpr.findall(_w("i")):
                rpr.remove(italic)
        if sid in ("Heading1", "Title"):
            ppr = _child(style, "pPr")
            _set(ppr, "jc", {"val": "center"})  # "BAB IV / KESIMPULAN" is centred
            _set(ppr, "spacing", {"before": "0", "after": "480"})
        elif re.fullmatch(r"Heading\d", sid):
            _set(_child(style, "pPr"), "spacing", {"before": "240", "after": "120"})
        elif sid in ("BodyText", "FirstParagraph"):
            ppr = _child(style, "pPr")
            _set(ppr, "spacing", {"before": "0", "after": "120"})
            _set(ppr, "ind", {"firstLine": INDENT})
            _set(ppr, "jc", {"val": "both"})  # justified, as theses are
        elif sid == "Compact":
            # Table cells and tight lists: single spacing and no indent keep tables readable.
            ppr = _child(style, "pPr")
            _set(ppr, "spacing", {"before": "0", "after": "0", "line": "240", "lineRule": "auto"})
            _set(ppr, "ind", {"firstLine": "0"})
            _set(ppr, "jc", {"val": "left"})
        elif sid == "BlockText":
            _set(_child(style, "pPr"), "spacing", {"before": "120", "after": "120", "line": "240", "lineRule": "auto"})
        elif sid == "Caption":
            ppr, rpr = _child(style, "pPr"), _child(style, "rPr")
            _set(ppr, "jc", {"val": "center"})
            _set(ppr, "spacing", {"before": "120", "after": "240", "line": "240", "lineRule": "auto"})
            for italic in rpr.findall(_w("i")):
                rpr.remove(italic)  # captions are set upright; the label is bold in the HTML already
        elif sid == "Figure":
            ppr = _child(style, "pPr")
            _set(ppr, "jc", {"val": "center"})
            _set(ppr, "keepNext", {})  # a figure stays on the page of its caption
            _set(ppr, "spacing", {"before": "120", "after": "0", "line": "240", "lineRule": "auto"})
        elif sid == "Table":
            _table_grid(style)
    return _xml_bytes(root)


def _table_grid(style: ET.Element) -> None:
    """Borders on every cell, 10 pt text, a bold header row: tables as the HTML shows them."""
    tblpr = _child(style, "tblPr")
    borders = ET.Element(_w("tblBorders"))
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        ET.SubElement(borders, _w(edge), {_w("val"): "single", _w("sz"): "4", _w("space"): "0", _w("color"): "000000"})
    for old in tblpr.findall(_w("tblBorders")):
        tblpr.remove(old)
    # Narrow cell padding (1 mm a side, not pandoc's 1.9 mm): seven columns fit 14 cm without breaking words.
    for side in ("left", "right"):
        margin = tblpr.find(f"{_w('tblCellMar')}/{_w(side)}")
        if margin is not None:
            margin.set(_w("w"), CELL_MARGIN)
    # CT_TblPr is a sequence: tblBorders comes after tblInd and before tblCellMar.
    tblpr.insert(list(tblpr).index(tblpr.find(_w("tblCellMar"))) if tblpr.find(_w("tblCellMar")) is not None
                 else len(tblpr), borders)
    rpr = ET.Element(_w("rPr"))
    ET.SubElement(rpr, _w("sz"), {_w("val"): "20"})
    ET.SubElement(rpr, _w("szCs"), {_w("val"): "20"})
    style.insert(list(style).index(tblpr), rpr)  # CT_Style: rPr before tblPr
    for first in style.findall(_w("tblStylePr")):
        if first.get(_w("type")) == "firstRow":
            head = ET.Element(_w("rPr"))
            ET.SubElement(head, _w("b"))
            first.insert(0, head)  # CT_TblStylePr: pPr?, rPr?, tblPr?, trPr?, tcPr?


def _thesis_section(xml: bytes) -> bytes:
    """A4 page, thesis margins, page numbers; pandoc copies this sectPr into its output."""
    text = xml.decode("utf-8")
    # Indonesian theses number a chapter's first page at the bottom centre and
    # the pages after it at the top right: a first-page footer and a default header.
    section = (f'<w:sectPr><w:headerReference w:type="default" r:id="rIdThesisHeader" />'
               f'<w:footerReference w:type="first" r:id="rIdThesisFooter" />'
               f'<w:footnotePr><w:numRestart w:val="eachSect" /></w:footnotePr>'
               f'<w:pgSz w:w="{A4["w"]}" w:h="{A4["h"]}" />'
               f'<w:pgMar w:top="{MARGINS["top"]}" w:right="{MARGINS["right"]}" w:bottom="{MARGINS["bottom"]}" '
               f'w:left="{MARGINS["left"]}" w:header="{MARGINS["header"]}" w:footer="{MARGINS["footer"]}" '
               f'w:gutter="{MARGINS["gutter"]}" />'
               f'<w:titlePg /></w:sectPr>')
    text, n = re.subn(r"<w:sectPr\b.*?</w:sectPr>", section, text, flags=re.S)
    if n != 1:
        raise AnalysisError("pandoc's default reference.docx has no single section properties block",
                            hint="this pandoc version is not supported; use the pinned pypandoc-binary")
    if 'xmlns:r="' not in text[:2000]:
        text = text.replace("<w:document ", f'<w:document xmlns:r="{R}" ', 1)
    return text.encode("utf-8")


def _page_number_part(kind: str, align: str) -> bytes:
    tag = "w:hdr" if kind == "header" else "w:ftr"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<{tag} xmlns:w="{W}" xmlns:r="{R}"><w:p><w:pPr><w:jc w:val="{align}" /></w:pPr>'
            f'<w:r><w:fldChar w:fldCharType="begin" /></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate" /></w:r><w:r><w:t>1</w:t></w:r>'
            f'<w:r><w:fldChar w:fldCharType="end" /></w:r></w:p></{tag}>').encode()


def _add_page_numbers(parts: dict[str, bytes]) -> None:
    parts["word/header1.xml"] = _page_number_part("header", "right")
    parts["word/footer1.xml"] = _page_number_part("footer", "center")
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8")
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = rels.replace("</Relationships>",
                        f'<Relationship Type="{base}/header" Id="rIdThesisHeader" Target="header1.xml" />'
                        f'<Relationship Type="{base}/footer" Id="rIdThesisFooter" Target="footer1.xml" />'
                        "</Relationships>")
    parts["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    office = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    types = types.replace("</Types>",
                          f'<Override PartName="/word/header1.xml" ContentType="{office}.header+xml" />'
                          f'<Override PartName="/word/footer1.xml" ContentType="{office}.footer+xml" />'
                          "</Types>")
    parts["[Content_Types].xml"] = types.encode("utf-8")


def _child(parent: ET.Element, tag: str) -> ET.Element:
    """The child ``w:tag`` of a style, created in schema order (pPr before rPr) if missing."""
    found = parent.find(_w(tag))
    if found is not None:
        return found
    element = ET.Element(_w(tag))
    if tag == "pPr" and parent.find(_w("rPr")) is not None:
        parent.insert(list(parent).index(parent.find(_w("rPr"))), element)
    else:
        parent.append(element)
    return element


# Schema order of the children of w:pPr and w:rPr that this module sets: Word
# rejects a document whose elements are out of order, so new ones go in place.
_ORDER = {"pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "numPr", "spacing", "ind",
                  "contextualSpacing", "jc", "outlineLvl"],
          "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "color", "spacing", "sz", "szCs", "vertAlign", "lang"]}


def _set(parent: ET.Element, tag: str, attrs: dict[str, str]) -> None:
    """Set ``w:tag`` with ``attrs`` (merged into an existing one) inside ``parent``, in schema order."""
    element = parent.find(_w(tag))
    if element is None:
        element = ET.Element(_w(tag))
        order = _ORDER[parent.tag.split("}")[1]]
        rank = order.index(tag)
        position = len(parent)
        for i, sibling in enumerate(parent):
            name = sibling.tag.split("}")[1]
            if name in order and order.index(name) > rank:
                position = i
                break
        parent.insert(position, element)
    for key, value in attrs.items():
        element.set(_w(key), value)


def _xml_bytes(root: ET.Element) -> bytes:
    ET.register_namespace("w", W)
    ET.register_namespace("r", R)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode("utf-8")


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
    return target


def _for_pandoc(html: str) -> str:
    """Prepare the HTML chapter for pandoc: styles for figures and captions, no title block.

    pandoc drops the classes of ``<p>`` and ``<img>``, but its HTML reader
    turns ``data-custom-style`` on a ``<div>`` into the paragraph style of its
    content: captions get "Caption" (centred) and figures "Figure" (centred,
    kept with their caption) instead of the body text's first-line indent.
    """
    html = re.sub(r'<p class="caption">(.*?)</p>', r'<div data-custom-style="Caption"><p>\1</p></div>', html, flags=re.S)
    html = re.sub(r'(<img\b[^>]*>)', r'<div data-custom-style="Figure">\1</div>', html)
    html = re.sub(r"<table>(.*?)</table>", lambda m: "<table>" + _colgroup(m.group(1)) + m.group(1) + "</table>",
                  html, flags=re.S)
    # The <title> would become a title block above the chapter's own heading, repeating it.
    html = re.sub(r"<title>.*?</title>", "", html, count=1, flags=re.S)
    # The alt text nbconvert gives every figure says nothing; Word would read it out.
    return html.replace('alt="No description has been provided for this image"', 'alt=""')


def _colgroup(table: str) -> str:
    """Column widths from the cells' text, as a ``<colgroup>`` pandoc reads.

    Without widths pandoc gives every column the same share of the page, so
    a quote column gets as narrow as a count column and codes break mid-word.
    As a browser does, each column first gets its longest word (so no word
    breaks), then the room left is shared in proportion to how much more its
    longest text (capped: long quotes wrap anyway) would need.
    """
    import html as html_lib

    rows = [[html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table, flags=re.S)]
    if not rows or len({len(r) for r in rows}) != 1 or "colspan" in table or "<colgroup" in table:
        return ""  # merged cells or ragged rows: leave the widths to pandoc
    # A header row is set in bold: a quarter wider.
    scale = [1.25 if i == 0 and "<th" in table.split("</tr>")[0] else 1.0 for i in range(len(rows))]
    low, high = [], []
    for column in zip(*rows):
        low.append(max((_text_width(w) * k for text, k in zip(column, scale) for w in text.split()), default=1)
                   + _CELL_PADDING)
        high.append(max(low[-1], min(max(_text_width(text) * k for text, k in zip(column, scale)), 60)
                        + _CELL_PADDING))
    if sum(high) <= _TEXT_WIDTH or sum(low) >= _TEXT_WIDTH:
        widths = high if sum(high) <= _TEXT_WIDTH else low
    else:
        share = (_TEXT_WIDTH - sum(low)) / (sum(high) - sum(low))
        widths = [lo + (hi - lo) * share for lo, hi in zip(low, high)]
    total = sum(widths)
    return "<colgroup>" + "".join(f'<col style="width: {100 * w / total:.1f}%">' for w in widths) + "</colgroup>"


# Widths in units of a 10 pt Times lowercase letter (about 4.5 pt): the text width
# between the thesis margins (14 cm), a cell's padding (2 x CELL_MARGIN) and its border.
_TEXT_WIDTH = 88
_CELL_PADDING = 1.5


def _text_width(text: str) -> float:
    """Rough width of ``text`` in table cells: capitals, digits and underscores are wider than lowercase."""
    return sum(1.5 if c.isupper() or c == "_" else 1.1 if c.isdigit() else 1.0 for c in text)


def source_date_epoch() -> str:
    """The date to stamp into documents: ``$SOURCE_DATE_EPOCH``, else the last commit's time, else 0.

    A fixed date (rather than now) is what makes a rebuild byte-identical;
    the commit time is the date of the sources the chapter was built from.
    """
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=PROJECT_DIR, capture_output=True,
                             text=True, timeout=10)
        stamp = out.stdout.strip()
        return stamp if out.returncode == 0 and stamp.isdigit() else "0"
    except (OSError, subprocess.SubprocessError):
        return "0"


def _pandoc(args: Sequence[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the pandoc that ships with ``pypandoc-binary`` (or ``$PYPANDOC_PANDOC``)."""
    try:
        import pypandoc
        exe = pypandoc.get_pandoc_path()
    except (ImportError, OSError) as exc:
        raise AnalysisError(f"pandoc is not available ({exc})",
                            hint="install the pinned environment: `make env` (pypandoc-binary ships pandoc)") from exc
    # Our own subprocess rather than pypandoc.convert_*: the environment is set per call
    # (SOURCE_DATE_EPOCH) without touching os.environ, and a hang ends at a timeout.
    env = {**os.environ, "SOURCE_DATE_EPOCH": source_date_epoch()}
    try:
        out = subprocess.run([exe, *args], input=stdin.encode("utf-8") if stdin is not None else None,
                             capture_output=True, env=env, timeout=_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AnalysisError(f"pandoc did not finish within {_TIMEOUT} s") from None
    except OSError as exc:
        raise AnalysisError(f"pandoc could not be started ({exc.strerror})", path=exe) from None
    if out.returncode != 0:
        raise AnalysisError(f"pandoc failed: {out.stderr.decode('utf-8', 'replace').strip()[-1500:]}")
    return out


# --- PDF ------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfEngine:
    """One way to print the chapter to PDF.

    Args:
        name: Shown in messages.
        find: Returns the engine's executable, or ``None`` when it is not installed.
        run: ``run(executable, html_path, pdf_path)`` writes the PDF.
    """

    name: str
    find: Callable[[], str | None]
    run: Callable[[str, Path, Path], None]


def browser() -> str | None:
    """A headless-capable Chromium on the PATH, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


# The thesis layout for LaTeX, beyond what pandoc's template variables set: the
# chapter title centred, page numbers as in the DOCX, indented paragraphs, and
# tables in 10 pt, single-spaced, with the narrow padding the column widths assume.
_LATEX_HEADER = r"""
\usepackage{sectsty}
\sectionfont{\centering\large}
\subsectionfont{\normalsize}
\subsubsectionfont{\normalsize}
\usepackage{fancyhdr}
\pagestyle{fancy}
\fancyhf{}
\fancyhead[R]{\thepage}
\renewcommand{\headrulewidth}{0pt}
\fancypagestyle{plain}{\fancyhf{}\fancyfoot[C]{\thepage}\renewcommand{\headrulewidth}{0pt}}
\AtBeginDocument{\thispagestyle{plain}}
\setlength{\parindent}{1.25cm}
\setlength{\tabcolsep}{3pt}
\usepackage{etoolbox}
\AtBeginEnvironment{longtable}{\footnotesize\setstretch{1}}
"""
# Captions and figures are Divs with a Word style (see _for_pandoc); LaTeX ignores
# that attribute, so this filter centres them, keeps a figure with its caption,
# and moves a table caption to the next page when fewer than about twelve lines
# are left for it and the table's first rows (a caption alone at a page's foot).
_LATEX_FILTER = r"""
local function styled(block, name)
  return block.t == "Div" and block.attributes["custom-style"] == name
end

function Blocks(blocks)
  local out = pandoc.Blocks({})
  for i, block in ipairs(blocks) do
    if styled(block, "Caption") or styled(block, "Figure") then
      local following = blocks[i + 1]
      if styled(block, "Caption") and following and following.t == "Table" then
        out:insert(pandoc.RawBlock("latex", "\\par\\begingroup\\dimen0=\\pagegoal" ..
          "\\advance\\dimen0 by -\\pagetotal\\ifdim\\dimen0<12\\baselineskip\\newpage\\fi\\endgroup"))
      end
      out:insert(pandoc.RawBlock("latex", "\\begin{center}"))
      out:extend(block.content)
      out:insert(pandoc.RawBlock("latex", "\\end{center}\\nopagebreak"))
    else
      out:insert(block)
    end
  end
  return out
end
"""


def _xelatex(_: str, html_path: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="xelatex-") as tmp:
        header, lua = Path(tmp) / "thesis.tex", Path(tmp) / "thesis.lua"
        header.write_text(_LATEX_HEADER, encoding="utf-8")
        lua.write_text(_LATEX_FILTER, encoding="utf-8")
        args = ["--from", "html", "--to", "pdf", "--pdf-engine=xelatex", "--output", str(pdf),
                f"--include-in-header={header}", f"--lua-filter={lua}",
                "-V", "papersize=a4", "-V", "fontsize=12pt", "-V", "linestretch=1.5", "-V", "indent=true",
                "-V", "geometry:top=3cm,right=3cm,bottom=3cm,left=4cm"]
        font = _serif_font()
        if font:
            args += ["-V", f"mainfont={font}"]
        _pandoc(args, stdin=_for_pandoc(html_path.read_text(encoding="utf-8")))


def _serif_font() -> str | None:
    """Times New Roman or the closest Times clone fontconfig knows (xelatex fails on a missing font)."""
    if not shutil.which("fc-list"):
        return None
    for font in (FONT, "TeX Gyre Termes", "Liberation Serif", "Nimbus Roman"):
        try:
            out = subprocess.run(["fc-list", f"{font}:style=Regular", "family"], capture_output=True, text=True,
                                 timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None  # no font list: xelatex falls back to its default font
        if out.stdout.strip():
            return font
    return None


def _chromium(exe: str, html_path: Path, pdf: Path) -> None:
    # Both spellings of "no header and footer": the first for Chromium >= 120, the second before it.
    _run_browser(exe, html_path, [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", "--print-to-pdf-no-header"])


def _reproducible_pdf(pdf: Path) -> None:
    """Make a reprint byte-identical: the PDF's dates become ``source_date_epoch()``, its ID a content hash.

    Chromium stamps the print time; xdvipdfmx (xelatex) an ID from the time and
    pandoc's temporary file name. Nothing else changes between runs. The
    replacements have the lengths of what they replace, so the
    cross-reference offsets stay valid; a PDF whose fields look otherwise is
    left as it is.
    """
    stamp = time.strftime("D:%Y%m%d%H%M%S+00'00'", time.gmtime(int(source_date_epoch()))).encode()
    data = pdf.read_bytes()
    fixed = re.sub(rb"(/(?:CreationDate|ModDate) ?)\(D:\d{14}[+-]\d\d'\d\d'\)",
                   lambda m: m.group(1) + b"(" + stamp + b")", data)
    ids = re.compile(rb"/ID ?\[ ?<([0-9a-fA-F]{32})> ?<([0-9a-fA-F]{32})> ?\]")
    digest = hashlib.sha256(ids.sub(b"", fixed)).hexdigest()[:32].encode()
    fixed = ids.sub(lambda m: m.group(0).replace(m.group(1), digest).replace(m.group(2), digest), fixed)
    if len(fixed) == len(data):
        pdf.write_bytes(fixed)


def _run_browser(exe: str, html_path: Path, extra: list[str]) -> None:
    """Run headless Chromium on a local file, with a throw-away profile and no network chatter."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                f"--user-data-dir={profile}", *extra, html_path.resolve().as_uri()]
        try:
            out = subprocess.run(args, capture_output=True, timeout=_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise AnalysisError(f"{exe} did not finish within {_TIMEOUT} s") from exc
    if out.returncode != 0:
        raise AnalysisError(f"{exe} failed (exit {out.returncode}): "
                            f"{out.stderr.decode('utf-8', 'replace').strip()[-1500:]}")


PDF_ENGINES: list[PdfEngine] = [
    PdfEngine("xelatex", lambda: shutil.which("xelatex"), _xelatex),
    PdfEngine("chromium", browser, _chromium),
]
INSTALL_HINT = ("install one: Chromium (`apt-get install chromium`, or Google Chrome) or a TeX distribution with "
                "xelatex (`apt-get install texlive-xetex`, MacTeX, MiKTeX)")


def export_pdf(html_path: str | Path, target: str | Path, engines: Sequence[PdfEngine] | None = None) -> Path:
    """Print the HTML chapter to PDF with the first engine of ``PDF_ENGINES`` that is installed and works.

    Args:
        html_path: The chapter as written by the HTML exporter.
        target: Where to write the ``.pdf`` (atomically).
        engines: The engines to try, in order; default ``PDF_ENGINES``.

    Returns:
        The path written.

    Raises:
        AnalysisError: No engine is installed (the message says how to install
            one), or every installed engine failed.
    """
    html_path, target = Path(html_path), Path(target)
    if not html_path.is_file():
        raise AnalysisError("HTML chapter missing", path=html_path, hint="run `make chapter` first")
    failures = []
    for engine in PDF_ENGINES if engines is None else engines:
        exe = engine.find()
        if not exe:
            continue
        started = time.perf_counter()
        try:
            with atomic_path(target) as out:
                engine.run(exe, html_path, out)
                if not out.read_bytes().startswith(b"%PDF"):
                    raise AnalysisError(f"{engine.name} wrote no PDF")
                _reproducible_pdf(out)
        except AnalysisError as exc:
            # An installed engine can still fail (a missing LaTeX package, a broken
            # browser profile): say so and let the next engine try.
            logger.warning("PDF engine %s failed: %s", engine.name, exc)
            failures.append(f"{engine.name}: {exc}")
            continue
        logger.info("printed %s with %s in %.1f s", target, engine.name, time.perf_counter() - started)
        return target
    if failures:
        raise AnalysisError("every PDF engine failed: " + "; ".join(failures), hint=INSTALL_HINT)
    raise AnalysisError("no PDF engine found (neither xelatex nor Chromium is on the PATH)", hint=INSTALL_HINT)


def screenshot(html_path: str | Path, target: str | Path, width: int = 1000, height: int = 1400) -> Path:
    """A PNG of the top of the HTML chapter as headless Chromium renders it (for checks and reviews)."""
    exe = browser()
    if not exe:
        raise AnalysisError("no browser found for a screenshot", hint=INSTALL_HINT)
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="screenshot-") as tmp, atomic_path(target) as out:
        # Chromium picks the image format from the file name, so it writes "shot.png", not the ".tmp" file.
        shot = Path(tmp) / "shot.png"
        _run_browser(exe, Path(html_path), [f"--screenshot={shot}", f"--window-size={width},{height}"])
        if not shot.is_file():
            raise AnalysisError(f"{exe} wrote no screenshot")
        shutil.copyfile(shot, out)
    return target
