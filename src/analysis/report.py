"""Per-indicator report: everything the indicator notebook shows, and its results file.

The notebook calls :func:`indicator_report` and displays what it returns;
the logic stays here, where it is tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import figures, indicators, schemas, text
from analysis.atomic import write_json
from analysis.config import load_case, load_codebook
from analysis.errors import AnalysisError
from analysis.paths import CasePaths

PARAMETER_TYPES = {"indicator_id": str, "case_dir": str, "processed_dir": str, "reports_dir": str,
                   "language": str}


@dataclass
class IndicatorReport:
    """What one indicator notebook displays."""

    results: dict[str, Any]
    narrative: str
    evidence: pd.DataFrame
    quotes: pd.DataFrame
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
                     language: str = "") -> IndicatorReport:
    """Compute the evidence, verdict, quotes and figures of one indicator and write its results file."""
    check_parameters(dict(indicator_id=indicator_id, case_dir=case_dir, processed_dir=processed_dir,
                          reports_dir=reports_dir, language=language))
    paths = CasePaths.from_dirs(case_dir, processed_dir, reports_dir)
    case = load_case(paths.case_config)
    language = language or case["language"]
    codebook = load_codebook(paths.codebook)
    ind = indicators.codebook_indicator(codebook, indicator_id)
    units = schemas.read_table(schemas.UNITS, paths.processed)
    codings = schemas.read_table(schemas.CODINGS, paths.processed)
    sources = schemas.read_table(schemas.SOURCES, paths.processed)
    coder = case["primary_coder"]
    words = text.labels(language)
    wording = str(paths.case)  # the case may override any template in <case>/templates/<language>/

    table = indicators.evidence(ind, codings, units, coder, language)
    table, met, rule = indicators.evaluate(ind, table, case["rules"])
    quotes = indicators.strongest_quotes(ind, codings, units, sources, coder)
    by_type = indicators.by_source_type(ind, codings, units, coder)
    matrix = indicators.informant_matrix(ind, codings, units, coder)
    shown = figures.top_rows(matrix, figures.HEATMAP_MAX_ROWS)  # a readable heatmap, whatever the study's size

    label = ind.label.get(language, ind.id)
    figs = {
        f"{ind.id}-evidence": (figures.evidence_bars(table, label, words["bars"]),
                               text.render("caption_evidence", language, case_dir=wording, label=label)),
        f"{ind.id}-informants": (figures.heatmap(shown, label, words["code"]),
                                 text.render("caption_heatmap", language, case_dir=wording, label=label,
                                             shown=len(shown), total=len(matrix))),
    }
    if ind.timeline:
        documents = schemas.read_table(schemas.DOCUMENTS, paths.processed)
        figs[f"{ind.id}-timeline"] = (figures.timeline(documents, "",
                                                       words["timeline"]),
                                      text.render("caption_timeline", language, case_dir=wording))
    files = {name: figures.save(fig, paths.figures, name) for name, (fig, _) in figs.items()}
    tables = [
        {"id": f"{ind.id}-verdict", "caption": text.render("caption_verdict", language, case_dir=wording, label=label)},
        {"id": f"{ind.id}-quotes", "caption": text.render("caption_quotes", language, case_dir=wording, label=label)},
        {"id": f"{ind.id}-sources", "caption": text.render("caption_sources", language, case_dir=wording, label=label)},
    ]
    codes = [
        {**{k: _plain(v) for k, v in row.items()},
         "recommendation": ind.codes[[c.id for c in ind.codes].index(row["code"])].recommendation.get(language, "")}
        for row in table.to_dict("records")
    ]
    results = {
        "indicator": ind.id, "kind": ind.kind, "label": label, "met": met, "rule": rule, "coder": coder,
        "language": language, "codes": codes,
        "quotes": quotes.to_dict("records"),
        "figures": [{"id": name, "caption": cap, "files": [p.name for p in files[name]]}
                    for name, (_, cap) in figs.items()],
        "tables": tables,
        "totals": {"units": int(table["units"].sum()),
                   "informants": int(matrix.loc[matrix.sum(axis=1) > 0].shape[0]),
                   "documents": int(codings[(codings["coder"] == coder) & (codings["indicator"] == ind.id)
                                            & codings["source_id"].isin(sources.loc[sources["source_type"] == "document", "source_id"])]
                                    ["source_id"].nunique())},
    }
    write_json(paths.results / f"{ind.id}.json", results)
    narrative = text.render("indicator", language, case_dir=wording, r=results, case=case)
    return IndicatorReport(results, narrative, table, quotes, by_type, matrix, files)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
