"""The conclusion chapter's text: the facts its templates word, gathered from the results and the register.

Everything a sentence states is computed here or in the results files: the
verdicts, the categories by state, the register milestones behind each
supported category (with their dates written out), the figures and tables to
refer to, and the recommendations (:mod:`analysis.recommendations`). The
templates ``conclusion.md.j2``, ``limitations.md.j2`` and ``saran.md.j2``
only put them into sentences.
"""

from __future__ import annotations

from typing import Any

from analysis import recommendations, text, wording
from analysis.crossref import ref


def cite(*doc_ids: str) -> str:
    """An in-text citation placeholder for register documents, resolved when the chapter is assembled.

    Empty when the package has no citation module (the placeholder would
    otherwise reach the reader unresolved).
    """
    try:
        from analysis import citations
    except ImportError:
        return ""
    return " " + str(citations.cite(*doc_ids)) if doc_ids else ""


def conclusion(case: dict[str, Any], results: list[dict[str, Any]], language: str, case_dir: str) -> str:
    """The conclusion and the Saran as Markdown, in ``language``.

    Reads nothing but its arguments: the register and the source counts come
    with the results files (``register``, ``corpus``), so the conclusion
    notebook needs only the reports folder.

    Args:
        case: The loaded ``case.yml``.
        results: The per-indicator results, in codebook order (tables' ``ref`` set).
        language: "id" or "en".
        case_dir: The case folder, whose ``templates/<language>/`` may override the wording.
    """
    words = text.labels(language)
    terms = tuple(case.get("foreign_terms") or ())
    for r in results:
        # Every kind present (empty when the figure was left out), so a template can test for it.
        r["figure_refs"] = {"evidence": "", "informants": "", "timeline": "",
                            **{f["id"].rsplit("-", 1)[1]: ref("fig", f["id"]) for f in r.get("figures", [])}}
        r["table_refs"] = {t["id"].rsplit("-", 1)[1]: t["ref"] for t in r["tables"]}
        r["support_refs"] = [x for x in (r["figure_refs"]["evidence"], r["figure_refs"]["informants"],
                                         r["table_refs"].get("sources", "")) if x]
        for c in r["codes"]:
            c["running"] = wording.running_label(c["label"], terms)
        r["running"] = {state: [c["running"] for c in r["codes"] if c["state"] == state]
                        for state in recommendations.STATES}
        r["running_required"] = [c["running"] for c in r["codes"] if c["required"]] or \
            [c["running"] for c in r["codes"]]
        r["facts"] = facts(r)
        r["uncertain_documents"] = sorted({m["doc_id"] for c in r["codes"] if c["state"] == "supported"
                                           for m in c.get("milestones", []) if m["uncertain"]})
    documents = results[0]["register"] if results else []
    corpus = results[0]["corpus"] if results else {"interviews": 0, "documents": 0}
    saran = recommendations.compose(results, case, documents, language)
    for s in saran:
        if "labels" in s.context:
            s.context["running"] = [wording.running_label(label, terms) for label in s.context["labels"]]
    context = {
        "case": case, "results": results, "saran": saran, "words": words,
        "titles": wording.section_titles(case, words),
        "short_title": wording.short_title(case, language),
        "question": wording.localised(case.get("research_question"), language),
        "interviews": corpus["interviews"], "documents": corpus["documents"],
        # Results files written before the corpus counted independent sources hold only documents.
        "independent": corpus.get("independent", corpus["documents"]),
        "cite": cite,
    }
    body = text.render("conclusion", language, case_dir=case_dir, **context)
    return wording.italicise(body, terms)


def facts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The register milestones that back an indicator's supported categories, in date order, each once.

    A milestone supports the sentence "X happened on <date>": only documents
    that *support* a supported category count (a plan reported is context,
    not evidence that it happened).
    """
    supported = [c for c in result["codes"] if c["state"] == "supported"]
    # The decisive dates: those of the required categories when a criteria indicator has any; all else.
    required = [c for c in supported if c["required"] and c.get("milestones")]
    seen: dict[str, dict[str, Any]] = {}
    for c in (required if result["kind"] == "criteria" and required else supported):
        for m in c.get("milestones", []):
            seen.setdefault(m["doc_id"], {**m, "label": c["label"]})
    return sorted(seen.values(), key=lambda m: (m["date"], m["doc_id"]))[:MAX_FACTS]


MAX_FACTS = 4  # dates named in one paragraph; more belong in the findings chapter's timeline
