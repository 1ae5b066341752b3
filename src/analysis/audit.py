"""Privacy audit: no identity from the private key in any output.

Every file under the processed and reports folders is read by a reader
chosen by its suffix, so that embedded images (base64 in notebooks and HTML,
PNG pixels) are not mistaken for text and text inside binary containers
(Parquet cells, PNG text chunks, the XML parts of a DOCX, the pages and
metadata of a PDF) is not missed. A file that cannot be read is reported as a
problem, never skipped: an unreadable output is an unaudited one.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

from analysis.config import load_identity_key
from analysis.paths import CasePaths
from analysis.pseudonymise import identity_pattern

Located = Iterator[tuple[str, str]]  # (where in the file, text)
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def audit(paths: CasePaths) -> list[str]:
    """Return one ``file:where: identity`` message per leak under processed and reports."""
    pattern = identity_pattern(load_identity_key(paths.identity_key))
    leaks = []
    for folder in (paths.processed, paths.reports):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            try:
                for where, text in READERS.get(path.suffix.lower(), _text)(path):
                    for m in pattern.finditer(text):
                        leaks.append(f"{path}:{where}: identity {m.group(0)!r} from the private key")
            except Exception as exc:  # noqa: BLE001 - any reader failure means the file went unchecked
                leaks.append(f"{path}: could not be read for the audit ({type(exc).__name__}: {exc})")
    return leaks


def _text(path: Path) -> Located:
    text = _DATA_URI.sub("data:", path.read_bytes().decode("utf-8", errors="replace"))
    for n, line in enumerate(text.splitlines(), start=1):
        yield str(n), line


def _notebook(path: Path) -> Located:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for n, cell in enumerate(nb.get("cells", []), start=1):
        yield f"cell {n}", "".join(cell.get("source", ""))
        for out in cell.get("outputs", []):
            for mime, data in (out.get("data") or {}).items():
                if not mime.startswith("image/") or mime == "image/svg+xml":
                    yield f"cell {n} {mime}", data if isinstance(data, str) else json.dumps(data)
            if "text" in out:
                yield f"cell {n} stream", "".join(out["text"])


def _png(path: Path) -> Located:
    """Text chunks only: the pixels hold no searchable text (the SVG twin does)."""
    data = path.read_bytes()
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            yield kind.decode(), body.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            yield kind.decode(), key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1")
        pos += 12 + length


def _parquet(path: Path) -> Located:
    import pandas as pd

    df = pd.read_parquet(path)
    for col in df.columns:
        yield f"column {col}", str(col)
        if pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object:
            for n, value in enumerate(df[col].astype(str), start=1):
                yield f"row {n} column {col}", value


_XML_BREAK = re.compile(r"</w:p>|<w:br\s*/>|<w:tab\s*/>|</a:p>")
_XML_TAG = re.compile(r"<[^>]+>")


def _docx(path: Path) -> Located:
    """Every XML part (body, headers, footnotes, comments, properties), one paragraph per line.

    Word splits a paragraph into runs at any formatting change, so a name can
    be cut by tags: the tags are dropped within a paragraph before searching.
    """
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if not name.endswith((".xml", ".rels")):
                continue  # media: pictures hold no searchable text (the SVG and PNG twins are audited)
            xml = z.read(name).decode("utf-8", errors="replace")
            text = _XML_TAG.sub("", _XML_BREAK.sub("\n", xml))
            for n, line in enumerate(text.splitlines(), start=1):
                yield f"{name} paragraph {n}", line


def _pdf(path: Path) -> Located:
    """The text layer of every page and the document information (title, author, ...)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    for key, value in (reader.metadata or {}).items():
        yield f"metadata {key}", str(value)
    for p, page in enumerate(reader.pages, start=1):
        for n, line in enumerate((page.extract_text() or "").splitlines(), start=1):
            yield f"page {p} line {n}", line


READERS: dict[str, Callable[[Path], Located]] = {
    ".ipynb": _notebook, ".png": _png, ".parquet": _parquet, ".docx": _docx, ".pdf": _pdf,
}
