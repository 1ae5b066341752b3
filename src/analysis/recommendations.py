"""Saran (recommendations) composed by rules from the results, in texts the case supplies.

A recommendation follows from a finding: an obstacle the evidence supports,
a category whose evidence is contested or missing, an event of the document
register that changes the context (a partner merged into another
administration). The rules below decide *which* recommendations the chapter
makes and in what order; the words of each come from the case:

* ``codebook.yml``, per code, ``recommendation``: either one text per
  language (used when the category is supported, e.g. an obstacle), or a text
  per state (``supported``, ``contested``, ``contradicted``, ``insufficient``),
  each per language;
* ``case.yml``, ``recommendations``: a list of ``{kind, when, text}`` entries,
  where ``when`` names a code and its state, a state in an indicator, a
  document of the register, or "a register event after the study period".

The generic lead-in sentences ("Karena ... didukung bukti dari ...") are
wording in the templates; nothing here types a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.config import _line, _optional, _typed, check_keys
from analysis.errors import AnalysisError, did_you_mean, excerpt
from analysis.wording import date, join, localised, running_label

KINDS = ("practical", "academic")
STATES = ("supported", "contested", "contradicted", "insufficient")  # as in indicators.STATES
ENTRY_KEYS = ("kind", "when", "text")
WHEN_KEYS = ("code", "state", "indicator", "document", "after_period")
WORDING_KEYS = ("short_title", "research_question", "foreign_terms", "sections", "recommendations")
SECTION_KEYS = ("conclusion", "limitations", "recommendations", "practical", "academic")


def check_case(data: dict[str, Any], path: Path) -> None:
    """Validate the wording fields of ``case.yml`` (all optional); fail on the first problem, with its line.

    Raises:
        AnalysisError: a wrong type, an unknown key, an unknown kind or state.
    """
    for key in ("short_title", "research_question"):
        _optional(data, key, (str, dict), path)
    terms = _optional(data, "foreign_terms", list, path, default=[])
    for n, term in enumerate(terms):
        if not isinstance(term, str):  # the message of every wrong type (docs/errors.md, yaml-wrong-type)
            raise AnalysisError(f"expected str, found {type(term).__name__}", path=path,
                                line=_line(data, "foreign_terms"), field=f"foreign_terms[{n}]")
    sections = _optional(data, "sections", dict, path, default={})
    check_keys(sections, SECTION_KEYS, path, "sections.")
    for key in sections:
        _optional(sections, key, (str, dict), path, "sections.")
    for n, entry in enumerate(_optional(data, "recommendations", list, path, default=[])):
        where = f"recommendations[{n}]."
        if not isinstance(entry, dict):
            raise AnalysisError(f"expected dict, found {type(entry).__name__}", path=path,
                                line=_line(data, "recommendations"), field=where[:-1],
                                hint="each recommendation is a block of kind:, when: and text: lines")
        check_keys(entry, ENTRY_KEYS, path, where)
        for key in ENTRY_KEYS:
            if key not in entry:
                raise AnalysisError("missing required field", path=path, line=_line(entry), field=f"{where}{key}")
        kind = _typed(entry, "kind", str, path, where)
        if kind not in KINDS:
            raise AnalysisError(f"unknown recommendation kind {excerpt(kind)}; valid values: {', '.join(KINDS)}",
                                path=path, line=_line(entry, "kind"), field=f"{where}kind",
                                hint=did_you_mean(kind, KINDS, "practical: for the actors; academic: for research"))
        _typed(entry, "text", (str, dict), path, where)
        when = _typed(entry, "when", dict, path, where)
        check_keys(when, WHEN_KEYS, path, f"{where}when.")
        if not when:
            raise AnalysisError("empty condition", path=path, line=_line(entry, "when"), field=f"{where}when",
                                hint="name a code, a state, a document or after_period: true")
        if "state" in when:
            _check_state(_typed(when, "state", str, path, f"{where}when."), path, _line(when, "state"),
                         f"{where}when.state")
        for key in ("code", "indicator", "document"):
            _optional(when, key, str, path, f"{where}when.")
        _optional(when, "after_period", bool, path, f"{where}when.")


def check_code_recommendation(value: dict[str, Any], path: Path, line: int | None, where: str) -> None:
    """A code's ``recommendation``: a text per language, or a mapping per state of texts per language."""
    for key, text in value.items():
        if isinstance(text, dict):
            _check_state(key, path, line, f"{where}recommendation.{key}")
        elif not isinstance(text, str):
            raise AnalysisError(f"expected str, found {type(text).__name__}", path=path, line=line,
                                field=f"{where}recommendation.{key}")


def _check_state(state: str, path: Path, line: int | None, field: str) -> None:
    if state not in STATES:
        raise AnalysisError(f"unknown state {excerpt(state)}; valid values: {', '.join(STATES)}", path=path,
                            line=line, field=field, hint=did_you_mean(state, STATES, "see docs/pipeline.md"))


def by_state(recommendation: dict[str, Any], language: str) -> dict[str, str]:
    """A code's recommendation texts per state, in ``language`` (a plain per-language text means "supported")."""
    if any(isinstance(v, dict) for v in recommendation.values()):
        return {state: localised(texts, language) for state, texts in recommendation.items()
                if localised(texts, language)}
    text = localised(recommendation, language)
    return {"supported": text} if text else {}


@dataclass(frozen=True)
class Saran:
    """One recommendation of the chapter.

    Args:
        kind: ``practical`` or ``academic``.
        reason: Which rule made it (``obstacle``, ``state``, ``event``, ``case``, ...): tests and readers see why.
        context: What the template words the lead-in from (labels, counts, dates).
        text: The case's own recommendation text, or "" when the template words all of it.
        filled: For a ``case.yml`` entry, its text with ``{categories}`` and ``{events}`` filled in.
    """

    kind: str
    reason: str
    context: dict[str, Any]
    text: str = ""
    filled: str = ""


def compose(results: list[dict[str, Any]], case: dict[str, Any], documents: list[dict[str, Any]],
            language: str) -> list[Saran]:
    """The recommendations that follow from the results, practical first, each from one rule.

    Rules, in order:

    1. each supported obstacle of a ranking indicator, by rank, with the
       code's text for "supported";
    2. each category of a criteria indicator that is contested, contradicted
       or lacks evidence and has a text for that state in the codebook;
       required categories without such a text are grouped in one
       recommendation per state (the template words it);
    3. each ``case.yml`` entry whose condition holds (a code in a state, any
       category in a state, a register document, an event after the period);
    4. academic: primary sources for supported categories that carry caveats,
       two-sided sources for contested or contradicted ones, documents for
       obstacles resting on interviews only, real interviews when the
       interviews are illustrative.

    Args:
        results: The per-indicator results (``results/<indicator>.json``), in codebook order.
        case: The loaded ``case.yml``.
        documents: The document register (processed ``documents`` table, as records).
        language: The chapter's language.
    """
    out: list[Saran] = []
    for r in results:
        codes = r["codes"]
        if r["kind"] == "ranking":
            for c in sorted((c for c in codes if c.get("rank")), key=lambda c: c["rank"]):
                text = c.get("recommendations", {}).get("supported", "") or c.get("recommendation", "")
                if text:
                    out.append(Saran("practical", "obstacle", {"labels": [c["label"]], "rank": c["rank"],
                                                               "informants": c["informants"],
                                                               "fragile": c["fragile"], "first": c["rank"] == 1},
                                     text))
            continue
        grouped: dict[str, list[str]] = {}
        for c in codes:
            if c["state"] == "supported":
                continue
            text = c.get("recommendations", {}).get(c["state"], "")
            if text:
                out.append(Saran("practical", "state", {"labels": [c["label"]], "state": c["state"],
                                                        "indicator": r["label"]}, text))
            elif c["required"]:
                grouped.setdefault(c["state"], []).append(c["label"])
        for state, labels in grouped.items():
            out.append(Saran("practical", "required", {"labels": labels, "state": state, "indicator": r["label"]}))
    out.extend(_case_entries(results, case, documents, language))
    out.extend(_academic(results, case))
    order = {k: n for n, k in enumerate(KINDS)}
    return sorted(out, key=lambda s: order[s.kind])  # stable: each kind keeps the order of its rules


def _case_entries(results: list[dict[str, Any]], case: dict[str, Any], documents: list[dict[str, Any]],
                  language: str) -> list[Saran]:
    """The ``case.yml`` recommendations whose condition holds, with what the condition matched."""
    codes = {c["code"]: c for r in results for c in r["codes"]}
    by_doc = {d["doc_id"]: d for d in documents}
    end = (case.get("period") or {}).get("end")
    out = []
    for entry in case.get("recommendations") or []:
        when = entry["when"]
        text = localised(entry["text"], language)
        if not text:
            continue
        matched: dict[str, Any] = {}
        if "code" in when:
            c = codes.get(when["code"])
            if c is None or c["state"] != when.get("state", "supported"):
                continue
            matched["labels"] = [c["label"]]
        elif "state" in when:
            labels = [c["label"] for r in results if when.get("indicator") in (None, r["indicator"])
                      for c in r["codes"] if c["state"] == when["state"]]
            if not labels:
                continue
            matched["labels"] = labels
        events = []
        if "document" in when:
            if when["document"] not in by_doc:
                continue
            events = [by_doc[when["document"]]]
        if when.get("after_period"):
            later = [d for d in (events or documents) if end is not None and d.get("milestone")
                     and _year(d["date"]) > int(end)]
            if not later:
                continue
            events = later
        terms = tuple(case.get("foreign_terms") or ())
        said = [f"{running_label(str(d.get('milestone') or d.get('title', '')), terms)} "
                f"({date(d['date'], language, d.get('date_precision', ''))})" for d in events]
        matched["events"] = [d["doc_id"] for d in events]
        values = {"categories": join([running_label(x, terms) for x in matched.get("labels", [])], language),
                  "events": join(said, language)}
        filled = _fill(text, values)
        out.append(Saran(entry["kind"], "case", matched, text, filled))
    return out



def _fill(text: str, values: dict[str, str]) -> str:
    """``{categories}`` and ``{events}`` replaced; any other brace is the author's, kept as written."""
    return re.sub(r"\{(categories|events)\}", lambda m: values[m.group(1)], text).strip()


def _academic(results: list[dict[str, Any]], case: dict[str, Any]) -> list[Saran]:
    caveated = [label for r in results if r["kind"] == "criteria" for label in r["findings"]["caveated_supported"]]
    disputed = [label for r in results if r["kind"] == "criteria"
                for label in r["findings"]["contested"] + r["findings"]["contradicted"]]
    interview_only = [label for r in results for label in r["findings"]["interview_only"]]
    fragile = [r["label"] for r in results if r["sensitivity"]["fragile"]]
    out = []
    if caveated:
        out.append(Saran("academic", "caveated", {"labels": caveated}))
    if disputed:
        out.append(Saran("academic", "disputed", {"labels": disputed}))
    if interview_only:
        out.append(Saran("academic", "interview_only", {"labels": interview_only}))
    if fragile:
        out.append(Saran("academic", "fragile", {"labels": fragile}))
    if case.get("illustrative"):
        out.append(Saran("academic", "illustrative", {}))
    return out


def _year(date: str) -> int:
    head = str(date)[:4]
    return int(head) if head.isdigit() else 0
