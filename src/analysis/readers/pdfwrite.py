"""A minimal PDF writer: pages of text lines in a standard font, or a page holding only an image.

It makes the sample PDFs of the tests, the benchmark and the English example
case, so none of them needs a PDF library beyond the reader. Text is set in
Helvetica (one of the fonts every PDF viewer has) with Windows-1252 encoding,
one line per text operation, so the text layer reads back exactly.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

FONT_SIZE = 11
LEADING = 14  # points from one baseline to the next
TOP, LEFT = 780, 72  # first baseline and left margin on an A4 page (595 x 842 points)
BOTTOM = 40  # baseline of a footer line


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _text_stream(lines: Sequence[str], footer: str) -> bytes:
    """The content of one page: each line on its own baseline; ``""`` leaves an empty line."""
    ops = [b"BT", f"/F1 {FONT_SIZE} Tf {LEADING} TL {LEFT} {TOP} Td".encode()]
    for n, line in enumerate(lines):
        if n:
            ops.append(b"T*")
        if line:
            ops.append(b"(" + _escape(line) + b") Tj")
    ops.append(b"ET")
    if footer:
        ops += [b"BT", f"/F1 9 Tf {LEFT} {BOTTOM} Td".encode(), b"(" + _escape(footer) + b") Tj", b"ET"]
    return b"\n".join(ops)


_IMAGE_STREAM = b"q 300 0 0 400 72 300 cm /Im1 Do Q"


def pdf_bytes(pages: Sequence[Sequence[str] | None], footers: Sequence[str] = (),
              title: str = "", author: str = "") -> bytes:
    """A PDF with one page per item of ``pages``.

    Args:
        pages: Each page's lines (``""`` is an empty line); ``None`` makes a page with an image and no
            text, as a scanner would.
        footers: An optional footer line per page, set small at the bottom.
        title: The document information title, if any.
        author: The document information author, if any.

    Returns:
        The file's bytes.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pixels = zlib.compress(bytes(range(64)) * 4)
    image = add(b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels)
                + pixels + b"\nendstream")
    kids = []
    for n, lines in enumerate(pages):
        content = _IMAGE_STREAM if lines is None else _text_stream(lines, footers[n] if n < len(footers) else "")
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        resources = (b"<< /XObject << /Im1 %d 0 R >> >>" % image if lines is None
                     else b"<< /Font << /F1 %d 0 R >> >>" % font)
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
                        % (tree, resources, stream)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                         + b"] /Count %d >>" % len(kids))
    info = None
    if title or author:
        fields = b"".join(b"/%s (%s) " % (key, _escape(value))
                          for key, value in ((b"Title", title), (b"Author", author)) if value)
        info = add(b"<< " + fields + b">>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def wrap(text: str, width: int = 88) -> list[str]:
    """Break a paragraph into lines of at most ``width`` characters at spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def write_pdf(path: str | Path, pages: Sequence[Sequence[str] | None], **kwargs: object) -> Path:
    """Write :func:`pdf_bytes` to ``path`` and return it."""
    path = Path(path)
    path.write_bytes(pdf_bytes(pages, **kwargs))  # type: ignore[arg-type]
    return path
