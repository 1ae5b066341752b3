"""The cleaning stage: a case folder to validated, pseudonymised tables.

``prepare`` reads the case, builds the sources, units, informants, documents
and codings tables, computes inter-coder reliability and writes everything to
the processed folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import autocode, coding, schemas
from analysis.atomic import staged_dirs
from analysis.case import Case
from analysis.clean import Repair, paragraphs, recording_repairs, remove_fillers, turns
from analysis.errors import AnalysisError, excerpt
from analysis.ingest import RawTranscript, read_register, read_text, read_transcripts
from analysis.language import detect
from analysis.log import logger
from analysis.paths import CasePaths
from analysis.progress import progress

REQUIRED_META = ("id", "language", "interviewer")  # and ``informant`` (an interview) or ``informants`` (a group)
DOC_TYPES = ("news", "agreement", "regulation", "institutional", "academic", "reference")


def prepare(paths: CasePaths) -> dict[str, pd.DataFrame]:
    """Build and write every processed table of a case; return them."""
    case = Case.load(paths)
    settings, codebook, pseudo = case.settings, case.codebook, case.pseudonymise
    by_name = {i.names[0].casefold(): i for i in case.identities}
    fillers = list(settings.filler_words)

    with recording_repairs() as repairs:
        transcripts = read_transcripts(paths.interviews)
        interview_units, interview_sources, informants = _interviews(transcripts, by_name, pseudo, fillers,
                                                                     paths.case)
        documents = _documents(paths, pseudo)
        doc_units, doc_sources = _document_units(documents, paths, settings.language, pseudo)
        units = pd.concat([interview_units, doc_units], ignore_index=True)
        sources = pd.concat([interview_sources, doc_sources], ignore_index=True)
        _unique_sources(sources, paths.case)
        raw_codings = coding.read_codings(paths.codings)
    codings = coding.anchor(raw_codings, sources, units, codebook, pseudo)
    primary = settings.primary_coder
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
    logger.info("prepared %d sources, %d units, %d codings -> %s",
                len(sources), len(units), len(codings), paths.processed)
    return tables


def _interviews(transcripts: list[RawTranscript], by_name: dict[str, Any], pseudo: Callable[[str], str],
                fillers: list[str], case_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    unit_rows, source_rows, informant_rows = [], [], []
    for t in progress(transcripts, "cleaning transcripts", unit="transcript"):
        meta = t.meta
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
        tt = turns(t.paragraphs, set(speaker_names), t.path)
        texts = [pseudo(remove_fillers(turn.text, fillers)) for turn in tt]
        full, spans = _join(texts)
        for seq, (turn, text, (start, end)) in enumerate(zip(tt, texts, spans), start=1):
            speaker, role = speaker_names[turn.speaker]
            unit_rows.append({
                "unit_id": f"{sid}-{seq:03d}", "source_id": sid, "source_type": "interview",
                "doc_type": "interview", "seq": seq, "speaker": speaker, "speaker_role": role,
                "timestamp": turn.timestamp, "start": start, "end": end,
                "language": detect(text, fallback=str(meta["language"])), "text": text,
            })
        source_rows.append({
            "source_id": sid, "source_type": "interview", "doc_type": "interview", "format": t.format,
            "path": t.path.relative_to(case_dir).as_posix(), "speaker": ", ".join(i.pseudonym for _, i in people),
            "date": str(meta.get("date", "")), "language": str(meta["language"]),
            "illustrative": bool(meta["illustrative"]), "n_units": len(tt), "sha256": _sha(full), "text": full,
        })
        # One row per informant and interview: a follow-up interview adds a row, never a second informant.
        informant_rows += [{
            "informant": ident.pseudonym, "source_id": sid, "role": pseudo(str(meta.get("role", ""))),
            "organisation": pseudo(str(meta.get("organisation", ""))), "language": str(meta["language"]),
            "illustrative": bool(meta["illustrative"]),
        } for _, ident in people]
    return (pd.DataFrame(unit_rows, columns=list(schemas.UNITS.columns)),
            pd.DataFrame(source_rows, columns=list(schemas.SOURCES.columns)),
            pd.DataFrame(informant_rows, columns=list(schemas.INFORMANTS.columns)))


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


def _documents(paths: CasePaths, pseudo: Callable[[str], str]) -> pd.DataFrame:
    rows = read_register(paths.register)
    out = []
    for row in rows:
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
        out.append({**fields, "uncertain": uncertain == "true", "origin": origin})
    return pd.DataFrame(out, columns=list(schemas.DOCUMENTS.columns))


def _document_units(documents: pd.DataFrame, paths: CasePaths, case_language: str,
                    pseudo: Callable[[str], str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One unit per paragraph of each document text, pseudonymised: a public document may name an
    informant (a councillor quoted in the press), and the key's names never reach an output."""
    unit_rows, source_rows = [], []
    texts_dir = paths.document_texts
    known = set(documents["doc_id"])
    for extra in sorted(p for p in texts_dir.glob("*") if p.is_file() and p.stem not in known):
        raise AnalysisError("document text with no row in the register", path=extra,
                            hint="add it to documents/register.csv or remove it")
    for doc in documents.itertuples(index=False):
        path = _document_path(texts_dir, doc.doc_id)
        paras = [pseudo(p) for _, p in paragraphs(read_text(path))]
        full, spans = _join(paras)
        for seq, (text, (start, end)) in enumerate(zip(paras, spans), start=1):
            unit_rows.append({
                "unit_id": f"{doc.doc_id}-{seq:03d}", "source_id": doc.doc_id, "source_type": "document",
                "doc_type": doc.type, "seq": seq, "speaker": "", "speaker_role": "document", "timestamp": "",
                "start": start, "end": end, "language": detect(text, fallback=case_language), "text": text,
            })
        source_rows.append({
            "source_id": doc.doc_id, "source_type": "document", "doc_type": doc.type, "format": path.suffix[1:],
            "path": path.relative_to(paths.case).as_posix(), "speaker": "", "date": doc.date,
            "language": doc.language, "illustrative": False, "n_units": len(paras), "sha256": _sha(full),
            "text": full,
        })
    return (pd.DataFrame(unit_rows, columns=list(schemas.UNITS.columns)),
            pd.DataFrame(source_rows, columns=list(schemas.SOURCES.columns)))


def _document_path(folder: Path, doc_id: str) -> Path:
    for suffix in (".md", ".txt"):
        if (folder / f"{doc_id}{suffix}").is_file():
            return folder / f"{doc_id}{suffix}"
    raise AnalysisError(f"no text for document {doc_id}", path=folder / f"{doc_id}.md",
                        hint="every register row needs documents/texts/<doc_id>.md")


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
