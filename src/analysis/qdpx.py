"""REFI-QDA interoperability: import a ``.qdpx`` project into a case folder, export one.

REFI-QDA is the exchange standard of QualCoder, NVivo, ATLAS.ti, MAXQDA and
others: a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``)
and the plain texts of the sources under ``sources/``. Codings are
``PlainTextSelection`` elements with ``startPosition``/``endPosition`` in
Unicode code points of the plain text; ours are anchored by quote. The import
turns one into the other and verifies every coding with the pipeline's own
anchoring; the export computes offsets into the pseudonymised texts it writes.

Liberal in what is accepted (any name for the ``.qde``, paths with or without
``internal://``, ``\\r\\n`` line ends, text inline or in files), strict in what
is written (valid against the official schemas, deterministic bytes). The
archive is untrusted: see :func:`open_archive`. The mapping is documented in
``docs/refi-qda.md``.
"""

from __future__ import annotations

import csv
import io
import re
import stat
import tempfile
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from analysis.atomic import (
    ZIP_DATE,  # noqa: F401 - re-exported: the date of every entry written
    atomic_dir,
    write_text,
    write_zip,
)
from analysis.clean import normalise, parse_label
from analysis.coding import CODING_COLUMNS, STANCES, find_spans
from analysis.config import load_case, load_codebook, load_identity_key
from analysis.errors import AnalysisError
from analysis.ingest import read_transcripts
from analysis.language import detect
from analysis.log import logger
from analysis.paths import CasePaths
from analysis.prepare import DOC_TYPES, prepare
from analysis.pseudonymise import identity_pattern, pseudonymiser
from analysis.schemas import DOCUMENTS

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "analysis compendium (REFI-QDA 1.0 export)"
CASE_NOTE = "analysis: case.yml"
CODEBOOK_NOTE = "analysis: codebook.yml"
GUID_NAMESPACE = uuid.UUID("6f0c1d9e-5b8a-4c3e-9f47-2a61d0b7e513")

# Limits on untrusted archives.
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 512 * 2**20      # unpacked, all entries
MAX_RATIO = 100                    # unpacked / packed, per large entry and for the whole archive
RATIO_FLOOR = 2**20                # entries (and archives) smaller than this may compress better

DEFAULT_CASE = {
    "language": "en", "illustrative": False,
    "chapter": {"number": 4, "title": "CONCLUSION", "figure_label": "Figure", "table_label": "Table"},
    "rules": {"default": {"min_informants": 2, "min_documents": 1},
              "ranking": {"min_informants": 1, "min_documents": 0, "min_contradicting": 1,
                          "rank_by": ["informants", "units", "documents"]}},
}
# A coding's stance travels in its selection's Description (the memo QDA tools show and edit), as a tag
# before the memo: "[stance: contradicts] caveat: no LOI text found". See docs/refi-qda.md.
STANCE_TAG = re.compile(r"^\s*\[\s*stance\s*:\s*([^\]]*?)\s*\]\s*", re.IGNORECASE)
PLACEHOLDER_CODE = "UNCODED"  # the one code of an imported project that had none
INTERVIEWER_HINTS = re.compile(r"interview|pewawancara|moderator|researcher|peneliti|^(i|q|int)$", re.IGNORECASE)


@dataclass
class ImportReport:
    """What an import carried and what it could not.

    Args:
        case: The case folder written.
        counts: Number of codes, sources, interviews, documents, codings carried.
        warnings: One sentence per thing not carried, as the standard asks of importers.
    """

    case: Path
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def import_qdpx(archive: str | Path, case_dir: str | Path) -> ImportReport:
    """Read a REFI-QDA project into a new case folder in our raw format.

    The folder is assembled in a temporary folder beside ``case_dir``, every
    coding is verified by the pipeline's own anchoring (a coding that does not
    verify is dropped with a warning), and only then renamed into place.

    Args:
        archive: The ``.qdpx`` file.
        case_dir: The case folder to create; must not exist or be empty.

    Returns:
        The report: counts and warnings (also written to ``import-report.md``).

    Raises:
        AnalysisError: for a hostile or unreadable archive or project XML,
            or an existing non-empty ``case_dir``; nothing is written then.
    """
    archive, case_dir = Path(archive), Path(case_dir)
    if case_dir.exists() and (not case_dir.is_dir() or any(case_dir.iterdir())):
        raise AnalysisError("the target case folder exists and is not empty", path=case_dir,
                            hint="import into a new folder")
    entries = open_archive(archive)
    project = _parse_xml(entries.read(_project_entry(entries, archive)), archive)
    model = _read_project(project, entries)
    with atomic_dir(case_dir) as staging:
        report = _write_case(model, staging, archive.name)
    report.case = case_dir
    for warning in report.warnings:
        logger.warning("%s", warning)
    logger.info("imported %s -> %s (%s)", archive, case_dir,
                ", ".join(f"{v} {k}" for k, v in report.counts.items()))
    return report


def export_qdpx(paths: CasePaths, out: str | Path) -> Path:
    """Write the case as a REFI-QDA project (``.qdpx``), pseudonymised and byte-reproducible.

    Sources are the cleaned, pseudonymised texts of the pipeline (never the
    raw transcripts); codings are the anchored codings of every coder, as
    code-point offsets into those texts.

    Args:
        paths: The case (read only) and its output folders.
        out: The ``.qdpx`` file to write; not inside the case folder.

    Returns:
        The path written.

    Raises:
        AnalysisError: for any problem of the case (as the build would), an
            output path inside the case folder, or if a name of the private
            key would leave in the export; nothing is written then.
    """
    out = Path(out)
    _outside_case(paths, out)
    xml, files = _build_project(paths)
    write_zip(out, {"project.qde": xml, **{f"sources/{name}": data for name, data in files.items()}})
    logger.info("wrote %s (%d sources)", out, len(files))
    return out


def export_qdc(paths: CasePaths, out: str | Path) -> Path:
    """Write the case's codebook as a REFI-QDA codebook (``.qdc``): indicators and their codes.

    Labels and definitions are pseudonymised as in :func:`export_qdpx`, and
    the same check refuses a name of the private key left in them.

    Args:
        paths: The case (read only) and its output folders.
        out: The ``.qdc`` file to write; not inside the case folder.

    Returns:
        The path written.

    Raises:
        AnalysisError: for an unreadable case or codebook, an output path
            inside the case folder, or if a name of the private key would
            leave in the export; nothing is written then.
    """
    out = Path(out)
    _outside_case(paths, out)
    case = load_case(paths.case_config)
    codebook = load_codebook(paths.codebook)
    identities = load_identity_key(paths.identity_key) if paths.identity_key.is_file() else ()
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": ORIGIN})
    _codes_xml(ET.SubElement(root, "Codes"), codebook, case, pseudonymiser(identities))
    xml = _serialise(root)
    _no_identity(identities, [xml])
    write_text(out, xml.decode("utf-8"))
    logger.info("wrote %s", out)
    return out


def _outside_case(paths: CasePaths, out: Path) -> None:
    """Refuse an output path inside the case folder: the case is read-only input."""
    case, target = paths.case.resolve(), out.resolve()
    if target == case or case in target.parents:
        raise AnalysisError("the export would be written inside the case folder, which is read-only input",
                            path=out, hint="write it outside the case folder (e.g. under reports/)")


class Archive:
    """The checked entries of an untrusted zip, read only on demand and within limits."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> None:
        self.path = path
        self._zf = zf
        self._infos = infos  # casefolded name -> entry

    @property
    def names(self) -> list[str]:
        return sorted(info.filename for info in self._infos.values())

    def find(self, name: str) -> str | None:
        """The archive name matching ``name`` case-insensitively, with ``\\`` read as ``/``."""
        info = self._infos.get(name.replace("\\", "/").lstrip("/").casefold())
        return info.filename if info else None

    def read(self, name: str) -> bytes:
        """Read one entry, refusing more bytes than it declared."""
        info = self._infos[name.casefold()]
        try:
            with self._zf.open(info) as f:
                data = f.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise AnalysisError(f"damaged archive entry {name!r} ({exc})", path=self.path) from None
        if len(data) > info.file_size:
            raise AnalysisError(f"archive entry {name!r} unpacks to more than it declares", path=self.path)
        return data


def open_archive(path: str | Path) -> Archive:
    """Open a ``.qdpx`` and check every entry before anything is read.

    Refused: entries with absolute paths or ``..`` (path traversal), symbolic
    links, encrypted entries, more than ``MAX_ENTRIES`` entries, an unpacked
    size over ``MAX_TOTAL_BYTES``, or out of proportion to the packed size
    (over ``MAX_RATIO`` times, for entries or archives past ``RATIO_FLOOR``).

    Args:
        path: The archive file (untrusted).

    Returns:
        The checked entries, read on demand through :meth:`Archive.read`.

    Raises:
        AnalysisError: naming the archive and the entry.
    """
    path = Path(path)
    if not path.is_file():
        raise AnalysisError("file not found", path=path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AnalysisError(f"not a REFI-QDA archive (a .qdpx is a zip file): {exc}", path=path) from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise AnalysisError(f"archive has {len(infos)} entries, more than {MAX_ENTRIES}", path=path)
    total, checked = 0, {}
    for info in infos:
        _check_entry(info, path)
        total += info.file_size
        if not info.is_dir():
            checked[info.filename.replace("\\", "/").casefold()] = info
    packed = max(path.stat().st_size, 1)
    if total > MAX_TOTAL_BYTES or (total > RATIO_FLOOR and total > MAX_RATIO * packed):
        raise AnalysisError(f"archive unpacks to {total} bytes from {packed}: out of proportion "
                            "(a zip bomb?)", path=path, hint="refused before unpacking anything")
    return Archive(path, zf, checked)


# --- reading the archive ------------------------------------------------------


def _check_entry(info: zipfile.ZipInfo, path: Path) -> None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise AnalysisError(f"archive entry {name!r} has an absolute path", path=path,
                            hint="refused: a project may only hold relative paths")
    if ".." in parts:
        raise AnalysisError(f"archive entry {name!r} climbs out of the archive (path traversal)", path=path,
                            hint="refused: a project may only hold paths inside it")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise AnalysisError(f"archive entry {name!r} is a symbolic link", path=path, hint="refused")
    if info.flag_bits & 0x1:
        raise AnalysisError(f"archive entry {name!r} is encrypted", path=path)
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise AnalysisError(f"archive entry {name!r} unpacks {info.file_size} bytes from {info.compress_size}: "
                            "out of proportion (a zip bomb?)", path=path, hint="refused before unpacking")


def _project_entry(archive: Archive, path: Path) -> str:
    """``project.qde`` at the root, else any single ``.qde`` (ATLAS.ti writes ``Project.qde``)."""
    found = archive.find("project.qde")
    if found:
        return found
    qde = [n for n in archive.names if n.lower().endswith(".qde")]
    if len(qde) == 1:
        return qde[0]
    raise AnalysisError("no project.qde in the archive" if not qde else f"several .qde files: {qde}", path=path,
                        hint="a REFI-QDA project archive holds one project.qde")


def _parse_xml(data: bytes, path: Path) -> ET.Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise AnalysisError(f"project XML refused: {type(exc).__name__} (DTDs and entities are not allowed)",
                            path=path, hint="refused: entity expansion and external entities are unsafe") from None
    except ET.ParseError as exc:
        raise AnalysisError(f"project XML is not well-formed: {exc}", path=path) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    found = _children(elem, name)
    return found[0] if found else None


def _members(elem: ET.Element, group: str, name: str) -> list[ET.Element]:
    """The ``name`` children of the ``group`` child of ``elem`` (none when it is missing)."""
    g = _child(elem, group)
    return _children(g, name) if g is not None else []


def _text_of(elem: ET.Element, name: str) -> str:
    c = _child(elem, name)
    return (c.text or "") if c is not None else ""


def _guid(elem: ET.Element, attr: str = "guid") -> str:
    return (elem.get(attr) or "").strip("{}").upper()


# --- the project model --------------------------------------------------------


@dataclass
class _Code:
    guid: str
    name: str
    description: str
    codable: bool
    children: list[_Code] = field(default_factory=list)


@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    name: str
    memo: str
    codings: list[tuple[str, str]]  # (code guid, user guid)


@dataclass
class _Source:
    guid: str
    name: str
    description: str
    text: str | None
    created: str
    selections: list[_Selection] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    group: list[str] = field(default_factory=list)  # speakers of a text with more than two (a focus group)


@dataclass
class _Project:
    name: str
    creator: str
    users: dict[str, str]
    codes: list[_Code]
    sources: list[_Source]
    cases: list[dict[str, Any]]
    notes: dict[str, str]
    warnings: list[str]


@dataclass
class _Context:
    archive: Archive
    variables: dict[str, str]  # guid -> name
    warnings: list[str]


SourceReader = Callable[[ET.Element, _Context], list[_Source]]
SelectionReader = Callable[[ET.Element, _Context, str], "_Selection | None"]


def _read_project(root: ET.Element, archive: Archive) -> _Project:
    if _local(root.tag) != "Project":
        raise AnalysisError(f"root element is <{_local(root.tag)}>, expected <Project>", path=archive.path)
    warnings: list[str] = []
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace != PROJECT_NS:  # read anyway (elements are matched by local name), but never silently
        warnings.append(f"project XML namespace is {_short(namespace, 60) if namespace else 'missing'!r}, "
                        f"expected {PROJECT_NS!r}: read as REFI-QDA 1.0 anyway; check what was carried")
    users = {}
    for n, u in enumerate(_members(root, "Users", "User"), start=1):
        users[_guid(u)] = (u.get("name") or u.get("id") or f"user-{n}").strip()
    book = _child(root, "CodeBook")
    codes = [_read_code(c) for c in _members(book, "Codes", "Code")] if book is not None else []
    variables = {_guid(v): (v.get("name") or "").strip() for v in _members(root, "Variables", "Variable")}
    ctx = _Context(archive, variables, warnings)
    sources: list[_Source] = []
    sources_el = _child(root, "Sources")
    for elem in (list(sources_el) if sources_el is not None else []):
        reader = SOURCE_READERS.get(_local(elem.tag))
        if reader is None:
            warnings.append(f"source of unknown kind <{_local(elem.tag)}> {elem.get('name')!r}: not carried")
            continue
        sources.extend(reader(elem, ctx))
    cases = [{"name": (c.get("name") or "").strip(), "variables": _variables(c, ctx),
              "sources": {_guid(r, "targetGUID") for r in _children(c, "SourceRef")}}
             for c in _members(root, "Cases", "Case")]
    notes = {}
    other_notes = 0
    for note in _members(root, "Notes", "Note"):
        if note.get("name") in (CASE_NOTE, CODEBOOK_NOTE):
            notes[note.get("name")] = _text_of(note, "PlainTextContent")
        else:
            other_notes += 1
    if other_notes:
        warnings.append(f"{other_notes} note(s) (memos) not carried: our case format has no memos beside codings")
    for group, what in (("Links", "link"), ("Sets", "set"), ("Graphs", "graph")):
        el = _child(root, group)
        n = len(el) if el is not None else 0
        if n:
            warnings.append(f"{n} {what}(s) not carried: our case format has no {what}s")
    return _Project(root.get("name") or "imported", _guid(root, "creatingUserGUID"), users, codes, sources,
                    cases, notes, warnings)


def _read_code(elem: ET.Element) -> _Code:
    return _Code(_guid(elem), (elem.get("name") or "").strip(), _text_of(elem, "Description").strip(),
                 (elem.get("isCodable") or "true").strip().lower() in ("true", "1"),
                 [_read_code(c) for c in _children(elem, "Code")])


def _variables(elem: ET.Element, ctx: _Context) -> dict[str, Any]:
    out = {}
    for vv in _children(elem, "VariableValue"):
        ref = _child(vv, "VariableRef")
        name = ctx.variables.get(_guid(ref, "targetGUID")) if ref is not None else None
        if not name:
            continue
        for value in vv:
            kind = _local(value.tag)
            if kind == "VariableRef":
                continue
            text = (value.text or "").strip()
            out[name] = text.lower() in ("true", "1") if kind == "BooleanValue" else text
    return out


def _text_source(elem: ET.Element, ctx: _Context) -> list[_Source]:
    """A ``TextSource`` (or a PDF's text ``Representation``): its text and plain-text selections."""
    name = (elem.get("name") or elem.get("guid") or "source").strip()
    text = _source_text(elem, ctx, name)
    source = _Source(_guid(elem), name, _text_of(elem, "Description").strip(), text,
                     (elem.get("creationDateTime") or "")[:10], variables=_variables(elem, ctx))
    direct = len(_children(elem, "Coding"))
    if direct:
        ctx.warnings.append(f"{name!r}: {direct} coding(s) of the whole source not carried (a coding is a quote)")
    for child in elem:
        reader = SELECTION_READERS.get(_local(child.tag))
        if reader is not None:
            sel = reader(child, ctx, name)
            if sel is not None:
                source.selections.append(sel)
    if text is None:
        if source.selections:
            ctx.warnings.append(f"{name!r}: {len(source.selections)} selection(s) not carried with their source")
        return []
    return [source]


def _pdf_source(elem: ET.Element, ctx: _Context) -> list[_Source]:
    """A PDF is not carried; its plain-text representation, when readable, becomes a document."""
    name = (elem.get("name") or "PDF").strip()
    areas = len(_children(elem, "PDFSelection"))
    ctx.warnings.append(f"PDF source {name!r} not carried as PDF" + (f" ({areas} area selection(s) dropped)"
                                                                     if areas else ""))
    rep = _child(elem, "Representation")
    if rep is None:
        return []
    rep.set("name", rep.get("name") or name)
    return _text_source(rep, ctx)


def _media_source(elem: ET.Element, ctx: _Context) -> list[_Source]:
    kind = _local(elem.tag).replace("Source", "").lower()
    selections = sum(len(_children(elem, k)) for k in ("PictureSelection", "AudioSelection", "VideoSelection"))
    ctx.warnings.append(f"{kind} source {elem.get('name')!r} not carried (our cases hold text only)"
                        + (f"; {selections} selection(s) dropped" if selections else ""))
    return []


def _plain_selection(elem: ET.Element, ctx: _Context, source: str) -> _Selection | None:
    try:
        start, end = int(elem.get("startPosition", "")), int(elem.get("endPosition", ""))
    except ValueError:
        ctx.warnings.append(f"{source!r}: selection {elem.get('guid')} without valid positions not carried")
        return None
    creator = _guid(elem, "creatingUser")
    codings = [(_guid(_child(c, "CodeRef"), "targetGUID"), _guid(c, "creatingUser") or creator)
               for c in _children(elem, "Coding") if _child(c, "CodeRef") is not None]
    return _Selection(_guid(elem), min(start, end), max(start, end), elem.get("name") or "",
                      _text_of(elem, "Description").strip(), codings)


def _area_selection(elem: ET.Element, ctx: _Context, source: str) -> None:
    ctx.warnings.append(f"{source!r}: {_local(elem.tag)} not carried (not a plain-text selection)")
    return None


SOURCE_READERS: dict[str, SourceReader] = {
    "TextSource": _text_source, "PDFSource": _pdf_source,
    "PictureSource": _media_source, "AudioSource": _media_source, "VideoSource": _media_source,
}
SELECTION_READERS: dict[str, SelectionReader] = {
    "PlainTextSelection": _plain_selection, "PictureSelection": _area_selection,
    "PDFSelection": _area_selection, "AudioSelection": _area_selection,
    "VideoSelection": _area_selection, "TranscriptSelection": _area_selection,
}


def _source_text(elem: ET.Element, ctx: _Context, name: str) -> str | None:
    """The plain text: the file named by ``plainTextPath`` inside the archive, else inline content."""
    ref = (elem.get("plainTextPath") or "").strip()
    if ref:
        entry = _resolve(ref, ctx.archive)
        if entry is not None:
            return _decode(ctx.archive.read(entry))
    inline = _child(elem, "PlainTextContent")
    if inline is not None and inline.text:
        return inline.text
    where = f"plainTextPath {ref!r} is not in the archive" if ref else "no plain text"
    ctx.warnings.append(f"text source {name!r} not carried: {where}")
    return None


def _resolve(ref: str, archive: Archive) -> str | None:
    """Find a source path inside the archive only: ``internal://`` files, bare names, and
    the file name of ``relative://`` paths when a tool bundled it; never outside."""
    scheme, _, rest = ref.partition("://")
    if not rest:
        scheme, rest = "", ref
    if scheme.lower() in ("absolute", "file", "http", "https"):
        return None
    rest = rest.replace("\\", "/").lstrip("/")
    base = rest.rsplit("/", 1)[-1]
    for candidate in (f"sources/{rest}", rest, f"sources/{base}"):
        if ".." not in candidate.split("/"):
            found = archive.find(candidate)
            if found:
                return found
    return None


def _decode(data: bytes) -> str:
    """Bytes to text without changing a character (positions count in it): UTF-8, UTF-16, cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")  # a truncated last character becomes U+FFFD
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- from the model to a case folder ------------------------------------------


@dataclass
class _Line:
    start: int      # span in the source text that becomes unit text
    end: int
    unit: int       # 0-based unit (turn or paragraph) of the source
    written: str    # the paragraph as written to the case file


def _write_case(model: _Project, folder: Path, archive_name: str) -> ImportReport:
    warnings = list(model.warnings)
    _check_notes(model, warnings)
    code_ids, codebook_yaml, indicator_codes = _codebook(model, warnings)
    case_note = model.notes.get(CASE_NOTE)
    source_ids = _assign_ids(model.sources)
    cases_by_source = {g: c for c in model.cases for g in c["sources"]}
    (folder / "interviews").mkdir(parents=True)
    (folder / "documents" / "texts").mkdir(parents=True)
    (folder / "codings").mkdir()
    (folder / "private").mkdir()
    case_language = str((yaml.safe_load(case_note) or {}).get("language", "en")) if case_note else "en"

    informants: dict[str, dict[str, Any]] = {}
    register, rows = [], []
    n_interviews = 0
    for s in model.sources:
        sid = source_ids[id(s)]
        text = _choose_text(s)
        case = cases_by_source.get(s.guid, {"name": "", "variables": {}})
        s.variables["_case"] = case["name"]
        lines, speakers = _structure(text, s, warnings)
        if speakers:
            interviewer, informant = speakers
            pseudonymised = bool(s.variables.get("pseudonymised"))
            ident = informants.setdefault(informant.casefold(), {
                "name": informant, "aliases": [], "pseudonymised": pseudonymised})
            if case["name"] and case["name"].casefold() != informant.casefold() \
                    and case["name"] not in ident["aliases"]:
                ident["aliases"].append(case["name"])
            meta = _interview_meta(s, sid, informant, interviewer, case, text, case_language)
            body = "\n\n".join(line.written for line in lines)
            write_text(folder / "interviews" / f"{sid}.md",
                       "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
                       + "---\n\n" + body + "\n")
            n_interviews += 1
        else:
            # A focus group imported as a document: its participants still go into the identity key,
            # so that the pipeline and `make audit` know their names.
            # TODO(group transcripts): import as a group transcript once the case format has that kind.
            for speaker in s.group:
                if not INTERVIEWER_HINTS.search(speaker):
                    informants.setdefault(speaker.casefold(), {
                        "name": speaker, "aliases": [], "pseudonymised": bool(s.variables.get("pseudonymised"))})
            register.append(_register_row(s, sid, text, case_language))
            write_text(folder / "documents" / "texts" / f"{sid}.md",
                       "\n\n".join(line.written for line in lines) + "\n")
        rows += _codings(s, sid, text, lines, model, code_ids, warnings)

    primary = Counter(r["coder"] for r in rows).most_common(1)
    first_user = next(iter(model.users.values()), "A")
    case_yaml = case_note or _default_case(model, primary[0][0] if primary else first_user)
    write_text(folder / "case.yml", case_yaml)
    write_text(folder / "codebook.yml", codebook_yaml)
    write_text(folder / "private" / "identity-key.yml", _identity_key(informants))
    _write_register(folder / "documents" / "register.csv", register)
    verified = _verify(folder, rows, warnings, n_interviews + len(register))
    _write_codings(folder / "codings", verified)
    counts = {"codes": len(indicator_codes), "interviews": n_interviews, "documents": len(register),
              "codings": len(verified), "warnings": len(warnings)}
    report = ["# Import report", "", f"Imported from `{archive_name}` (REFI-QDA).", "",
              *[f"- {k}: {v}" for k, v in counts.items()], "", "## Not carried", "",
              *([f"- {w}" for w in warnings] or ["- nothing"])]
    write_text(folder / "import-report.md", "\n".join(report) + "\n")
    return ImportReport(folder, counts, warnings)


def _check_notes(model: _Project, warnings: list[str]) -> None:
    """Keep our settings notes only when the case's own loaders accept them; else warn and use defaults."""
    from analysis.config import load_case, load_codebook

    for name, loader in ((CASE_NOTE, load_case), (CODEBOOK_NOTE, load_codebook)):
        if name not in model.notes:
            continue
        with tempfile.TemporaryDirectory(prefix="qdpx-note-") as tmp:
            path = Path(tmp) / "settings.yml"
            path.write_text(model.notes[name], encoding="utf-8")
            try:
                loader(path)
                problem = ""
            except AnalysisError as exc:
                problem = f" ({exc.message}{f' [{exc.field}]' if exc.field else ''})"
            except Exception as exc:  # noqa: BLE001 - foreign input: any failure means "not our settings"
                problem = f" ({type(exc).__name__})"
        if problem:
            del model.notes[name]
            warnings.append(f"note {name!r} is not readable settings{problem}: ignored, defaults written instead")


def _assign_ids(sources: list[_Source]) -> dict[int, str]:
    """Source ids: the name without its file extension, made safe for file names and unit ids."""
    out: dict[int, str] = {}
    for s in sources:
        stem = s.name.rsplit(".", 1)[0] if re.search(r"\.[A-Za-z0-9]{1,5}$", s.name) else s.name
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "S"
        sid, k = base, 2
        while sid in out.values():
            sid, k = f"{base}-{k}", k + 1
        out[id(s)] = sid
    return out


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes")


def _choose_text(s: _Source) -> str:
    """Positions count code points of the text as stored; some tools count ``\\r\\n`` as one.
    Where selection names quote their text, pick the reading they agree with."""
    text = s.text or ""
    if "\r" not in text:
        return text
    folded = text.replace("\r\n", "\n").replace("\r", "\n")

    def agree(t: str) -> int:
        return sum(1 for sel in s.selections if sel.name and not sel.name.endswith(("…", "..."))
                   and normalise(t[sel.start:sel.end]) == normalise(sel.name))

    return folded if agree(folded) > agree(text) else text


def _structure(text: str, s: _Source, warnings: list[str]) -> tuple[list[_Line], tuple[str, str] | None]:
    """Split a text into its lines and decide: a transcript (two speakers) or a document."""
    raw = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text) if normalise(m.group())]
    labelled = []
    for start, end in raw:
        stamp, label, body_at, strong = parse_label(text[start:end])
        labelled.append((start, end, stamp, label, body_at, strong))
    counts = Counter(lab.casefold() for *_, lab, _, _ in labelled if lab)
    named = {str(v).casefold() for v in (s.variables.get("interviewer"), s.variables.get("_case")) if v}
    first: dict[str, str] = {}
    speakers = set()
    for *_, lab, _, strong in labelled:
        if lab:
            first.setdefault(lab.casefold(), lab)
            if strong or counts[lab.casefold()] >= 2 or lab.casefold() in named:
                speakers.add(lab.casefold())
    first = {k: v for k, v in first.items() if k in speakers}
    declared = s.variables.get("source_type")
    if len(speakers) == 2 and declared != "document":
        names = list(first.values())  # first-appearance order: the same on every run
        interviewer = _interviewer(names, s)
        informant = next(n for n in names if n != interviewer)
        return _turn_lines(text, labelled, {k.casefold() for k in names}, s, warnings), (interviewer, informant)
    if len(speakers) > 2 and declared != "document":
        s.group = list(first.values())
        shown = ", ".join(s.group[:6]) + (f" and {len(s.group) - 6} more" if len(s.group) > 6 else "")
        warnings.append(f"{s.name!r}: {len(speakers)} speakers ({shown}), a group transcript: imported as a "
                        "document, so its turns are paragraphs and its speakers are not counted as informants "
                        "(our transcripts have one interviewer and one informant); its speakers are added to "
                        "the identity key. To count them, split it into one transcript per informant")
    elif declared == "interview":
        warnings.append(f"{s.name!r}: declared an interview but has no two speaker labels; imported as a document")
    lines = []
    for n, (start, end) in enumerate(raw):
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        stripped = text[start:end].strip()
        lines.append(_Line(start + lead, start + lead + len(stripped), n, stripped))
    return lines, None


def _turn_lines(text: str, labelled: list, speakers: set[str], s: _Source, warnings: list[str]) -> list[_Line]:
    lines, unit, dropped = [], -1, 0
    for start, end, stamp, label, body_at, _ in labelled:
        line = text[start:end]
        body = line[body_at:].rstrip()
        if label is not None and label.casefold() in speakers:
            unit += 1
            prefix = f"[{stamp}] " if stamp else ""
            lines.append(_Line(start + body_at, start + body_at + len(body), unit, f"{prefix}{label}: {body}"))
        elif unit < 0:
            dropped += 1
        else:
            cont = line[len(line) - len(line.lstrip()):].rstrip()
            skip = len(line) - len(line.lstrip())
            if stamp:  # a timestamp opens a turn in our format: keep only the words
                cont, skip = line[body_at:].rstrip(), body_at
            lines.append(_Line(start + skip, start + skip + len(cont), unit, cont))
    if dropped:
        warnings.append(f"{s.name!r}: {dropped} line(s) before the first speaker turn not carried")
    return lines


def _interviewer(names: list[str], s: _Source) -> str:
    declared = s.variables.get("interviewer")
    for n in names:
        if isinstance(declared, str) and n.casefold() == declared.casefold():
            return n
    for n in names:
        if INTERVIEWER_HINTS.search(n):
            return n
    return names[0]  # who speaks first


def _interview_meta(s: _Source, sid: str, informant: str, interviewer: str, case: dict, text: str,
                    case_language: str) -> dict[str, Any]:
    skip = {"source_id", "source_type", "pseudonymised", "interviewer", "informant", "informants", "id", "_case"}
    extra = {k: v for k, v in s.variables.items() if k not in skip and re.fullmatch(r"[A-Za-z_][\w-]*", k)}
    attrs = {k.lower().replace("organization", "organisation"): v for k, v in case["variables"].items()}
    meta = {"id": sid, "informant": informant,
            "role": str(attrs.pop("role", extra.pop("role", ""))),
            "organisation": str(attrs.pop("organisation", extra.pop("organisation", ""))),
            "date": str(extra.pop("date", s.created)),
            "language": str(extra.pop("language", "") or detect(text, fallback=case_language)),
            "interviewer": interviewer,
            "illustrative": _bool(extra.pop("illustrative", False))}
    meta.update({k: v for k, v in sorted(extra.items())})
    return meta


def _register_row(s: _Source, sid: str, text: str, case_language: str) -> dict[str, str]:
    v = {k: ("true" if val is True else "false" if val is False else str(val)) for k, val in s.variables.items()}
    row = {c: v.get(c, "") for c in DOCUMENTS.columns}
    row["doc_id"] = sid
    row["type"] = row["type"] if row["type"] in DOC_TYPES else v.get("doc_type", "") if v.get(
        "doc_type") in DOC_TYPES else "reference"
    row["date"] = row["date"] or s.created or "n.d."
    row["uncertain"] = row["uncertain"] if row["uncertain"] in ("true", "false") else "false"
    row["title"] = row["title"] or s.description or s.name
    row["language"] = row["language"] or detect(text, fallback=case_language)
    return row


def _codings(s: _Source, sid: str, text: str, lines: list[_Line], model: _Project, code_ids: dict[str, str],
             warnings: list[str]) -> list[dict[str, Any]]:
    """Each selection x coding becomes one quote per unit it touches, with the unit it must anchor in."""
    rows = []
    by_unit: dict[int, list[_Line]] = {}
    for line in lines:
        by_unit.setdefault(line.unit, []).append(line)
    for sel in s.selections:
        if sel.start < 0 or sel.end > len(text) or sel.start == sel.end:
            warnings.append(f"{s.name!r}: selection {sel.start}-{sel.end} outside the text, not carried")
            continue
        pieces = []
        for line in lines:
            a, b = max(sel.start, line.start), min(sel.end, line.end)
            if a < b and text[a:b].strip():
                pieces.append((line, a, b))
        if not pieces:
            warnings.append(f"{s.name!r}: selection {sel.start}-{sel.end} holds no carried text, not carried")
            continue
        for code_guid, user in sel.codings:
            code = code_ids.get(code_guid)
            if code is None:
                warnings.append(f"{s.name!r}: a coding with a code not in the codebook (or a code group) "
                                "not carried")
                continue
            coder = model.users.get(user) or model.users.get(model.creator) or "imported"
            stance, memo = split_stance(" ".join(sel.memo.split()))
            if stance not in ("", *STANCES):
                warnings.append(f"{s.name!r}: coding {code} by {coder} has an unknown stance tag "
                                f"[stance: {stance[:40]}]: left in the memo, stance empty (supports); valid "
                                f"values: {', '.join(STANCES)}")
                stance, memo = "", " ".join(sel.memo.split())
            for line, a, b in pieces:
                rows.append({"source_id": sid, "code": code, "quote": " ".join(text[a:b].split()),
                             "coder": coder, "memo": memo, "stance": stance,
                             "_unit": f"{sid}-{line.unit + 1:03d}", "_at": a, "_line": line,
                             "_unit_lines": by_unit[line.unit]})
    return rows


def _verify(folder: Path, rows: list[dict[str, Any]], warnings: list[str], n_sources: int) -> list[dict[str, Any]]:
    """Give each quote its occurrence and check it with the pipeline's anchoring; drop what fails.
    The case is prepared (into a scratch folder) even without codings: it must build."""
    if not n_sources:
        return []
    with tempfile.TemporaryDirectory() as scratch:
        paths = CasePaths(folder, Path(scratch) / "processed", Path(scratch) / "reports")
        _write_codings(folder / "codings", [])
        try:
            tables = _quiet(prepare, paths)
        except AnalysisError as exc:
            raise AnalysisError(f"the imported case does not build: {exc}",
                                hint="please report this project: nothing was written") from None
        texts = dict(zip(tables["sources"]["source_id"], tables["sources"]["text"]))
        units = tables["units"].set_index("unit_id")
        pseudo = pseudonymiser(load_identity_key(paths.identity_key))
        keep = []
        for r in rows:
            occ = _occurrence(r, texts.get(r["source_id"], ""), units, pseudo)
            if occ is None:
                warnings.append(f"{r['source_id']}: coding {r['code']} by {r['coder']} not carried: its text "
                                f"{r['quote'][:40]!r} could not be anchored after cleaning")
                continue
            keep.append({**r, "occurrence": occ})
        for attempt in range(5 if keep else 0):
            _write_codings(folder / "codings", keep)
            try:
                tables = _quiet(prepare, paths)
            except AnalysisError as exc:
                bad = _row_of(exc, keep)
                if bad is None or attempt == 4:
                    raise AnalysisError(f"imported codings do not verify: {exc}",
                                        hint="please report this project: nothing was written") from None
                warnings.append(f"{bad['source_id']}: coding {bad['code']} by {bad['coder']} not carried "
                                f"({exc.message})")
                keep.remove(bad)
                continue
            got = tables["codings"]
            wrong = [r for r, unit in zip(_in_file_order(keep), _units_by_row(got, keep)) if unit != r["_unit"]]
            if not wrong:
                return keep
            for r in wrong:
                warnings.append(f"{r['source_id']}: coding {r['code']} by {r['coder']} not carried: its quote "
                                "anchors in another turn or paragraph")
                keep.remove(r)
    return keep


def _occurrence(r: dict[str, Any], cleaned: str, units: Any, pseudo: Callable[[str], str]) -> int | None:
    """Which occurrence of the cleaned quote in the cleaned source is the selected one: the one
    inside the expected unit nearest to where the selection sits in it."""
    quote = pseudo(normalise(r["quote"]))
    if not quote.split() or r["_unit"] not in units.index:
        return None
    u = units.loc[r["_unit"]]
    inside = [(n, a) for n, (a, b) in enumerate(find_spans(cleaned, quote), start=1)
              if u["start"] <= a and b <= u["end"] + 1]
    if not inside:
        return None
    line: _Line = r["_line"]
    lines = r["_unit_lines"]
    offset = sum(ln.end - ln.start + 2 for ln in lines if ln.start < line.start) + r["_at"] - line.start
    length = sum(ln.end - ln.start + 2 for ln in lines) - 2
    target = u["start"] + offset * (u["end"] - u["start"]) / max(length, 1)
    return min(inside, key=lambda hit: abs(hit[1] - target))[0]


def stance_memo(stance: str, memo: str) -> str:
    """A selection's Description: the stance tag (when the coding states one), then the memo.

    Args:
        stance: ``supports``, ``contradicts``, ``context``, or empty (not stated: supports).
        memo: The coding's memo (a caveat memo starts with ``caveat:``).

    Returns:
        E.g. ``[stance: contradicts] caveat: no LOI text found``; the memo alone without a stance.
    """
    return " ".join(part for part in (f"[stance: {stance}]" if stance else "", memo) if part)


def split_stance(description: str) -> tuple[str, str]:
    """The stance tag at the start of a selection's Description, and the memo after it.

    Args:
        description: The Description text, whitespace already collapsed.

    Returns:
        (stance as written, lower-cased; empty without a tag), the rest as memo.
    """
    m = STANCE_TAG.match(description)
    if not m:
        return "", description
    return m.group(1).lower(), description[m.end():]


def _in_file_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=_row_key)


def _row_key(r: dict[str, Any]) -> tuple:
    return (r["coder"], r["source_id"], r["_at"], r["code"])


def _units_by_row(codings: Any, rows: list[dict[str, Any]]) -> list[str]:
    by = {(f, int(n)): u for f, n, u in zip(codings["codings_file"], codings["row"], codings["unit_id"])}
    out = []
    lines: dict[str, int] = {}
    for r in _in_file_order(rows):
        f = _codings_file(r["coder"])
        lines[f] = lines.get(f, 1) + 1
        out.append(by.get((f, lines[f]), ""))
    return out


def _row_of(exc: AnalysisError, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not exc.path or not exc.line:
        return None
    name = Path(exc.path).name
    lines: dict[str, int] = {}
    for r in _in_file_order(rows):
        f = _codings_file(r["coder"])
        lines[f] = lines.get(f, 1) + 1
        if f == name and lines[f] == exc.line:
            return r
    return None


def _codings_file(coder: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", coder).strip("-") or "coder"
    return f"coder-{slug}.csv"


def _write_codings(folder: Path, rows: list[dict[str, Any]]) -> None:
    for old in folder.glob("*.csv"):
        old.unlink()
    files: dict[str, list[dict[str, Any]]] = {}
    for r in _in_file_order(rows):
        files.setdefault(_codings_file(r["coder"]), []).append(r)
    for name, rs in files.items():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*CODING_COLUMNS, "stance"])
        for r in rs:
            w.writerow([r["source_id"], r["code"], r["quote"], r.get("occurrence", 1), r["coder"], r["memo"],
                        r.get("stance", "")])
        write_text(folder / name, buf.getvalue())


def _quiet(func: Callable, *args: Any) -> Any:
    level = logger.level
    logger.setLevel("WARNING")
    try:
        return func(*args)
    finally:
        logger.setLevel(level)


def _write_register(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(DOCUMENTS.columns), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_text(path, buf.getvalue())


def _identity_key(informants: dict[str, dict[str, Any]]) -> str:
    items = []
    for n, ident in enumerate(informants.values(), start=1):
        pseudonym = ident["name"] if ident["pseudonymised"] else f"Informant-{n:02d}"
        items.append({"informant_id": f"P{n:02d}", "pseudonym": pseudonym, "name": ident["name"],
                      "aliases": ident["aliases"]})
    head = ("# PRIVATE IDENTITY KEY written by `python -m analysis import-qdpx`: speaker labels of the\n"
            "# imported transcripts -> pseudonyms. Check it; keep it out of version control.\n")
    return head + yaml.safe_dump({"informants": items}, allow_unicode=True, sort_keys=False)


def _default_case(model: _Project, primary: str) -> str:
    case_id = re.sub(r"[^a-z0-9]+", "-", model.name.lower()).strip("-") or "imported"
    data = {"id": case_id, "title": {"en": model.name}, **DEFAULT_CASE, "primary_coder": primary}
    return ("# Written by `python -m analysis import-qdpx` with defaults: review language, chapter and rules.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _codebook(model: _Project, warnings: list[str]) -> tuple[dict[str, str], str, list[str]]:
    """Codes of the project -> (code guid -> our code id, codebook.yml text, code ids).

    With our own codebook note the indicators, kinds and fields come from it
    (codes added or removed in the QDA tool are followed); without, each
    top-level code with children is an indicator of kind ``ranking`` and
    childless top-level codes gather in an indicator ``codes``.
    """
    tops = _nest_by_name(model.codes)
    note = yaml.safe_load(model.notes[CODEBOOK_NOTE]) if CODEBOOK_NOTE in model.notes else None
    note_codes = {c["id"]: (ind["id"], c) for ind in (note or {}).get("indicators", []) for c in ind["codes"]}
    note_inds = {ind["id"] for ind in (note or {}).get("indicators", [])}
    guid_to_id: dict[str, str] = {}
    placed: dict[str, list[tuple[str, _Code]]] = {}
    used: set[str] = set()

    def code_id(c: _Code) -> str:
        cid = c.name if c.name in note_codes else _slug(c.name, upper=True)
        base, k = cid, 2
        while cid in used:
            cid, k = f"{base}_{k}", k + 1
        used.add(cid)
        return cid

    for top in tops:
        if top.name in note_inds or (note is None and top.children):
            ind = top.name if top.name in note_inds else _slug(top.name, upper=False)
            members = ([top] if top.codable and note is None else []) + list(_descendants(top))
        else:
            ind, members = ("codes" if note is None else None), [top, *_descendants(top)]
        for c in members:
            cid = code_id(c)
            guid_to_id[c.guid] = cid
            target = note_codes[cid][0] if cid in note_codes else (ind or "imported")
            placed.setdefault(target, []).append((cid, c))
    if note is not None:
        text, ids = _codebook_from_note(note, model.notes[CODEBOOK_NOTE], placed, warnings)
    else:
        text, ids = _codebook_from_tree(tops, placed)
    if not ids:  # a codebook needs a code: without one the case would not build at all
        warnings.append(f"the project has no codes: the codebook holds a placeholder indicator 'codes' with "
                        f"one code {PLACEHOLDER_CODE!r}, so that the case builds; write the codebook before "
                        "drawing conclusions")
        text = _codebook_from_tree([], {"codes": [(PLACEHOLDER_CODE, _Code("", "Uncoded", (
            "Placeholder written by import-qdpx: the imported project had no codes."), True))]})[0]
    return guid_to_id, text, ids


def _codebook_from_note(note: dict, note_text: str, placed: dict, warnings: list[str]) -> tuple[str, list[str]]:
    present = {cid: c for pairs in placed.values() for cid, c in pairs}
    indicators = []
    for ind in note["indicators"]:
        codes = []
        for c in ind["codes"]:
            if c["id"] in present:
                desc = present[c["id"]].description
                codes.append({**c, "definition": desc} if desc and desc != str(c.get("definition", "")).strip()
                             else c)
        codes += [_new_code(cid, c) for cid, c in placed.get(ind["id"], []) if cid not in {x["id"] for x in codes}]
        if codes:
            indicators.append({**ind, "codes": codes})
        else:
            warnings.append(f"indicator {ind['id']!r} lost all its codes in the project: dropped")
    extra = placed.get("imported", [])
    if extra:
        indicators.append({"id": "imported", "kind": "ranking", "label": {"en": "Imported codes"},
                           "codes": [_new_code(cid, c) for cid, c in extra]})
    if indicators == note["indicators"]:
        return note_text if note_text.endswith("\n") else note_text + "\n", list(present)
    return yaml.safe_dump({"indicators": indicators}, allow_unicode=True, sort_keys=False), list(present)


def _codebook_from_tree(tops: list[_Code], placed: dict) -> tuple[str, list[str]]:
    indicators = []
    for ind_id, pairs in placed.items():
        top = next((t for t in tops if _slug(t.name, upper=False) == ind_id and t.children), None)
        label = top.name if top else "Codes"
        indicators.append({"id": ind_id, "kind": "ranking", "label": {"en": label, "id": label},
                           "codes": [_new_code(cid, c) for cid, c in pairs]})
    head = ("# Written by `python -m analysis import-qdpx`: one indicator per top-level code group, kind\n"
            "# `ranking`. Choose kinds, `required` codes and keywords before drawing conclusions.\n")
    ids = [cid for pairs in placed.values() for cid, _ in pairs]
    return head + yaml.safe_dump({"indicators": indicators}, allow_unicode=True, sort_keys=False), ids


def _new_code(cid: str, c: _Code) -> dict[str, Any]:
    return {"id": cid, "label": {"en": c.name, "id": c.name}, "definition": c.description}


def _nest_by_name(codes: list[_Code]) -> list[_Code]:
    """ATLAS.ti writes hierarchy as ``Group::code`` names: nest those under ``Group`` when it exists."""
    by_name = {c.name: c for c in codes}
    tops = []
    for c in codes:
        parent, sep, rest = c.name.partition("::")
        if sep and rest and parent in by_name and by_name[parent] is not c:
            by_name[parent].children.append(_Code(c.guid, rest, c.description, c.codable, c.children))
        else:
            tops.append(c)
    return tops


def _descendants(code: _Code) -> Iterable[_Code]:
    for c in code.children:
        yield c
        yield from _descendants(c)


def _slug(name: str, upper: bool) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_" if upper else "-", name).strip("_-")
    s = s.upper() if upper else s.lower()
    return s or ("CODE" if upper else "codes")


# --- from a case folder to XML ------------------------------------------------


def _guid_for(case_id: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{case_id}\x1f{kind}\x1f{key}")).upper()


def _codes_xml(parent: ET.Element, codebook: Any, case: dict[str, Any],
               pseudo: Callable[[str], str] = str) -> None:
    lang = case["language"]
    for ind in codebook.indicators:
        group = ET.SubElement(parent, "Code", {"guid": _guid_for(case["id"], "indicator", ind.id),
                                               "name": ind.id, "isCodable": "false"})
        ET.SubElement(group, "Description").text = pseudo(ind.label.get(lang) or next(iter(ind.label.values()), ""))
        for code in ind.codes:
            c = ET.SubElement(group, "Code", {"guid": _guid_for(case["id"], "code", code.id), "name": code.id,
                                              "isCodable": "true"})
            ET.SubElement(c, "Description").text = pseudo(code.definition)


def _build_project(paths: CasePaths) -> tuple[bytes, dict[str, bytes]]:
    """The project XML and the plain texts (``GUID.txt`` -> bytes) of a case."""
    with tempfile.TemporaryDirectory() as scratch:
        tables = _quiet(prepare, CasePaths(paths.case, Path(scratch) / "processed", Path(scratch) / "reports"))
    case = load_case(paths.case_config)
    codebook = load_codebook(paths.codebook)
    identities = load_identity_key(paths.identity_key)
    pseudo = pseudonymiser(identities)
    cid = case["id"]
    g = lambda kind, key: _guid_for(cid, kind, key)  # noqa: E731 - short local helper
    sources, units, codings = tables["sources"], tables["units"], tables["codings"]
    metas = {str(t.meta["id"]): t.meta for t in read_transcripts(paths.interviews)}
    documents = tables["documents"].set_index("doc_id")

    values: dict[str, dict[str, Any]] = {}
    for row in sources.itertuples(index=False):
        v: dict[str, Any] = {"source_type": row.source_type, "pseudonymised": True}
        if row.source_type == "interview":
            meta = metas[row.source_id]
            v.update({k: _plain(val, pseudo) for k, val in meta.items() if k not in ("id", "informant", "informants")
                      and val is not None})
        else:
            doc = documents.loc[row.source_id]
            v.update({k: (bool(doc[k]) if k == "uncertain" else pseudo(str(doc[k])))
                      for k in DOCUMENTS.columns if k != "doc_id"})
        values[row.source_id] = v
    informants = tables["informants"]
    case_values = {p: {"role": str(grp["role"].iloc[0]), "organisation": str(grp["organisation"].iloc[0])}
                   for p, grp in informants.groupby("informant", sort=True)}
    types: dict[str, str] = {}
    for vs in [*values.values(), *case_values.values()]:
        for k, val in vs.items():
            kind = "Boolean" if isinstance(val, bool) else "Text"
            types[k] = kind if types.get(k, kind) == kind else "Text"

    root = ET.Element("Project", {"xmlns": PROJECT_NS, "name": cid, "origin": ORIGIN})
    users = ET.SubElement(root, "Users")
    for coder in sorted(set(codings["coder"]) | {case["primary_coder"]}):
        ET.SubElement(users, "User", {"guid": g("user", coder), "name": coder, "id": coder})
    book = ET.SubElement(root, "CodeBook")
    _codes_xml(ET.SubElement(book, "Codes"), codebook, case, pseudo)
    variables = ET.SubElement(root, "Variables")
    for name in sorted(types):
        ET.SubElement(variables, "Variable", {"guid": g("variable", name), "name": name,
                                              "typeOfVariable": types[name]})
    if case_values:
        cases = ET.SubElement(root, "Cases")
        for pseudonym, vs in case_values.items():
            c = ET.SubElement(cases, "Case", {"guid": g("case", pseudonym), "name": pseudonym})
            _values_xml(c, vs, types, g)
            for sid in informants.loc[informants["informant"] == pseudonym, "source_id"]:
                ET.SubElement(c, "SourceRef", {"targetGUID": g("source", sid)})

    files: dict[str, bytes] = {}
    src_el = ET.SubElement(root, "Sources")
    for row in sources.itertuples(index=False):
        us = units[units["source_id"] == row.source_id].sort_values("seq")
        text, shift = _plain_text(row, us)
        guid = g("source", row.source_id)
        s = ET.SubElement(src_el, "TextSource", {"guid": guid, "name": row.source_id,
                                                 "plainTextPath": f"internal://{guid}.txt"})
        title = values[row.source_id].get("title")
        if title:
            ET.SubElement(s, "Description").text = title
        mine = codings[codings["source_id"] == row.source_id].sort_values(["start", "end", "code", "coder"])
        for cd in mine.itertuples(index=False):
            start, end = cd.start + shift[cd.unit_id], cd.end + shift[cd.unit_id]
            if text[start:end] != cd.quote:
                raise AnalysisError(f"export offsets do not match the quote of {cd.excerpt_id} (a bug)")
            key = f"{cd.source_id}:{cd.start}-{cd.end}:{cd.code}:{cd.coder}"
            sel = ET.SubElement(s, "PlainTextSelection", {
                "guid": g("selection", key), "name": _short(cd.quote), "startPosition": str(start),
                "endPosition": str(end), "creatingUser": g("user", cd.coder)})
            description = stance_memo(cd.stance if cd.stance_explicit else "", pseudo(cd.memo))
            if description:
                ET.SubElement(sel, "Description").text = description
            coding = ET.SubElement(sel, "Coding", {"guid": g("coding", key), "creatingUser": g("user", cd.coder)})
            ET.SubElement(coding, "CodeRef", {"targetGUID": g("code", cd.code)})
        _values_xml(s, values[row.source_id], types, g)
        files[f"{guid}.txt"] = text.encode("utf-8")

    notes = ET.SubElement(root, "Notes")
    for name, path in ((CASE_NOTE, paths.case_config), (CODEBOOK_NOTE, paths.codebook)):
        note = ET.SubElement(notes, "Note", {"guid": g("note", name), "name": name})
        ET.SubElement(note, "Description").text = ("Settings of the analysis compendium, read back by its "
                                                   "import-qdpx; other tools may ignore this memo.")
        ET.SubElement(note, "PlainTextContent").text = pseudo(path.read_text(encoding="utf-8-sig"))
    ET.SubElement(root, "Description").text = (
        "Exported by the analysis compendium: cleaned, pseudonymised texts; codings of every coder.")
    xml = _serialise(root)
    _no_identity(identities, [xml, *files.values()])
    return xml, files


def _plain_text(row: Any, units: Any) -> tuple[str, dict[str, int]]:
    """A source's exported text and, per unit, the shift from cleaned-text to exported-text offsets.
    Documents are their cleaned text; transcripts get their speaker labels (and timestamps) back."""
    if row.source_type != "interview":
        return row.text, {u: 0 for u in units["unit_id"]}
    parts, shift, pos = [], {}, 0
    for u in units.itertuples(index=False):
        head = (f"[{u.timestamp}] " if u.timestamp else "") + f"{u.speaker}: "
        shift[u.unit_id] = pos + len(head) - u.start
        parts.append(head + u.text)
        pos += len(head) + len(u.text) + 2
    return "\n\n".join(parts), shift


def _values_xml(parent: ET.Element, vs: dict[str, Any], types: dict[str, str], g: Callable) -> None:
    for name in sorted(vs):
        vv = ET.SubElement(parent, "VariableValue")
        ET.SubElement(vv, "VariableRef", {"targetGUID": g("variable", name)})
        if types[name] == "Boolean":
            ET.SubElement(vv, "BooleanValue").text = "true" if vs[name] else "false"
        else:
            value = vs[name]
            ET.SubElement(vv, "TextValue").text = ("true" if value else "false") if isinstance(value, bool) \
                else str(value)


def _plain(value: Any, pseudo: Callable[[str], str]) -> Any:
    return value if isinstance(value, bool) else pseudo(str(value))


def _short(quote: str, limit: int = 100) -> str:
    return quote if len(quote) <= limit else quote[:limit - 1].rstrip() + "…"


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _no_identity(identities: Any, blobs: list[bytes]) -> None:
    pattern = identity_pattern(identities)
    for blob in blobs:
        m = pattern.search(blob.decode("utf-8"))
        if m:
            raise AnalysisError(f"the export would contain the identity {m.group(0)!r} from the private key",
                                hint="nothing written; pseudonymise the case (identity key) first")
