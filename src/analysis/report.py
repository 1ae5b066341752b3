"""Per-indicator report: everything the indicator notebook shows, and its results file.

The notebook calls :func:`indicator_report` and displays what it returns;
the logic stays here, where it is tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import figures, indicators, recommendations, schemas, text, whatif
from analysis.atomic import write_json
from analysis.config import load_case, load_codebook
from analysis.crossref import ref
from analysis.errors import AnalysisError
from analysis.paths import CasePaths, in_project
from analysis.wording import italicise

PARAMETER_TYPES = {"indicator_id": str, "case_dir": str, "processed_dir": str, "reports_dir": str,
                   "language": str, "thresholds": dict}


@dataclass
class IndicatorReport:
    """What one indicator notebook displays."""

    results: dict[str, Any]
    narrative: str
    evidence: pd.DataFrame
    quotes: pd.DataFrame
    contrary: pd.DataFrame
    caveats: pd.DataFrame
    sensitivity: pd.DataFrame
    by_source_type: pd.DataFrame
    matrix: pd.DataFrame
    figure_files: dict[str, list[Path]] = field(default_factory=dict)


def check_parameters(params: dict[str, Any]) -> None:
    """Fail with a clear message when a notebook parameter has the wrong type."""
    for name, typ in PARAMETER_TYPES.items():
        value = params.get(name)
        if not isinstance(value, typ):
            raise AnalysisError(f"parameter {name} must be {typ.__name__}, got {type(value).__name__} ({value!r})",
                                field=name)


def indicator_report(indicator_id: str, case_dir: str, processed_dir: str, reports_dir: str,
                     language: str = "", thresholds: dict[str, int] | None = None) -> IndicatorReport:
    """Compute the evidence, verdict, quotes and figures of one indicator and write its results file.

    Relative folders are relative to the project (see :func:`analysis.paths.in_project`).
    ``thresholds`` overrides the rules' thresholds for a what-if run (:mod:`analysis.whatif`);
    the results then record them under ``what_if``.
    """
    thresholds = {} if thresholds is None else thresholds
    check_parameters(dict(indicator_id=indicator_id, case_dir=case_dir, processed_dir=processed_dir,
                          reports_dir=reports_dir, language=language, thresholds=thresholds))
    overrides = whatif.check_thresholds(thresholds)
    paths = CasePaths.from_dirs(in_project(case_dir), in_project(processed_dir), in_project(reports_dir))
    case = load_case(paths.case_config)
    case["rules"] = whatif.override_rules(case["rules"], overrides)
    ind_id = indicators.codebook_indicator(load_codebook(paths.codebook), indicator_id).id
    paths = replace(paths, reports=whatif.reports_for(paths.reports, ind_id, overrides))  # never over other results
    language = language or case["language"]
    codebook = load_codebook(paths.codebook)
    ind = indicators.codebook_indicator(codebook, indicator_id)
    units = schemas.read_table(schemas.UNITS, paths.processed)
    codings = schemas.read_table(schemas.CODINGS, paths.processed)
    sources = schemas.read_table(schemas.SOURCES, paths.processed)
    coder = case["primary_coder"]
    words = text.labels(language)
    wording = str(paths.case)  # the case may override any template in <case>/templates/<language>/

    documents = schemas.read_table(schemas.DOCUMENTS, paths.processed)
    mine = indicators.coded(ind, codings, units, documents, coder)
    evaluation, scenarios = indicators.sensitivity(ind, codings, units, documents, coder, case["rules"], language)
    table, verdict, rule = evaluation.table, evaluation.verdict, evaluation.rule
    flips, verdict_flips = indicators.fragility(scenarios, list(table["code"]))
    shifts = indicators.rank_shifts(scenarios, list(table["code"]))
    others = codings[(codings["coder"] != coder) & (codings["indicator"] == ind.id)]
    quotes = with_pages(indicators.strongest_quotes(ind, mine, sources, others), units)
    contrary = with_pages(indicators.contrary_evidence(ind, mine, sources), units)
    caveats = indicators.caveats(ind, codings, mine, documents)
    by_type = indicators.by_source_type(ind, codings, units, coder)
    matrix = indicators.informant_matrix(ind, codings, units, coder)
    shown = figures.top_rows(matrix, figures.HEATMAP_MAX_ROWS)  # a readable heatmap, whatever the study's size

    label = ind.label.get(language, ind.id)
    labels = {c.id: c.label.get(language, c.id) for c in ind.codes}
    # The caption carries the title of each figure; heatmap columns are category labels, not code ids.
    figs = {
        f"{ind.id}-evidence": (figures.evidence_bars(_bars(table), words["bars"]),
                               text.render("caption_evidence", language, case_dir=wording, label=label)),
        f"{ind.id}-informants": (figures.heatmap(shown.rename(columns=labels), words["columns"]["label"]),
                                 text.render("caption_heatmap", language, case_dir=wording, label=label,
                                             shown=len(shown), total=len(matrix))),
    }
    if ind.timeline:
        figs[f"{ind.id}-timeline"] = (figures.timeline(documents, words["timeline"]),
                                      text.render("caption_timeline", language, case_dir=wording))
    # A figure with nothing to draw is None: left out, and named in the text (missing_data.md.j2).
    left_out = [name.rsplit("-", 1)[1] for name, (fig, _) in figs.items() if fig is None]
    figs = {name: pair for name, pair in figs.items() if pair[0] is not None}
    for kind in left_out:
        figures.discard(paths.figures, f"{ind.id}-{kind}")
    files = {name: figures.save(fig, paths.figures, name) for name, (fig, _) in figs.items()}
    caption = dict(case_dir=wording, label=label)
    tables = [
        {"id": f"{ind.id}-verdict", "caption": text.render("caption_verdict", language, **caption)},
        {"id": f"{ind.id}-quotes", "caption": text.render("caption_quotes", language, **caption)},
        {"id": f"{ind.id}-contrary", "caption": text.render("caption_contrary", language, **caption)},
        {"id": f"{ind.id}-caveats", "caption": text.render("caption_caveats", language, **caption)},
        {"id": f"{ind.id}-sensitivity", "caption": text.render("caption_sensitivity", language, **caption)},
        {"id": f"{ind.id}-sources", "caption": text.render("caption_sources", language, **caption)},
    ]
    for t in tables:
        t["ref"] = ref("tab", t["id"])  # resolved to "Tabel 4.2" when the chapter is assembled
    by_state = {c.id: recommendations.by_state(c.recommendation, language) for c in ind.codes}
    events = milestones(mine, documents)
    codes = [{**{k: _plain(v) for k, v in row.items()}, "recommendation": by_state[row["code"]].get("supported", ""),
              "recommendations": by_state[row["code"]], "milestones": events.get(row["code"], []),
              "fragile": bool(flips[row["code"]]), "flips": flips[row["code"]],
              "rank_shifts": shifts[row["code"]] if ind.kind == "ranking" else []}
             for row in table.to_dict("records")]
    results = {
        "indicator": ind.id, "kind": ind.kind, "label": label, "verdict": verdict, "rule": rule, "coder": coder,
        "language": language, "codes": codes,
        "ranking": evaluation.ranking,
        "quotes": quotes.to_dict("records"),
        "contrary": contrary.to_dict("records"),
        "caveats": caveats.to_dict("records"),
        "sensitivity": {"fragile": bool(verdict_flips), "verdict_flips": verdict_flips, "scenarios": scenarios},
        "figures": [{"id": name, "caption": cap, "files": [p.name for p in files[name]]}
                    for name, (_, cap) in figs.items()],
        "tables": tables,
        "totals": indicators.totals(mine),
    }
    results["findings"] = findings(results, caveats, mine)
    by_id = {s["id"]: s for s in scenarios}
    results["sensitivity"]["verdict_flips_text"] = verdict_flips_text([by_id[f] for f in verdict_flips], words)
    results["left_out"] = left_out
    if overrides:
        results["what_if"] = overrides
    # What the conclusion says of the whole study, so that it reads the results files alone.
    results["corpus"] = {"interviews": int((sources["source_type"] == "interview").sum()),
                         "documents": int(len(documents)),
                         # copies of one source (same origin) count once, as in the evidence counts
                         "independent": int(documents["origin"].fillna(documents["doc_id"]).nunique())}
    results["register"] = documents[["doc_id", "date", "date_precision", "uncertain", "type", "title",
                                     "milestone"]].to_dict("records")
    write_json(paths.results / f"{ind.id}.json", results)
    narrative = text.render("indicator", language, case_dir=wording, r=results, case=case)
    if left_out or not results["totals"]["units"]:  # say what is missing rather than show empty figures
        kinds = sources["source_type"].value_counts()
        narrative += "\n\n" + text.render("missing_data", language, case_dir=wording, r=results,
                                           interviews=int(kinds.get("interview", 0)),
                                           documents=int(kinds.get("document", 0)))
    narrative = italicise(narrative, case.get("foreign_terms") or [])
    return IndicatorReport(results, narrative, verdict_table(results, words), quotes_table(quotes, words),
                           quotes_table(contrary, words), caveats_table(caveats, results, words),
                           sensitivity_table(results, words), source_types_table(by_type, labels, words), matrix,
                           files)


def milestones(coded_rows: pd.DataFrame, documents: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per category, the register milestones of the documents that support it, by date.

    One entry per independent source (copies of one article give one
    milestone): of several documents of one origin, the one that is not news
    (the agreement itself rather than its report) and then the earliest.

    Returns:
        Code id -> list of ``{doc_id, date, precision, uncertain, milestone, type}``.
    """
    rows = coded_rows[(coded_rows["stance"] == "supports")]
    docs = documents[documents["milestone"].str.len() > 0].set_index("doc_id")
    out: dict[str, list[dict[str, Any]]] = {}
    for code, group in rows.groupby("code", sort=False):
        ids = [d for d in dict.fromkeys(group["source_id"]) if d in docs.index]
        picked: dict[str, dict[str, Any]] = {}
        for doc_id in sorted(ids, key=lambda d: (docs.at[d, "type"] == "news", str(docs.at[d, "date"]), d)):
            origin = docs.at[doc_id, "origin"] or doc_id
            if origin not in picked:
                picked[origin] = {"doc_id": doc_id, "date": str(docs.at[doc_id, "date"]),
                                  "precision": str(docs.at[doc_id, "date_precision"]),
                                  "uncertain": bool(docs.at[doc_id, "uncertain"]),
                                  "milestone": str(docs.at[doc_id, "milestone"]), "type": str(docs.at[doc_id, "type"])}
        out[str(code)] = sorted(picked.values(), key=lambda m: (m["date"], m["doc_id"]))
    return out


def source_types_table(by_type: pd.DataFrame, labels: dict[str, str], words: dict[str, Any]) -> pd.DataFrame:
    """The triangulation table in the chapter's words: categories by label, source types by name."""
    names = words["source_types"]
    out = by_type.rename(columns=lambda t: names.get(t, t)[:1].upper() + names.get(t, t)[1:])  # a header
    out.index = [labels.get(code, code) for code in out.index]
    return out.rename_axis(words["columns"]["label"])


def verdict_table(results: dict[str, Any], words: dict[str, Any]) -> pd.DataFrame:
    """The evidence and state of each category, as the chapter shows it.

    Documents read "n (m)": n documents from m independent sources. A
    ranking has a rank column and no "required" column (nothing is required
    of an obstacle).
    """
    rows = []
    for c in results["codes"]:
        row = {"code": c["code"], "label": c["label"]}
        if results["kind"] != "ranking":
            row["required"] = c["required"]
        row.update({"informants": c["informants"], "documents": _docs(c["documents"], c["independent"]),
                    "contra_informants": c["contra_informants"],
                    "contra_documents": _docs(c["contra_documents"], c["contra_independent"]),
                    "context_units": c["context_units"], "state": words["states"][c["state"]]})
        if results["kind"] == "ranking":
            row["rank"] = c["rank"] or "—"
        rows.append(row)
    return pd.DataFrame(rows)


def with_pages(quotes: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Quotes with the page of their unit: an int for a paged original (PDF), ``None`` otherwise (also in JSON)."""
    pages = {u: (None if pd.isna(p) else int(p)) for u, p in zip(units["unit_id"], units["page"])}
    return quotes.assign(page=pd.Series([pages.get(u) for u in quotes["unit_id"]], index=quotes.index, dtype=object))


def quotes_table(quotes: pd.DataFrame, words: dict[str, Any]) -> pd.DataFrame:
    """Quotes with their stance in words, without the unit id (the excerpt id locates them).

    The source of a quote from a paged original carries its page, as a citation does: "D3, p. 2".
    """
    cited = [f"{s}, {words['page']} {p}" if p is not None else s for s, p in zip(quotes["source_id"], quotes["page"])]
    return quotes.drop(columns=["unit_id", "page"]).assign(stance=quotes["stance"].map(words["stances"]),
                                                             source_id=cited)


def findings(results: dict[str, Any], caveats: pd.DataFrame, coded_rows: pd.DataFrame) -> dict[str, Any]:
    """What the text says of an indicator, computed once: the categories by state, what backs them, what qualifies them.

    Returns:
        Labels of the categories by state; the required categories and how
        many are supported; the distinct supporting informants, documents and
        independent sources of the supported categories (a sentence "n
        informants show X" counts these, never context or contradiction);
        supported categories that carry caveats; categories whose state
        flips in the sensitivity check; ranked categories resting on
        interviews only.
    """
    codes = results["codes"]
    by_state = {s: [c["label"] for c in codes if c["state"] == s] for s in indicators.STATES}
    supported = [c["code"] for c in codes if c["state"] == indicators.SUPPORTED]
    required = [c for c in codes if c["required"]] or codes
    caveated = set(caveats["code"])
    return {
        **by_state,
        "required": [c["label"] for c in required],
        "required_supported": [c["label"] for c in required if c["state"] == indicators.SUPPORTED],
        "required_unsupported": [c["label"] for c in required if c["state"] != indicators.SUPPORTED],
        "supporting": indicators.supporting_totals(coded_rows, supported),
        "caveated_supported": [c["label"] for c in codes if c["code"] in caveated and c["code"] in supported],
        "fragile": [c["label"] for c in codes if c["fragile"]],
        "interview_only": [c["label"] for c in codes if c.get("rank") and c["independent"] == 0],
        # Only where a document was required: a ranking's obstacles need none, so one document is no weakness.
        "single_document": [c["label"] for c in codes if c["code"] in supported and c["independent"] == 1
                            and results["rule"]["min_documents"] > 0],
    }


def caveats_table(caveats: pd.DataFrame, results: dict[str, Any], words: dict[str, Any]) -> pd.DataFrame:
    """Caveats under the category they qualify, with where they come from (the coder, or the register)."""
    labels = {c["code"]: c["label"] for c in results["codes"]}
    kind = [words["caveat_kinds"][k].format(coder=c) for k, c in zip(caveats["kind"], caveats["coder"])]
    return pd.DataFrame({"label": caveats["code"].map(labels), "source": caveats["source"], "kind": kind,
                         "note": caveats["note"]})


def sensitivity_table(results: dict[str, Any], words: dict[str, Any]) -> pd.DataFrame:
    """Per category (and for the verdict or ranking): robust or fragile, and the changes that flip it.

    In a ranking, a category that keeps its state but moves up or down is
    reported apart ("rank shifts"): a swap of neighbours is not a category
    losing its support.
    """
    scenarios = {s["id"]: s for s in results["sensitivity"]["scenarios"]}
    ranking = results["kind"] == "ranking"
    rows = []
    for c in results["codes"]:
        robustness = words["fragile"] if c["fragile"] else words["shifted"] if c["rank_shifts"] else words["robust"]
        row = {"label": c["label"], "state": words["states"][c["state"]], "robustness": robustness,
               "flips": scenario_names([scenarios[f] for f in c["flips"]], words)}
        if ranking:
            row["shifts"] = scenario_names([scenarios[f] for f in c["rank_shifts"]], words)
        rows.append(row)
    verdict_flips = scenario_names([scenarios[f] for f in results["sensitivity"]["verdict_flips"]], words)
    last = {"label": f"({words['verdict_row'] if not ranking else words['ranking_row']})",
            "state": words["verdicts"][results["verdict"]] if results["verdict"] else "—",
            "robustness": words["fragile"] if results["sensitivity"]["fragile"] else words["robust"],
            "flips": verdict_flips}
    if ranking:
        last["shifts"] = "—"
    rows.append(last)
    return pd.DataFrame(rows)


def scenario_names(scenarios: list[dict[str, Any]], words: dict[str, Any]) -> str:
    """Scenarios of the sensitivity check in the chapter's words; sources left out are named in one phrase each."""
    if not scenarios:
        return "—"
    grouped = ("leave_out", "leave_out_document")
    phrases = [words["scenarios"][s["name"] if s["group"] == "threshold" else s["group"]].format(
        name=s["name"], value=s["value"]) for s in scenarios if s["group"] not in grouped]
    for group in grouped:
        names = [s["name"] for s in scenarios if s["group"] == group]
        if names:
            joined = ", ".join(names[:-1]) + f" {words['or']} " + names[-1] if len(names) > 1 else names[0]
            phrases.append(words["scenarios"][group].format(name=joined))
    return "; ".join(phrases)


def verdict_flips_text(scenarios: list[dict[str, Any]], words: dict[str, Any]) -> str:
    """The scenarios that change the verdict, grouped by the verdict each leads to.

    A reader needs the direction of a change, not only that it changes: "becomes
    not met under ...; becomes met under ... or ...". A ranking has no verdict,
    so its scenarios are only named.
    """
    targets = list(dict.fromkeys(s.get("verdict") for s in scenarios))
    if not scenarios or None in targets:
        return scenario_names(scenarios, words)
    parts = []
    for target in targets:
        phrases = scenario_names([s for s in scenarios if s["verdict"] == target], words).split("; ")
        joined = ", ".join(phrases[:-1]) + f" {words['or']} " + phrases[-1] if len(phrases) > 1 else phrases[0]
        parts.append(words["flip_to"].format(verdict=words["verdicts"][target], scenarios=joined))
    return "; ".join(parts)


def _docs(documents: int, independent: int) -> str:
    return str(documents) if documents == independent else f"{documents} ({independent})"


def _bars(table: pd.DataFrame) -> pd.DataFrame:
    """Per category: supporting informants, supporting independent document sources, contradicting sources."""
    return pd.DataFrame({"label": table["label"], "informants": table["informants"],
                         "documents": table["independent"],
                         "contradicting": table["contra_informants"] + table["contra_independent"]})


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
