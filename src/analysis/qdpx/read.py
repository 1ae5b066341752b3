"""From a ``project.qde`` element tree to the in-memory project (liberal in what is accepted)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from analysis.errors import AnalysisError
from analysis.qdpx.archive import Archive
from analysis.qdpx.model import (
    CASE_NOTE,
    CODEBOOK_NOTE,
    PROJECT_NS,
    SelectionReader,
    SourceReader,
    _child,
    _children,
    _Code,
    _Context,
    _guid,
    _local,
    _members,
    _Project,
    _Selection,
    _short,
    _Source,
    _text_of,
)


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
