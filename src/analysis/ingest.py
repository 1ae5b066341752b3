"""Readers: files on disk to raw records. A registry keyed by file suffix,
so a new transcript format is one function.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from analysis.clean import decode, fix, normalise, paragraphs, report_repairs
from analysis.config import load_yaml, parse_yaml
from analysis.errors import STRICT, AnalysisError, ProblemCollector, did_you_mean, excerpt
from analysis.progress import progress

SIDECAR_SUFFIXES = (".yml", ".yaml")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class RawTranscript:
    """A transcript as read: metadata and numbered paragraphs of clean text."""

    path: Path
    format: str
    meta: dict[str, Any]
    paragraphs: list[tuple[int, str]]


Reader = Callable[[Path], RawTranscript]
READERS: dict[str, Reader] = {}


def reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a transcript reader for file suffixes."""
    def register(func: Reader) -> Reader:
        for s in suffixes:
            READERS[s] = func
        return func
    return register


def read_transcripts(folder: str | Path, problems: ProblemCollector = STRICT) -> list[RawTranscript]:
    """Read every transcript in a folder, sorted by file name.

    A lazy ``problems`` collector gets every file that cannot be read (each
    left out); by default the first is raised.

    Raises:
        AnalysisError: for a file whose format has no reader (never skipped
            silently), or a sidecar with no transcript.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise AnalysisError("interviews folder not found", path=folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    stems = {p.stem for p in files if p.suffix.lower() in READERS}
    out = []
    for p in progress(files, "reading transcripts", unit="file"):
        with problems.item():
            suffix = p.suffix.lower()
            if suffix in SIDECAR_SUFFIXES:
                if p.stem not in stems:
                    raise AnalysisError("metadata sidecar without a transcript", path=p,
                                        hint="name it like its transcript, e.g. I05.docx + I05.yml")
                continue
            # Content before suffix: a Zoom export saved as .txt is read as the WebVTT it is.
            read = _transcripts.sniff_transcript(p) or READERS.get(suffix)
            if read is None:
                raise AnalysisError(f"no reader for {suffix or 'files without suffix'}; "
                                    f"known formats: {', '.join(sorted(READERS))}", path=p)
            out.append(read(p))
    return out


@reader(".md", ".txt")
def read_text_transcript(path: Path) -> RawTranscript:
    """Read a .md or .txt transcript with YAML front matter (or a sidecar)."""
    text = decode(_read_bytes(path), path)
    if not text.strip():
        raise _empty(path)
    meta, body, first_line = _split_front_matter(text, path)
    if meta is None:
        meta = _sidecar(path)
    return RawTranscript(path, path.suffix.lower().lstrip("."), meta, paragraphs(body, first_line, keep_lines=True))


def _empty(path: Path) -> AnalysisError:
    return AnalysisError("empty transcript: the file holds no text", path=path,
                         hint="write the interview into it, or remove the file")


@reader(".docx")
def read_docx_transcript(path: Path) -> RawTranscript:
    """Read a .docx transcript (metadata in a YAML sidecar).

    A document whose body holds a table is read as a transcription service's
    table of turns (see :func:`analysis.readers.transcripts.docx_table_lines`).

    Each ``w:p`` paragraph, and each line of it after a line break, is a line
    of the transcript numbered by its paragraph (so a line break before a
    speaker label starts a turn, as in a text transcript).
    """
    data = _read_bytes(path)
    if not data:
        raise _empty(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise AnalysisError(f"not a readable .docx ({exc})", path=path,
                            hint="re-save the document from Word or LibreOffice") from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise AnalysisError(f"damaged .docx XML ({exc})", path=path) from None
    meta = _sidecar(path)
    table = _transcripts.docx_table_lines(path, root, meta)
    if table is not None:
        return RawTranscript(path, "docx-table", meta, table)
    paras: list[tuple[int, str]] = []
    garbled, controls = False, 0
    for n, p in enumerate(root.iter(f"{_W}p"), start=1):
        parts = []
        for node in p.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag in (f"{_W}tab",):
                parts.append(" ")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        text, bad, removed = fix("".join(parts))
        garbled, controls = garbled or bad, controls + removed
        # Lines of one paragraph are separate entries with the paragraph's number: their numbers must not run on.
        paras += [(n, line) for line in normalise(text).split("\n") if line.strip()]
    report_repairs(path, garbled=garbled, controls=controls)
    return RawTranscript(path, "docx", meta, paras)


def read_register(path: str | Path, problems: ProblemCollector = STRICT) -> list[dict[str, str]]:
    """Read the document register CSV as rows of strings, with line numbers in ``_line``.

    A lazy ``problems`` collector gets every faulty column and row (a faulty
    row is left out); by default the first is raised.
    """
    path = Path(path)
    text = decode(_read_bytes(path), path)
    rows = []
    reader_ = csv.DictReader(io.StringIO(text))
    _check_columns(reader_.fieldnames or [], path, problems)
    for row in reader_:
        with problems.item():
            if None in row:
                raise AnalysisError("row has more fields than the header", path=path, line=reader_.line_num)
            row["_line"] = str(reader_.line_num)
            rows.append(row)
    return rows


def _check_columns(header: list[str], path: Path, problems: ProblemCollector = STRICT) -> None:
    """Refuse a register column we do not know (a misspelt one would be read as empty) or a repeated one."""
    from analysis.schemas import DOCUMENTS

    known = tuple(DOCUMENTS.columns)
    seen: set[str] = set()
    for name in header:
        with problems.item():
            _check_column(name, known, seen, path)


def _check_column(name: str, known: tuple[str, ...], seen: set[str], path: Path) -> None:
    """One column of the register header: known, and not repeated."""
    if name not in known:
        raise AnalysisError(f"unknown column {excerpt(name)}; valid columns: {', '.join(known)}", path=path,
                            line=1, field=name[:40],
                            hint=did_you_mean(name.strip(), known, "the columns are listed in docs/case-format.md; there is no "
                                                 "column for notes: keep them outside the register")
                            if name.strip() else "a column without a name: delete it (often a trailing comma)")
    if name in seen:
        raise AnalysisError(f"column {excerpt(name)} appears twice in the header", path=path, line=1,
                            field=name, hint="keep one: the second would silently win")
    seen.add(name)


def read_text(path: str | Path) -> str:
    """Read and decode one text file (a document text)."""
    return decode(_read_bytes(Path(path)), path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AnalysisError("file not found", path=path) from None
    except OSError as exc:
        raise AnalysisError(f"cannot read file ({exc.strerror})", path=path) from None


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any] | None, str, int]:
    if not text.startswith("---\n"):
        return None, text, 1
    end = text.find("\n---", 4)
    if end < 0:
        raise AnalysisError("front matter opened with '---' but never closed", path=path, line=1)
    try:
        # Strict (no aliases, no duplicate keys) and fast; the newline makes YAML count lines as the file does.
        meta = parse_yaml("\n" + text[4:end], fast=True) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise AnalysisError(f"YAML error in front matter: {getattr(exc, 'problem', exc)}", path=path,
                            line=(mark.line + 1) if mark else 1) from None
    if not isinstance(meta, dict):
        raise AnalysisError("front matter must be a mapping of fields", path=path, line=2)
    body_start = text.find("\n", end + 1)
    body = text[body_start + 1:] if body_start >= 0 else ""
    first_line = text[:body_start + 1].count("\n") + 1 if body_start >= 0 else 1
    return meta, body, first_line


def _sidecar(path: Path) -> dict[str, Any]:
    for suffix in SIDECAR_SUFFIXES:
        side = path.with_suffix(suffix)
        if side.is_file():
            meta = load_yaml(side)
            if not isinstance(meta, dict):
                raise AnalysisError("sidecar must be a mapping of fields", path=side)
            return dict(meta)
    raise AnalysisError("no metadata: add YAML front matter or a sidecar file", path=path,
                        hint=f"create {path.with_suffix('.yml').name}")


# The export formats (WebVTT, SRT, service text) register themselves with READERS; imported last, as they use it.
from analysis.readers import transcripts as _transcripts  # noqa: E402
