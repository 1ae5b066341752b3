"""Document originals to paragraphs: a registry of readers by format, chosen by content before suffix.

Every reader returns a :class:`DocumentText`: the document's paragraphs
(blocks) with their page (PDF) or position (line of a text file, paragraph of
a Word file or web page), and what the document says about itself (title,
author, date, headings, notices). Headings and notices are metadata, never
coded units.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from analysis.clean import decode, fix, normalise, paragraphs, report_repairs
from analysis.errors import AnalysisError
from analysis.log import logger


@dataclass(frozen=True)
class Block:
    """One paragraph of a document.

    Args:
        text: The cleaned paragraph.
        page: Its page in a paged original (PDF), counted from 1; ``None`` for unpaged formats.
        position: Where it starts: the line of a text file, the paragraph of a Word file or web
            page, or the line on its page of a PDF.
    """

    text: str
    page: int | None
    position: int


@dataclass(frozen=True)
class DocumentText:
    """A document as read: its paragraphs and what it says about itself."""

    path: Path
    format: str
    blocks: list[Block]
    title: str = ""
    author: str = ""
    published: str = ""
    headings: tuple[str, ...] = field(default_factory=tuple)
    notices: tuple[str, ...] = field(default_factory=tuple)


DocumentReader = Callable[[Path, bytes], DocumentText]
DOCUMENT_READERS: dict[str, DocumentReader] = {}
SUFFIX_FORMATS: dict[str, str] = {}


def document_reader(fmt: str, *suffixes: str) -> Callable[[DocumentReader], DocumentReader]:
    """Register a document reader for a format and the file suffixes that usually hold it."""
    def register(func: DocumentReader) -> DocumentReader:
        DOCUMENT_READERS[fmt] = func
        for s in suffixes:
            SUFFIX_FORMATS[s] = fmt
        return func
    return register


def sniff(data: bytes) -> str | None:
    """The format the bytes themselves announce (``pdf``, ``docx``, ``html``), or ``None`` for plain text.

    Suffixes lie: a web page saved as ``.txt``, a PDF renamed ``.doc``. The
    first bytes do not: ``%PDF-``, a zip archive, or an HTML tag.
    """
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<body" in data[:65536].lower()):
        return "html"
    return None


def read_document(path: str | Path) -> DocumentText:
    """Read one document original with the reader its content (else its suffix) calls for.

    Raises:
        AnalysisError: for a file no reader knows, or whatever the reader finds wrong.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnalysisError("file not found", path=path) from None
    except OSError as exc:
        raise AnalysisError(f"cannot read file ({exc.strerror})", path=path) from None
    by_suffix = SUFFIX_FORMATS.get(path.suffix.lower())
    fmt = sniff(data) or ("text" if by_suffix in (None, "text") else by_suffix)
    if by_suffix is None and sniff(data) is None:
        raise AnalysisError(f"no document reader for {path.suffix or 'files without suffix'}; known formats: "
                            f"{', '.join(sorted(SUFFIX_FORMATS))}", path=path,
                            hint="save the document as PDF, HTML, DOCX, Markdown or plain text")
    if by_suffix is not None and fmt != by_suffix:
        logger.info("%s: read as %s (its content), not as its suffix says", path, fmt.upper())
    doc = DOCUMENT_READERS[fmt](path, data)
    if not doc.blocks:
        raise AnalysisError("empty document: no text to code", path=path,
                            hint="check the file opens and shows text; a notice or heading alone is not a text")
    return doc


# --- headings and notices: metadata, never units --------------------------------------------------

_MD_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*$")
# A notice opens with a label in capitals and a colon: "ILLUSTRATIVE DOCUMENT:", "NOTE:", "CATATAN:".
_NOTICE = re.compile(r"^[A-Z][A-Z'’ -]{1,40}:\s")


def split_front(blocks: list[Block], *, markdown_headings: bool = True) -> tuple[list[Block], list[str], list[str]]:
    """Take headings (``# ...`` lines anywhere) and leading notices out of a document's blocks.

    Args:
        blocks: The paragraphs as read.
        markdown_headings: Whether a ``#`` at the start of a paragraph marks a heading
            (Markdown and text files); a PDF line starting with ``#`` is text.

    Returns:
        ``(body blocks, headings, notices)``.
    """
    body: list[Block] = []
    headings: list[str] = []
    notices: list[str] = []
    for block in blocks:
        first, _, rest = block.text.partition("\n")
        match = _MD_HEADING.match(first) if markdown_headings else None
        if match:
            headings.append(match["text"])
            if rest.strip():
                block = Block(" ".join(rest.split("\n")), block.page, block.position + 1)
            else:
                continue
        if not body and _NOTICE.match(block.text):
            notices.append(block.text)
            continue
        body.append(block)
    return body, headings, notices


@document_reader("text", ".md", ".txt", ".markdown")
def read_text_document(path: Path, data: bytes) -> DocumentText:
    """A Markdown or plain-text document: paragraphs separated by blank lines, numbered by line."""
    text = decode(data, path)
    blocks = [Block(p, None, line) for line, p in paragraphs(text, keep_lines=True)]
    body, headings, notices = split_front(blocks)
    body = [Block(b.text.replace("\n", " "), b.page, b.position) for b in body]
    return DocumentText(path, path.suffix.lower().lstrip(".") or "txt", body, title=headings[0] if headings else "",
                        headings=tuple(headings), notices=tuple(notices))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"


def docx_xml(path: Path, data: bytes, member: str = "word/document.xml") -> ElementTree.Element | None:
    """The parsed XML of one part of a Word file (``None`` when an optional part is absent).

    Raises:
        AnalysisError: when the file is not a readable Word document.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if member not in z.namelist():
                if member == "word/document.xml":
                    raise KeyError(member)
                return None
            xml = z.read(member)
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise AnalysisError(f"not a readable .docx ({exc})", path=path,
                            hint="re-save the document from Word or LibreOffice") from None
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise AnalysisError(f"damaged .docx XML ({exc})", path=path) from None


def paragraph_text(p: ElementTree.Element) -> str:
    """The text of one Word paragraph: runs joined, tabs as spaces, line breaks as ``\\n``."""
    parts = []
    for node in p.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append(" ")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


@document_reader("docx", ".docx")
def read_docx_document(path: Path, data: bytes) -> DocumentText:
    """A Word document: one block per non-empty paragraph, numbered by paragraph.

    Paragraphs in a heading or title style are headings (metadata); the core
    properties give the title (not the author: Word fills it with whoever saved the file last).
    """
    root = docx_xml(path, data)
    assert root is not None
    blocks: list[Block] = []
    headings: list[str] = []
    garbled, controls = False, 0
    for n, p in enumerate(root.iter(f"{_W}p"), start=1):
        text, bad, removed = fix(paragraph_text(p))
        garbled, controls = garbled or bad, controls + removed
        text = normalise(text).replace("\n", " ")
        if not text:
            continue
        style = p.find(f"{_W}pPr/{_W}pStyle")
        name = (style.get(f"{_W}val") or "") if style is not None else ""
        if name.lower().startswith(("heading", "title")):
            headings.append(text)
        else:
            blocks.append(Block(text, None, n))
    report_repairs(path, garbled=garbled, controls=controls)
    body, md_headings, notices = split_front(blocks, markdown_headings=False)
    core = docx_xml(path, data, "docProps/core.xml")
    title = normalise(core.findtext(f"{_DC}title") or "") if core is not None else ""
    return DocumentText(path, "docx", body, title=title or (headings[0] if headings else ""),
                        headings=tuple(headings + md_headings), notices=tuple(notices))
