"""Import: a REFI-QDA project (``.qdpx``) into a new case folder in our raw format."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.atomic import atomic_dir, write_text
from analysis.clean import normalise, parse_label
from analysis.coding import STANCES
from analysis.config import load_case, load_codebook
from analysis.errors import AnalysisError
from analysis.language import detect
from analysis.log import logger
from analysis.prepare import DOC_TYPES
from analysis.qdpx.anchoring import _verify, _write_codings
from analysis.qdpx.archive import _parse_xml, _project_entry, open_archive
from analysis.qdpx.codebook import _codebook, _default_case
from analysis.qdpx.model import CASE_NOTE, CODEBOOK_NOTE, _Line, _Project, _Source, split_stance
from analysis.qdpx.read import _read_project
from analysis.schemas import DOCUMENTS

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


# --- from the model to a case folder ------------------------------------------


def _write_case(model: _Project, folder: Path, archive_name: str) -> ImportReport:
    warnings = list(model.warnings)
    _check_notes(model, warnings)
    code_ids, codebook_yaml, indicator_codes = _codebook(model, warnings)
    case_note = model.notes.get(CASE_NOTE)
    source_ids = _assign_ids(model.sources)
    cases_by_source: dict[str, list[dict[str, Any]]] = {}
    for c in model.cases:
        for g in c["sources"]:
            cases_by_source.setdefault(g, []).append(c)
    (folder / "interviews").mkdir(parents=True)
    (folder / "documents" / "texts").mkdir(parents=True)
    (folder / "codings").mkdir()
    (folder / "private").mkdir()
    case_language = str((yaml.safe_load(case_note) or {}).get("language", "en")) if case_note else "en"

    informants: dict[str, dict[str, Any]] = {}
    strangers: Counter[str] = Counter()  # codings per user GUID missing from the project's users
    register, rows = [], []
    n_interviews = 0
    for s in model.sources:
        sid = source_ids[id(s)]
        text = _choose_text(s)
        linked = cases_by_source.get(s.guid, [])
        case: dict[str, Any] = linked[-1] if linked else {"name": "", "variables": {}}
        s.variables["_cases"] = [c["name"] for c in linked if c["name"]]  # each names a speaker (a group has several)
        lines, speakers = _structure(text, s, warnings)
        if speakers:
            interviewer, people = speakers
            pseudonymised = bool(s.variables.get("pseudonymised"))
            for person in people:
                ident = informants.setdefault(person.casefold(), {
                    "name": person, "aliases": [], "pseudonymised": pseudonymised})
            if len(people) > 1:  # a group: its cases (one per participant, if any) cannot be told apart here
                case = {"name": "", "variables": {}}
            elif case["name"] and case["name"].casefold() != people[0].casefold() \
                    and case["name"] not in ident["aliases"]:
                ident["aliases"].append(case["name"])
            meta = _interview_meta(s, sid, people, interviewer, case, text, case_language)
            body = "\n\n".join(line.written for line in lines)
            write_text(folder / "interviews" / f"{sid}.md",
                       "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
                       + "---\n\n" + body + "\n")
            n_interviews += 1
        else:
            register.append(_register_row(s, sid, text, case_language))
            write_text(folder / "documents" / "texts" / f"{sid}.md",
                       "\n\n".join(line.written for line in lines) + "\n")
        rows += _codings(s, sid, text, lines, model, code_ids, warnings, strangers)

    for guid, n in sorted(strangers.items()):
        warnings.append(f"{n} coding(s) by user {guid}, who is not among the project's users: kept as their own "
                        f"coder {_stranger(guid)!r}; rename the coder in the codings files if you know who it is")
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


def _structure(text: str, s: _Source, warnings: list[str]) -> tuple[list[_Line], tuple[str, list[str]] | None]:
    """Split a text into its lines and decide: a transcript or a document.

    Returns:
        The lines, and for a transcript its interviewer (a group's moderator) and its informants: one for
        an interview (two speakers), several for a group transcript (more than two); ``None`` for a document.
    """
    raw = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text) if normalise(m.group())]
    labelled = []
    for start, end in raw:
        stamp, label, body_at, strong = parse_label(text[start:end])
        labelled.append((start, end, stamp, label, body_at, strong))
    counts = Counter(lab.casefold() for *_, lab, _, _ in labelled if lab)
    named = {str(v).casefold() for v in (s.variables.get("interviewer"), *s.variables.get("_cases", [])) if v}
    first: dict[str, str] = {}
    speakers = set()
    for *_, lab, _, strong in labelled:
        if lab:
            first.setdefault(lab.casefold(), lab)
            if strong or counts[lab.casefold()] >= 2 or lab.casefold() in named:
                speakers.add(lab.casefold())
    first = {k: v for k, v in first.items() if k in speakers}
    declared = s.variables.get("source_type")
    if len(speakers) >= 2 and declared != "document":
        names = list(first.values())  # first-appearance order: the same on every run
        interviewer = _interviewer(names, s)
        people = [n for n in names if n != interviewer]
        if len(people) > 1:
            shown = ", ".join(people[:6]) + (f" and {len(people) - 6} more" if len(people) > 6 else "")
            warnings.append(f"{s.name!r}: {len(speakers)} speakers, a group transcript: {interviewer} taken as "
                            f"the moderator, {shown} as its informants; check the interviewer and informants "
                            "fields of its transcript and their names in the identity key")
        return _turn_lines(text, labelled, {k.casefold() for k in names}, s, warnings), (interviewer, people)
    if declared == "interview":
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


def _interview_meta(s: _Source, sid: str, people: list[str], interviewer: str, case: dict, text: str,
                    case_language: str) -> dict[str, Any]:
    skip = {"source_id", "source_type", "pseudonymised", "interviewer", "informant", "informants", "id", "_cases"}
    extra = {k: v for k, v in s.variables.items() if k not in skip and re.fullmatch(r"[A-Za-z_][\w-]*", k)}
    attrs = {k.lower().replace("organization", "organisation"): v for k, v in case["variables"].items()}
    who: dict[str, Any] = {"informant": people[0]} if len(people) == 1 else {"informants": people}
    meta = {"id": sid, **who,
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
             warnings: list[str], strangers: Counter[str]) -> list[dict[str, Any]]:
    """Each selection x coding becomes one quote per unit it touches, with the unit it must anchor in.

    The coder is the coding's user (else the selection's): every user stays a coder of their own, so the
    reliability figures of a team project come out as they would from its codings files. A user GUID
    missing from the project's users is counted in ``strangers`` and kept apart under a name of its own.
    """
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
            coder = _coder(user, model, strangers)
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


def _coder(user: str, model: _Project, strangers: Counter[str]) -> str:
    """A coding's coder: its user's name; an unlisted user gets a name of its own (never merged with
    another coder, which would inflate agreement); no user at all, the project's creator."""
    if user in model.users:
        return model.users[user]
    if user:
        strangers[user] += 1
        return _stranger(user)
    return model.users.get(model.creator) or "imported"


def _stranger(guid: str) -> str:
    return f"user-{guid[:8]}"


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
