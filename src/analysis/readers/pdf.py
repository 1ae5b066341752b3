"""PDF documents: the text layer, page by page, with the page each paragraph starts on.

Uses pypdf (BSD licence, pure Python, already a dependency). Each text run
comes with its position, so lines are rebuilt from their baselines and
paragraphs from the gaps between them (:mod:`analysis.readers.layout`). A PDF
without a text layer (a scan) is refused with a hint: reading it needs OCR,
which this package does not run.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from analysis.clean import fix, normalise, report_repairs
from analysis.errors import AnalysisError
from analysis.readers.documents import Block, DocumentText, document_reader, split_front
from analysis.readers.layout import Line, build_paragraphs, strip_page_furniture

_SAME_LINE = 1.0  # points: runs whose baselines differ by less are on one line
SCANNED_HINT = ("it looks scanned: run OCR first (e.g. `ocrmypdf -l ind+eng scan.pdf text.pdf`) "
                "or put a typed text in documents/texts/<doc_id>.md")


def page_lines(page: Any) -> list[Line]:
    """The lines of one page, top to bottom as the PDF draws them, with their baselines."""
    runs: list[tuple[float, str]] = []
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if text:
            # The run's origin in page space: text matrix times current transformation matrix.
            runs.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text))
            if text.strip() and isinstance(size, (int, float)):
                sizes.append(abs(float(size) * tm[3] * cm[3]))

    page.extract_text(visitor_text=visit)
    lines: list[tuple[list[float], list[str]]] = []  # ([baseline], pieces): the baseline is set once text arrives
    for y, text in runs:
        for k, piece in enumerate(text.split("\n")):
            if k > 0 or not lines:
                lines.append(([y], []))  # a newline in the run ends the line
            if not piece:
                continue
            baseline, pieces = lines[-1]
            if not "".join(pieces).strip():
                baseline[0] = y  # a line with no text yet takes its first run's baseline
            elif abs(baseline[0] - y) > _SAME_LINE:
                lines.append(([y], []))
            lines[-1][1].append(piece)
    out, number = [], 0
    for (y,), pieces in lines:
        text = " ".join("".join(pieces).split())
        if text:
            number += 1
            out.append(Line(text, y, number, max(sizes, default=0.0)))
    return out


def _unreadable(path: Path, why: str) -> AnalysisError:
    return AnalysisError(f"not a readable PDF ({why})", path=path,
                         hint="open it in a PDF viewer and save or print it to PDF again (that also drops a password)")


@document_reader("pdf", ".pdf")
def read_pdf(path: Path, data: bytes) -> DocumentText:
    """Read a PDF's text layer into paragraphs with their pages.

    Running heads and feet and page numbers are removed, words hyphenated
    across lines joined, mojibake repaired (logged like any repair) and the
    text NFC-normalised.

    Raises:
        AnalysisError: for a damaged or password-protected PDF, or one with no text layer.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf reports recoverable oddities of a file through logging: our own messages say what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _unreadable(path, "password-protected")
        pages = [page_lines(page) for page in reader.pages]
        info: Any = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _unreadable(path, type(exc).__name__) from None
    if not any(pages):
        raise AnalysisError(f"the PDF has no text layer ({len(pages)} page(s) of images only)", path=path,
                            hint=SCANNED_HINT)
    garbled, controls = False, 0
    repaired = []
    for lines in pages:
        kept = []
        for line in lines:
            text, bad, removed = fix(line.text)
            garbled, controls = garbled or bad, controls + removed
            text = normalise(text.replace("\u00ad", ""))  # soft hyphens only mark where a word may break
            if text:
                kept.append(Line(text, line.y, line.number, line.size))
        repaired.append(kept)
    report_repairs(path, garbled=garbled, controls=controls)
    pages, _ = strip_page_furniture(repaired)
    blocks = [Block(p.text, p.page, p.line) for p in build_paragraphs(pages)]
    body, _, notices = split_front(blocks, markdown_headings=False)
    return DocumentText(path, "pdf", body, title=normalise(str(info.get("/Title") or "")),
                        author=normalise(str(info.get("/Author") or "")), notices=tuple(notices))
