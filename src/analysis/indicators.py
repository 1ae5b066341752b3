"""Indicators: evidence per code, verdicts by explicit rules, rankings.

Indicator kinds live in a registry: a kind is one function from the evidence
table and the rule to a verdict. A new kind is one registered function.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from analysis.config import Codebook, Indicator
from analysis.errors import AnalysisError

Evaluator = Callable[[pd.DataFrame, dict[str, Any]], tuple[pd.DataFrame, bool]]
KINDS: dict[str, Evaluator] = {}
EVIDENCE_COLUMNS = ["code", "label", "required", "units", "informants", "documents", "supported"]


def kind(name: str) -> Callable[[Evaluator], Evaluator]:
    """Register an indicator kind."""
    def register(func: Evaluator) -> Evaluator:
        KINDS[name] = func
        return func
    return register


def evidence(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame, coder: str,
             language: str) -> pd.DataFrame:
    """Count, per code of the indicator, the units, informants and documents coded by ``coder``."""
    coded = (codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id)]
             .merge(units[["unit_id", "speaker", "speaker_role", "source_type"]], on="unit_id", how="left"))
    rows = []
    for code in indicator.codes:
        c = coded[coded["code"] == code.id]
        rows.append({
            "code": code.id, "label": code.label.get(language, code.id), "required": code.required,
            "units": c["unit_id"].nunique(),
            "informants": c.loc[c["speaker_role"] == "informant", "speaker"].nunique(),
            "documents": c.loc[c["source_type"] == "document", "source_id"].nunique(),
        })
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS[:-1])


def evaluate(indicator: Indicator, table: pd.DataFrame, rules: dict[str, Any]) -> tuple[pd.DataFrame, bool, dict]:
    """Apply the indicator's kind to its evidence table.

    Args:
        indicator: The indicator.
        table: Output of :func:`evidence`.
        rules: The case's ``rules`` mapping; the rule named like the kind is
            used when present, else ``default``.

    Returns:
        The evidence table with ``supported`` (and ``rank`` for rankings),
        whether the indicator is met, and the rule applied.
    """
    if indicator.kind not in KINDS:
        raise AnalysisError(f"no evaluator for indicator kind {indicator.kind!r}; known: {', '.join(KINDS)}")
    rule = {"min_informants": 1, "min_documents": 0, **rules.get("default", {}), **rules.get(indicator.kind, {})}
    table, met = KINDS[indicator.kind](table, rule)
    return table, met, rule


@kind("criteria")
def _criteria(table: pd.DataFrame, rule: dict[str, Any]) -> tuple[pd.DataFrame, bool]:
    """Met when every required code is supported."""
    out = table.assign(supported=_supported(table, rule))
    required = out[out["required"]]
    return out, bool(len(required)) and bool(required["supported"].all())


@kind("ranking")
def _ranking(table: pd.DataFrame, rule: dict[str, Any]) -> tuple[pd.DataFrame, bool]:
    """Supported codes ranked by the ``rank_by`` keys, descending; ties keep codebook order."""
    keys = list(rule.get("rank_by", ["informants", "units"]))
    out = table.assign(supported=_supported(table, rule), order=range(len(table)))
    ranked = out.sort_values(["supported", *keys, "order"], ascending=[False, *[False] * len(keys), True],
                             kind="stable")
    ranked = ranked.assign(rank=[i + 1 if s else 0 for i, s in enumerate(ranked["supported"])])
    met = int(ranked["supported"].sum()) >= int(rule.get("min_supported", 1))
    return ranked.drop(columns="order").reset_index(drop=True), met


def _supported(table: pd.DataFrame, rule: dict[str, Any]) -> pd.Series:
    return (table["informants"] >= rule["min_informants"]) & (table["documents"] >= rule["min_documents"])


def strongest_quotes(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame,
                     sources: pd.DataFrame, coder: str, per_code: int = 2) -> pd.DataFrame:
    """Pick, per code, the best-attested quotes, each verified against its source.

    Order: passages both coders coded first, then interviews before documents,
    then longer quotes; at most one quote per source.
    """
    mine = codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id)]
    others = codings[codings["coder"] != coder]
    agreed = set(zip(others["unit_id"], others["code"]))
    c = mine.merge(units[["unit_id", "speaker", "source_type"]], on="unit_id", how="left")
    c = c.assign(agreed=[(u, k) in agreed for u, k in zip(c["unit_id"], c["code"])],
                 is_interview=c["source_type"] == "interview", length=c["quote"].str.len())
    c = c.sort_values(["code", "agreed", "is_interview", "length", "excerpt_id"],
                      ascending=[True, False, False, False, True], kind="stable")
    picked = c.drop_duplicates(["code", "source_id"]).groupby("code", sort=False).head(per_code)
    for row in picked.itertuples(index=False):
        verify_excerpt(row.excerpt_id, row.quote, sources)
    order = {code.id: n for n, code in enumerate(indicator.codes)}
    picked = picked.assign(_o=picked["code"].map(order)).sort_values(["_o", "agreed"], ascending=[True, False],
                                                                       kind="stable")
    return picked[["code", "excerpt_id", "source_id", "unit_id", "speaker", "quote"]].reset_index(drop=True)


def verify_excerpt(excerpt_id: str, quote: str, sources: pd.DataFrame) -> None:
    """Check, character for character, that an excerpt id resolves to its quote.

    Raises:
        AnalysisError: when the source is unknown or its text differs there.
    """
    source_id, span = excerpt_id.rsplit(":", 1)
    start, end = (int(x) for x in span.split("-"))
    text = sources.loc[sources["source_id"] == source_id, "text"]
    if text.empty or text.iloc[0][start:end] != quote:
        raise AnalysisError(f"excerpt {excerpt_id} does not match its source text", field="excerpt_id")


def by_source_type(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Codes x source type (interview, and documents by type): number of coded units."""
    c = codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id)]
    c = c.merge(units[["unit_id", "doc_type"]], on="unit_id", how="left").drop_duplicates(["unit_id", "code"])
    table = pd.crosstab(c["code"], c["doc_type"])
    return table.reindex([code.id for code in indicator.codes], fill_value=0)


def informant_matrix(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Informants x codes: number of units in which each informant was coded with each code."""
    c = codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id)]
    c = c.merge(units[["unit_id", "speaker", "speaker_role"]], on="unit_id", how="left")
    c = c[c["speaker_role"] == "informant"].drop_duplicates(["unit_id", "code"])
    speakers = sorted(units.loc[units["speaker_role"] == "informant", "speaker"].unique())
    table = pd.crosstab(c["speaker"], c["code"])
    return table.reindex(index=speakers, columns=[code.id for code in indicator.codes], fill_value=0)


def codebook_indicator(codebook: Codebook, indicator_id: Any) -> Indicator:
    """Validate a notebook parameter and return the indicator it names.

    An empty id means the codebook's first indicator, so that the notebook
    opened by hand in JupyterLab runs on any case without editing.
    """
    if not isinstance(indicator_id, str):
        raise AnalysisError(f"indicator_id must be text, got {type(indicator_id).__name__}; "
                            f"valid values: {', '.join(i.id for i in codebook.indicators)}", field="indicator_id")
    return codebook.indicator(indicator_id) if indicator_id else codebook.indicators[0]
