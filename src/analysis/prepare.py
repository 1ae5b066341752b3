"""The cleaning stage: a case folder to validated, pseudonymised tables.

``prepare`` reads the case, builds the sources, units, informants, documents
and codings tables, computes inter-coder reliability and writes everything to
the processed folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import autocode, coding, schemas, slices
from analysis.atomic import staged_dirs
from analysis.case import Case
from analysis.clean import Repair, note, recording_repairs, remove_fillers, turns
from analysis.config import Codebook, Identity, load_case, load_codebook, load_identity_key
from analysis.errors import AnalysisError, ProblemCollector, did_you_mean, excerpt
from analysis.ingest import RawTranscript, read_register, read_transcripts
from analysis.language import detect
from analysis.log import logger
from analysis.paths import CasePaths
from analysis.progress import progress
from analysis.pseudonymise import pseudonymiser
from analysis.readers.documents import SUFFIX_FORMATS, read_document
from analysis.readers.transcripts import EXPORT_FORMATS

REQUIRED_META = ("id", "language", "interviewer")  # and ``informant`` (an interview) or ``informants`` (a group)
# Every transcript field a step reads; ``place`` and ``note`` are documented free text for the researcher,
# read by nothing. Any other field is accepted (a REFI-QDA import carries its own variables) with a warning.
READ_META = (*REQUIRED_META, "informant", "informants", "role", "organisation", "date", "illustrative")
NOTE_META = ("place", "note")
DOC_TYPES = ("news", "agreement", "regulation", "institutional", "academic", "reference")


@dataclass(frozen=True)
class CaseInputs:
    """Everything read from a case folder and checked, before any table is computed."""

    case: Case
    units: pd.DataFrame
    sources: pd.DataFrame
    informants: pd.DataFrame
    documents: pd.DataFrame
    codings: pd.DataFrame
    repairs: list[Repair]


def read_case(paths: CasePaths, problems: ProblemCollector) -> CaseInputs | None:
    """Read and check every file of a case, reporting each problem to ``problems``.

    Each file, and within a file each row, entry or key where that is safe,
    is checked on its own, so one pass finds every independent problem. A
    check that needs a file that could not be read is skipped rather than
    reported again for every row (codings are not anchored to a transcript
    that failed, nor at all without the codebook or the identity key; when the codebook has a
    faulty entry, a coding's code missing from it is not reported either).

    Returns:
        The inputs, or None when a problem was found (lazy ``problems``).
    """
    case: dict[str, Any] | None = None
    codebook: Codebook | None = None
    identities: tuple[Identity, ...] | None = None
    with problems.item():
        case = load_case(paths.case_config, problems)
    before = len(problems)
    with problems.item():
        codebook = load_codebook(paths.codebook, problems)
    codebook_faulty = len(problems) > before
    with problems.item():
        identities = load_identity_key(paths.identity_key, problems)
    settings = case or {}
    pseudo = pseudonymiser(identities or ())
    by_name = {i.names[0].casefold(): i for i in identities or ()}
    fillers = settings.get("filler_words")
    fillers = [str(w) for w in fillers] if isinstance(fillers, list) else []
    language = settings.get("language") if isinstance(settings.get("language"), str) else "en"
    failed: set[str] = set()  # ids of sources that could not be read: their codings are not checked again

    with recording_repairs() as repairs:
        transcripts: list[RawTranscript] = []
        with problems.item():
            transcripts = read_transcripts(paths.interviews, problems)
        failed |= _unread_stems(paths.interviews, transcripts)
        interview_units, interview_sources, informants = _interviews(
            transcripts, by_name if identities is not None else None, pseudo, fillers, paths.case, problems, failed)
        documents = pd.DataFrame(columns=list(schemas.DOCUMENTS.columns))
        with problems.item() as register:
            documents = _documents(paths, pseudo, problems, failed)
        doc_units, doc_sources = _document_units(documents, paths, language, pseudo, problems, failed,
                                                 register_read=not register.failed)
        units = pd.concat([interview_units, doc_units], ignore_index=True)
        sources = pd.concat([interview_sources, doc_sources], ignore_index=True)
        with problems.item() as unique:
            _unique_sources(sources, paths.case)
        if unique.failed:  # codings of a doubled id (or of the file's old id) are not checked
            doubled = sources[sources["source_id"].duplicated(keep=False)]
            failed |= set(doubled["source_id"]) | {Path(p).stem for p in doubled["path"]}
        raw_codings = coding.read_codings(paths.codings, problems)
    if codebook is None or identities is None:  # reported above; anchoring needs both (docs/errors.md)
        return None
    checkable = raw_codings[~raw_codings["source_id"].isin(failed)]
    if codebook_faulty:  # a code the codebook lacks may be one of its faulty (or renamed) entries: reported above
        checkable = checkable[checkable["code"].isin(list(codebook.codes))]
    codings = coding.anchor(checkable, sources, units, codebook, pseudo, problems)
    if case is None or len(problems):
        return None
    # Checked: the typed model of the same files (three small YAML files read again, no problem left to find).
    return CaseInputs(Case.load(paths), units, sources, informants, documents, codings, list(repairs))


def check_case(paths: CasePaths) -> ProblemCollector:
    """Every problem of a case, found in one pass that writes nothing (``python -m analysis check``)."""
    problems = ProblemCollector()
    read_case(paths, problems)
    return problems


def _unread_stems(folder: Path, transcripts: list[RawTranscript]) -> set[str]:
    """The file stems of the transcripts that could not be read (a failed file's id is unknown: its stem stands in)."""
    if not folder.is_dir():
        return set()
    read = {t.path.stem for t in transcripts}
    return {p.stem for p in folder.iterdir() if p.is_file() and p.stem not in read}


def prepare(paths: CasePaths, evidence_digests: bool = False) -> dict[str, pd.DataFrame]:
    """Check the whole case, then build and write every processed table of it; return them.

    Args:
        paths: The case and its output folders.
        evidence_digests: Also write each indicator's evidence digest, where it changed
            (``slices.write_slices``; the Makefile asks for them to skip indicators).

    Raises:
        CaseProblems: every problem of the case at once (one problem reads as that problem).
    """
    problems = ProblemCollector()
    inputs = read_case(paths, problems)
    problems.raise_if_any(paths.case)
    assert inputs is not None  # read_case returns None only when it found a problem
    codebook, units, sources = inputs.case.codebook, inputs.units, inputs.sources
    informants, documents, codings, repairs = inputs.informants, inputs.documents, inputs.codings, inputs.repairs
    primary = inputs.case.settings.primary_coder
    suggestions = autocode.suggest(units, codebook)
    reliability, disagreements = coding.reliability_tables(codings, units, codebook, primary,
                                                           auto=autocode.as_codings(suggestions))
    tables = {
        "sources": sources, "units": units, "informants": informants,
        "documents": documents, "codings": codings,
        "reliability": reliability, "disagreements": disagreements,
        "suggestions": suggestions, "possible_misses": autocode.possible_misses(suggestions, codings, primary),
        "code_frequencies": coding.frequencies(codings, units, primary),
        "informant_codes": coding.informant_codes(codings, units, primary),
        "cooccurrence": coding.cooccurrence(codings, units, primary),
        "input_warnings": _input_warnings(repairs, codings, units, sources, paths),
    }
    # All tables or none: a table refused by its schema (or Ctrl-C) leaves the previous set untouched.
    with staged_dirs([(paths.processed, schemas.is_table_file)]) as (staging,):
        for schema in schemas.ALL:
            schemas.write_table(tables[schema.name], schema, staging)
    if evidence_digests:  # after the tables: `make` re-runs an indicator only when its digest file changes
        slices.write_slices(paths.processed, tables, [i.id for i in codebook.indicators], primary)
    logger.info("prepared %d sources, %d units, %d codings -> %s",
                len(sources), len(units), len(codings), paths.processed)
    return tables


def _interviews(transcripts: list[RawTranscript], by_name: dict[str, Any] | None, pseudo: Callable[[str], str],
                fillers: list[str], case_dir: Path, problems: ProblemCollector,
                failed: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Units, sources and informants of the transcripts; a faulty transcript goes to ``problems``
    and its id (and file stem) to ``failed``. Without the identity key (``by_name`` None) the
    transcripts are only read: every one would fail on its informant."""
    unit_rows: list[dict[str, Any]] = []
    source_rows: list[dict[str, Any]] = []
    informant_rows: list[dict[str, Any]] = []
    for t in progress(transcripts, "cleaning transcripts", unit="transcript"):
        if by_name is None:
            failed |= {str(t.meta.get("id")), t.path.stem}
            continue
        with problems.item() as transcript:
            units, source, people = _interview(t, by_name, pseudo, fillers, case_dir)
            unit_rows += units
            source_rows.append(source)
            informant_rows += people
        if transcript.failed:
            failed |= {str(t.meta.get("id")), t.path.stem}
    return (pd.DataFrame(unit_rows, columns=list(schemas.UNITS.columns)),
            pd.DataFrame(source_rows, columns=list(schemas.SOURCES.columns)),
            pd.DataFrame(informant_rows, columns=list(schemas.INFORMANTS.columns)))


def _interview(t: RawTranscript, by_name: dict[str, Any], pseudo: Callable[[str], str], fillers: list[str],
               case_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """One transcript's unit rows, source row and informant rows."""
    unit_rows = []
    meta = t.meta
    _unused_fields(t)
    for key in REQUIRED_META:
        if not meta.get(key):
            raise AnalysisError("missing metadata field", path=t.path, field=key)
    people = _participants(t, by_name)
    if meta.get("illustrative") is not True and meta.get("illustrative") is not False:
        raise AnalysisError("say whether the transcript is illustrative (true/false)", path=t.path,
                            field="illustrative")
    sid = str(meta["id"])
    interviewer = str(meta["interviewer"])
    speaker_names = {interviewer: (interviewer, "interviewer"),
                     **{label: (ident.pseudonym, "informant") for label, ident in people}}
    if t.format in EXPORT_FORMATS:
        # Meeting software writes whatever name the person joined with: any of the key's names will do.
        speaker_names.update({alias: (ident.pseudonym, "informant") for _, ident in people
                              for alias in ident.names if alias not in speaker_names})
    tt = turns(t.paragraphs, set(speaker_names), t.path)
    texts = [pseudo(remove_fillers(turn.text, fillers)) for turn in tt]
    full, spans = _join(texts)
    for seq, (turn, text, (start, end)) in enumerate(zip(tt, texts, spans), start=1):
        speaker, role = speaker_names[turn.speaker]
        unit_rows.append({
            "unit_id": f"{sid}-{seq:03d}", "source_id": sid, "source_type": "interview",
            "doc_type": "interview", "seq": seq, "speaker": speaker, "speaker_role": role,
            "timestamp": turn.timestamp, "start": start, "end": end,
            "language": detect(text, fallback=str(meta["language"])), "text": text, "line": turn.line,
            "page": None,
        })
    source_row = {
        "source_id": sid, "source_type": "interview", "doc_type": "interview", "format": t.format,
        "path": t.path.relative_to(case_dir).as_posix(), "speaker": ", ".join(i.pseudonym for _, i in people),
        "date": str(meta.get("date", "")), "language": str(meta["language"]),
        "illustrative": bool(meta["illustrative"]), "n_units": len(tt), "sha256": _sha(full), "text": full,
        **_NO_SELF_DESCRIPTION,
    }
    # One row per informant and interview: a follow-up interview adds a row, never a second informant.
    informant_rows = [{
        "informant": ident.pseudonym, "source_id": sid, "role": pseudo(str(meta.get("role", ""))),
        "organisation": pseudo(str(meta.get("organisation", ""))), "language": str(meta["language"]),
        "illustrative": bool(meta["illustrative"]),
    } for _, ident in people]
    return unit_rows, source_row, informant_rows


def _unused_fields(t: RawTranscript) -> None:
    """Warn (log and ``input_warnings``) about each front-matter field no step reads: a misspelt one
    (``organization``) would otherwise leave its value out of every table without a word."""
    # ``speakers`` renames the names of an export (WebVTT, SRT ...) to labels: read by those readers only.
    known = (*READ_META, *NOTE_META, *(("speakers",) if t.format in EXPORT_FORMATS else ()))
    for key in t.meta:
        if key not in known:
            hint = did_you_mean(key, known, f"only {', '.join(READ_META)} are read (docs/case-format.md)")
            note(Repair(str(t.path), "metadata_field_unused", f"front-matter field {excerpt(key)} is read by "
                                                              f"nothing; {hint}"))


def _participants(t: RawTranscript, by_name: dict[str, Any]) -> list[tuple[str, Any]]:
    """The informants speaking in a transcript: ``(speaker label, identity)`` pairs.

    An interview names one (``informant: Name``); a group transcript (focus
    group, meeting) lists several (``informants: [Name, Name]``). Each label is
    the name as the identity key writes it, and is how its turns are labelled.

    Raises:
        AnalysisError: when both or neither field is given, the list is not a
            list of names, a name is listed twice or is not in the key.
    """
    meta = t.meta
    one, many = meta.get("informant"), meta.get("informants")
    if one and many:
        raise AnalysisError("give either informant (an interview) or informants (a group), not both",
                            path=t.path, field="informants", hint="see 'Group transcripts' in docs/case-format.md")
    if not one and not many:
        # The same message as any missing field (docs/errors.md); case-format.md explains the group form.
        raise AnalysisError("missing metadata field", path=t.path, field="informant")
    field = "informant" if one else "informants"
    if many is not None and (not isinstance(many, list) or not all(isinstance(n, str) and n.strip() for n in many)):
        raise AnalysisError("informants must be a list of names, e.g. [Ana Lima, Ben Okafor]", path=t.path,
                            field="informants")
    labels = [str(one)] if one else [n.strip() for n in many]
    out, seen = [], set()
    for label in labels:
        ident = by_name.get(label.casefold())
        if ident is None:
            raise AnalysisError(f"informant {excerpt(label)} is not in the private identity key",
                                path=t.path, field=field, hint="add them to private/identity-key.yml")
        if label.casefold() in seen:
            raise AnalysisError(f"informant {excerpt(label)} is listed twice", path=t.path, field="informants")
        seen.add(label.casefold())
        out.append((label, ident))
    return out


def _input_warnings(repairs: list[Repair], codings: pd.DataFrame, units: pd.DataFrame, sources: pd.DataFrame,
                    paths: CasePaths) -> pd.DataFrame:
    """What was accepted but should be looked at: repaired files and codings on interviewer turns.

    Each is logged as a warning as well; the table keeps them with the build
    (case-relative file names, no text of the files: it may hold names).
    """
    by_path = dict(zip(sources["path"], sources["source_id"]))
    rows = []
    for r in dict.fromkeys(repairs):  # a file read twice is repaired (and listed) once
        file = _relative(r.path, paths.case)
        rows.append({"kind": r.kind, "file": file, "line": 0, "source_id": by_path.get(file, ""), "detail": r.detail})
    roles = dict(zip(units["unit_id"], units["speaker_role"]))
    for c in codings.itertuples(index=False):
        if roles.get(c.unit_id) != "interviewer":
            continue
        file = _relative(str(paths.codings / c.codings_file), paths.case)
        detail = f"code {c.code} (coder {c.coder}) is on an interviewer turn, {c.unit_id}"
        logger.warning("%s:%d: %s: it counts for no informant", file, c.row, detail)
        rows.append({"kind": "coding_on_interviewer_turn", "file": file, "line": int(c.row),
                     "source_id": c.source_id, "detail": detail})
    return pd.DataFrame(rows, columns=list(schemas.INPUT_WARNINGS.columns))


def _relative(path: str, case_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(case_dir.resolve()).as_posix()
    except ValueError:
        return Path(path).name


# Register columns that are free text and reach the chapter: pseudonymised like every source text.
# Ids, dates, types and addresses are left as written (a changed URL would point nowhere); the
# privacy audit of every build still checks them.
_FREE_TEXT = ("title", "milestone", "uncertainty_note")


def _documents(paths: CasePaths, pseudo: Callable[[str], str], problems: ProblemCollector,
               failed: set[str]) -> pd.DataFrame:
    """The register's rows, checked; a faulty row goes to ``problems`` and its doc_id to ``failed``."""
    rows = read_register(paths.register, problems)
    out = []
    for row in rows:
        with problems.item() as checked:
            out.append(_document(row, paths, pseudo))
        if checked.failed:
            failed.add((row.get("doc_id") or "").strip())
    return pd.DataFrame(out, columns=list(schemas.DOCUMENTS.columns))


def _document(row: dict[str, str], paths: CasePaths, pseudo: Callable[[str], str]) -> dict[str, Any]:
    line = int(row["_line"])
    for key in ("doc_id", "date", "type", "title"):
        if not (row.get(key) or "").strip():
            raise AnalysisError("missing value", path=paths.register, line=line, field=key)
    if row["type"] not in DOC_TYPES:
        raise AnalysisError(f"unknown document type {excerpt(row['type'])}; valid values: {', '.join(DOC_TYPES)}",
                            path=paths.register, line=line, field="type")
    uncertain = (row.get("uncertain") or "false").strip().lower()
    if uncertain not in ("true", "false"):
        raise AnalysisError(f"expected true or false, found {excerpt(uncertain)}", path=paths.register,
                            line=line, field="uncertain")
    fields = {k: (row.get(k) or "").strip() for k in schemas.DOCUMENTS.columns}
    fields.update({k: pseudo(fields[k]) for k in _FREE_TEXT})
    # Copies of one article or one regulation are one source: they count once toward thresholds.
    origin = fields["origin"] or fields["source_url"] or fields["doc_id"]
    return {**fields, "uncertain": uncertain == "true", "origin": origin}


_NO_SELF_DESCRIPTION = {"title": "", "author": "", "published": "", "headings": "", "notices": ""}


def _document_units(documents: pd.DataFrame, paths: CasePaths, case_language: str,
                    pseudo: Callable[[str], str], problems: ProblemCollector, failed: set[str],
                    register_read: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One unit per paragraph of each document text, pseudonymised: a public document may name an
    informant (a councillor quoted in the press), and the key's names never reach an output.

    Headings and notices are not units: they go, pseudonymised, to the source's ``headings`` and
    ``notices`` columns. A paragraph of a PDF keeps the page it starts on. A missing or unreadable
    text goes to ``problems`` and its doc_id to ``failed``; texts without a register row are
    reported only when the register could be read (else every text would be).
    """
    unit_rows: list[dict[str, Any]] = []
    source_rows: list[dict[str, Any]] = []
    texts_dir = paths.document_texts
    read_docs = []
    for doc in progress(list(documents.itertuples(index=False)), "reading documents", unit="document"):
        with problems.item() as text:
            path = _document_path(paths, doc)
            read_docs.append((doc, path, read_document(path)))
        if text.failed:
            failed.add(doc.doc_id)
    known = set(documents["doc_id"]) | failed
    named = {path.resolve() for _, path, _ in read_docs}
    for extra in sorted(p for p in texts_dir.glob("*")
                        if p.is_file() and p.stem not in known and p.resolve() not in named and register_read):
        problems.add(AnalysisError("document text with no row in the register", path=extra,
                                   hint="add it to documents/register.csv or remove it"))
    for doc, path, read in read_docs:
        paras = [pseudo(b.text) for b in read.blocks]
        full, spans = _join(paras)
        for seq, (block, text, (start, end)) in enumerate(zip(read.blocks, paras, spans), start=1):
            unit_rows.append({
                "unit_id": f"{doc.doc_id}-{seq:03d}", "source_id": doc.doc_id, "source_type": "document",
                "doc_type": doc.type, "seq": seq, "speaker": "", "speaker_role": "document", "timestamp": "",
                "start": start, "end": end, "language": detect(text, fallback=case_language), "text": text,
                "line": block.position, "page": block.page,
            })
        source_rows.append({
            "source_id": doc.doc_id, "source_type": "document", "doc_type": doc.type, "format": read.format,
            "path": _relative(str(path), paths.case), "speaker": "", "date": doc.date,
            "language": doc.language, "illustrative": False, "n_units": len(paras), "sha256": _sha(full),
            "text": full, "title": pseudo(read.title), "author": pseudo(read.author), "published": read.published,
            "headings": pseudo("\n".join(read.headings)), "notices": pseudo("\n".join(read.notices)),
        })
    return (pd.DataFrame(unit_rows, columns=list(schemas.UNITS.columns)),
            pd.DataFrame(source_rows, columns=list(schemas.SOURCES.columns)))


def _document_path(paths: CasePaths, doc: Any) -> Path:
    """The file holding a document: the register's ``file`` column, else ``documents/texts/<doc_id>.<suffix>``."""
    if doc.file:
        path = paths.register.parent / doc.file
        if not path.is_file():
            raise AnalysisError(f"document file {excerpt(doc.file)} not found", path=paths.register,
                                field="file", hint="give the path from the documents folder, e.g. originals/D3.pdf")
        return path
    folder = paths.document_texts
    found = [folder / f"{doc.doc_id}{suffix}" for suffix in SUFFIX_FORMATS
             if (folder / f"{doc.doc_id}{suffix}").is_file()]
    if len(found) > 1:
        raise AnalysisError(f"document {doc.doc_id} has {len(found)} texts: {', '.join(p.name for p in found)}",
                            path=folder, hint="keep one: the original (PDF, HTML, DOCX) or a typed text, not both")
    if not found:
        raise AnalysisError(f"no text for document {doc.doc_id}", path=folder / f"{doc.doc_id}.md",
                            hint="every register row needs documents/texts/<doc_id>.md")
    return found[0]


def _join(texts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join unit texts with blank lines; return the text and each unit's span."""
    spans, pos = [], 0
    for t in texts:
        spans.append((pos, pos + len(t)))
        pos += len(t) + 2
    return "\n\n".join(texts), spans


def _unique_sources(sources: pd.DataFrame, case_dir: Path) -> None:
    dup = sources["source_id"][sources["source_id"].duplicated()]
    if len(dup):
        same = sources[sources["source_id"] == dup.iloc[0]]["path"].tolist()
        raise AnalysisError(f"duplicate source id {dup.iloc[0]!r}, already used by {same[0]}", path=case_dir / same[1],
                            field="id", hint="every transcript and document needs its own id")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
