"""The thesis reference document for pandoc's DOCX writer: A4, margins, fonts, spacing, page numbers."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from analysis.atomic import write_zip
from analysis.errors import AnalysisError
from analysis.formats.pandoc import _pandoc

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
