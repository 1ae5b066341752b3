"""Privacy audit: no identity from the private key in any output.

Every file under the processed and reports folders is read by a reader
chosen by its suffix, so that embedded images (base64 in notebooks and HTML,
PNG pixels) are not mistaken for text and text inside binary containers
(Parquet cells, PNG text chunks, the XML parts of a DOCX, the pages and
metadata of a PDF) is not missed. A file that cannot be read is reported as a
problem, never skipped: an unreadable output is an unaudited one.
"""

from __future__ import annotations

import bisect
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path

from analysis.config import Identity, load_identity_key
from analysis.errors import AnalysisError, excerpt
from analysis.log import logger
from analysis.paths import CasePaths
from analysis.pseudonymise import _bare as bare_name  # the honorific rule of the pseudonymiser
from analysis.pseudonymise import identity_finder

Locate = Callable[[int], str]  # an offset in a text -> where it is in the file ("row 3 column text")
Located = Iterator[tuple[Locate, str]]  # the texts of a file, each with how to say where a match is
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def audit(paths: CasePaths) -> list[str]:
    """Return one ``file:where: what`` message per leak under processed and reports.

    A message says which kind of identity leaked (a name or an alias, and the
    pseudonym it should have been), never the name itself: the message is
    printed on terminals and in CI logs, which are outputs too.
    """
    return [msg for found in find_leaks(paths).values() for msg in found]


def find_leaks(paths: CasePaths) -> dict[Path, list[str]]:
    """Every output file with an identity of the key (or unreadable), with its leak messages."""
    identities = load_identity_key(paths.identity_key)
    find = identity_finder(identities)
    kinds = _kinds(identities)
    leaks: dict[Path, list[str]] = {}
    for folder in (paths.processed, paths.reports):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            try:
                for where, name in _search(READERS.get(path.suffix.lower(), _text)(path), find):
                    kind = kinds.get(_key(name), "a name or alias from the private key")
                    leaks.setdefault(path, []).append(f"{path}:{where}: {kind}")
            except Exception as exc:  # noqa: BLE001 - any reader failure means the file went unchecked
                leaks.setdefault(path, []).append(
                    f"{path}: could not be read for the audit ({type(exc).__name__}: {excerpt(str(exc))})")
    return leaks


def refuse_leaks(paths: CasePaths) -> None:
    """Audit the outputs of a build; on any leak remove the files that hold one, and the manifest, and fail.

    Called by every command that finishes a build (``build``, ``manifest``,
    hence ``make`` and ``verify``): a build with a leak never looks finished.
    The files are removed rather than kept aside, because a kept copy is
    still a name on disk in a folder meant for sharing; the messages say
    where each one was, so the cause can be found in the case folder.

    Raises:
        AnalysisError: when any output holds an identity of the key or could
            not be read; the leaks are logged above it, at most
            :data:`SHOWN_PER_FILE` per file.
    """
    leaks = find_leaks(paths)
    if not leaks:
        return
    for path, found in leaks.items():
        for msg in found[:SHOWN_PER_FILE]:
            logger.error("%s", msg)
        if len(found) > SHOWN_PER_FILE:
            logger.error("%s: ... and %d more", path, len(found) - SHOWN_PER_FILE)
        path.unlink(missing_ok=True)
    (paths.reports / "manifest.json").unlink(missing_ok=True)
    n = sum(len(found) for found in leaks.values())
    raise AnalysisError(f"{n} identity leak(s) found; the {len(leaks)} output file(s) holding them were removed "
                        "and the build is not finished",
                        hint="see the lines above: add the missing name or alias to the private key, then rebuild")


def _search(located: Located, find: Callable[[str], Iterator[re.Match[str]]]) -> Iterator[tuple[str, str]]:
    """(where, name found) for every identity in the located texts of one file."""
    for locate, text in located:
        for m in find(text):
            yield locate(m.start()), m.group(0)


SHOWN_PER_FILE = 5  # leak lines logged per file: enough to find the cause, not a flood


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _kinds(identities: tuple[Identity, ...]) -> dict[str, str]:
    """Folded name -> what the audit says about it: its kind and the pseudonym it stands for."""
    kinds: dict[str, str] = {}
    for ident in identities:
        for n, name in enumerate(ident.names):
            kind = "a name" if n == 0 else "an alias"
            kinds.setdefault(_key(bare_name(name)), f"{kind} from the private key (of {ident.pseudonym})")
    return kinds


def _at(where: str) -> Locate:
    return lambda _offset: where


def _by_line(text: str, prefix: str = "") -> Locate:
    """Where an offset of a multi-line text is: its line number (counted only for a match)."""
    return lambda offset: f"{prefix}{text.count(chr(10), 0, offset) + 1}"


def _by_row(values: list[str], column: str) -> tuple[Locate, str]:
    """A column searched as one text, cells joined by NUL (neither a word nor a space: no name spans two cells)."""
    starts: list[int] = []

    def locate(offset: int) -> str:
        if not starts:  # only when something was found
            starts.extend(accumulate((len(v) + 1 for v in values), initial=0))
        return f"row {bisect.bisect_right(starts, offset)} column {column}"

    return locate, "\0".join(values)


def _text(path: Path) -> Located:
    text = _DATA_URI.sub("data:", path.read_bytes().decode("utf-8", errors="replace"))
    yield _by_line(text), text


def _notebook(path: Path) -> Located:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for n, cell in enumerate(nb.get("cells", []), start=1):
        yield _at(f"cell {n}"), "".join(cell.get("source", ""))
        for out in cell.get("outputs", []):
            for mime, data in (out.get("data") or {}).items():
                if not mime.startswith("image/") or mime == "image/svg+xml":
                    yield _at(f"cell {n} {mime}"), data if isinstance(data, str) else json.dumps(data)
            if "text" in out:
                yield _at(f"cell {n} stream"), "".join(out["text"])


def _png(path: Path) -> Located:
    """Text chunks only: the pixels hold no searchable text (the SVG twin does)."""
    data = path.read_bytes()
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            yield _at(kind.decode()), body.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            yield _at(kind.decode()), key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1")
        pos += 12 + length


def _parquet(path: Path) -> Located:
    """Column names, and every text column searched whole (a large table is millions of cells)."""
    import pandas as pd

    df = pd.read_parquet(path)
    for col in df.columns:
        yield _at(f"column {col}"), str(col)
        if pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object:
            yield _by_row(df[col].astype(str).tolist(), str(col))


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
            yield _by_line(text, f"{name} paragraph "), text


def _pdf(path: Path) -> Located:
    """The text layer of every page and the document information (title, author, ...)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    for key, value in (reader.metadata or {}).items():
        yield _at(f"metadata {key}"), str(value)
    for p, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        yield _by_line(text, f"page {p} line "), text


READERS: dict[str, Callable[[Path], Located]] = {
    ".ipynb": _notebook, ".png": _png, ".parquet": _parquet, ".docx": _docx, ".pdf": _pdf,
}
