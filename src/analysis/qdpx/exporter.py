"""Export: a case as a REFI-QDA project (``.qdpx``) or codebook (``.qdc``), pseudonymised and byte-reproducible."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from analysis.atomic import write_text, write_zip
from analysis.case import Case, CaseSettings
from analysis.config import Codebook
from analysis.errors import AnalysisError
from analysis.ingest import read_transcripts
from analysis.log import logger
from analysis.paths import CasePaths
from analysis.prepare import prepare
from analysis.pseudonymise import identity_pattern
from analysis.qdpx.model import CASE_NOTE, CODEBOOK_NOTE, CODEBOOK_NS, ORIGIN, PROJECT_NS, _quiet, _short, stance_memo
from analysis.schemas import DOCUMENTS

GUID_NAMESPACE = uuid.UUID("6f0c1d9e-5b8a-4c3e-9f47-2a61d0b7e513")


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
    case = Case.load(paths, key="optional")
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": ORIGIN})
    _codes_xml(ET.SubElement(root, "Codes"), case.codebook, case.settings, case.pseudonymise)
    xml = _serialise(root)
    _no_identity(case.identities, [xml])
    write_text(out, xml.decode("utf-8"))
    logger.info("wrote %s", out)
    return out


def _outside_case(paths: CasePaths, out: Path) -> None:
    """Refuse an output path inside the case folder: the case is read-only input."""
    case, target = paths.case.resolve(), out.resolve()
    if target == case or case in target.parents:
        raise AnalysisError("the export would be written inside the case folder, which is read-only input",
                            path=out, hint="write it outside the case folder (e.g. under reports/)")



# --- from a case folder to XML ------------------------------------------------


def _guid_for(case_id: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{case_id}\x1f{kind}\x1f{key}")).upper()


def _codes_xml(parent: ET.Element, codebook: Codebook, settings: CaseSettings,
               pseudo: Callable[[str], str] = str) -> None:
    lang = settings.language
    for ind in codebook.indicators:
        group = ET.SubElement(parent, "Code", {"guid": _guid_for(settings.id, "indicator", ind.id),
                                               "name": ind.id, "isCodable": "false"})
        ET.SubElement(group, "Description").text = pseudo(ind.label.get(lang) or next(iter(ind.label.values()), ""))
        for code in ind.codes:
            c = ET.SubElement(group, "Code", {"guid": _guid_for(settings.id, "code", code.id), "name": code.id,
                                              "isCodable": "true"})
            ET.SubElement(c, "Description").text = pseudo(code.definition)


def _build_project(paths: CasePaths) -> tuple[bytes, dict[str, bytes]]:
    """The project XML and the plain texts (``GUID.txt`` -> bytes) of a case."""
    with tempfile.TemporaryDirectory() as scratch:
        tables = _quiet(prepare, CasePaths(paths.case, Path(scratch) / "processed", Path(scratch) / "reports"))
    case = Case.load(paths)
    codebook, pseudo, cid = case.codebook, case.pseudonymise, case.settings.id
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
    # A person's role as their interviews give it: a group transcript's row may leave it empty.
    case_values = {p: {k: next((str(v) for v in grp[k] if v), "") for k in ("role", "organisation")}
                   for p, grp in informants.groupby("informant", sort=True)}
    types: dict[str, str] = {}
    for vs in [*values.values(), *case_values.values()]:
        for k, val in vs.items():
            kind = "Boolean" if isinstance(val, bool) else "Text"
            types[k] = kind if types.get(k, kind) == kind else "Text"

    root = ET.Element("Project", {"xmlns": PROJECT_NS, "name": cid, "origin": ORIGIN})
    users = ET.SubElement(root, "Users")
    for coder in sorted(set(codings["coder"]) | {case.settings.primary_coder}):
        ET.SubElement(users, "User", {"guid": g("user", coder), "name": coder, "id": coder})
    book = ET.SubElement(root, "CodeBook")
    _codes_xml(ET.SubElement(book, "Codes"), codebook, case.settings, pseudo)
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
    _no_identity(case.identities, [xml, *files.values()])
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
