"""Indicators: evidence with a stance, category states, verdicts by explicit rules, and their sensitivity.

A coding says what a passage shows about its category: it *supports* it,
*contradicts* it, or is *context* (about the category without showing or
denying it, such as a plan or a promise). Counting follows three rules:

* counts are distinct: a unit coded twice counts once, an informant once
  however many interviews or turns, a document once;
* copies of one source count once: documents sharing an ``origin`` (the
  register's origin, else its URL) are one independent source;
* support and contradiction are counted apart; context counts toward neither.

A category's *state* compares both sides with the case's thresholds; an
indicator kind (a registry: one function per kind) turns the states into a
verdict. :func:`sensitivity` recomputes everything under small changes of
rule and data and flags what flips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.coding import CAVEAT_PREFIX
from analysis.config import Codebook, Indicator
from analysis.errors import AnalysisError

SUPPORTED, CONTESTED, CONTRADICTED, INSUFFICIENT = "supported", "contested", "contradicted", "insufficient"
STATES = (SUPPORTED, CONTESTED, CONTRADICTED, INSUFFICIENT)
MET, PARTLY_MET, NOT_MET = "met", "partly_met", "not_met"
# Thresholds and the lowest value each can take (a category needs at least one
# informant; one contradicting source is the least that can contradict).
THRESHOLDS = {"min_informants": 1, "min_documents": 0, "min_contradicting": 1}
DEFAULT_RULE: dict[str, Any] = {"min_informants": 1, "min_documents": 0, "min_contradicting": 1}
EVIDENCE_COLUMNS = ["code", "label", "required", "units", "informants", "documents", "independent",
                    "contra_units", "contra_informants", "contra_documents", "contra_independent",
                    "context_units"]
CODED_COLUMNS = ["excerpt_id", "source_id", "unit_id", "code", "coder", "stance", "quote", "memo", "caveat",
                 "speaker", "speaker_role", "source_type", "doc_origin"]

Evaluator = Callable[[pd.DataFrame, dict[str, Any]], tuple[pd.DataFrame, "str | None"]]
KINDS: dict[str, Evaluator] = {}


def kind(name: str) -> Callable[[Evaluator], Evaluator]:
    """Register an indicator kind: a function from the evidence table and the rule to (table, verdict)."""
    def register(func: Evaluator) -> Evaluator:
        KINDS[name] = func
        return func
    return register


@dataclass(frozen=True)
class Evaluation:
    """An indicator judged under one rule.

    Attributes:
        table: The evidence table with ``state`` (and ``rank`` for rankings).
        verdict: ``met``, ``partly_met`` or ``not_met``; ``None`` for kinds
            without a verdict (rankings).
        rule: The thresholds applied.
    """

    table: pd.DataFrame
    verdict: str | None
    rule: dict[str, Any] = field(default_factory=dict)

    @property
    def ranking(self) -> list[str]:
        """Codes in rank order (rankings only; empty otherwise)."""
        if "rank" not in self.table.columns:
            return []
        ranked = self.table[self.table["rank"] > 0].sort_values("rank")
        return list(ranked["code"])


def coded(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame, documents: pd.DataFrame,
          coder: str) -> pd.DataFrame:
    """The coder's codings of one indicator, each with its unit's speaker and its document's origin.

    Args:
        indicator: The indicator.
        codings: The processed codings table.
        units: The processed units table.
        documents: The processed documents table (for ``origin``).
        coder: Whose codings.

    Returns:
        One row per coding (columns :data:`CODED_COLUMNS`).
    """
    mine = codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id)]
    out = (mine.merge(units[["unit_id", "speaker", "speaker_role", "source_type"]], on="unit_id", how="left")
           .merge(documents[["doc_id", "origin"]].rename(columns={"doc_id": "source_id", "origin": "doc_origin"}),
                  on="source_id", how="left"))
    out = out.assign(doc_origin=out["doc_origin"].fillna(out["source_id"]))
    return out[CODED_COLUMNS].reset_index(drop=True)


def evidence(indicator: Indicator, coded_rows: pd.DataFrame, language: str) -> pd.DataFrame:
    """Count, per code, the distinct units, informants, documents and independent sources on each side.

    ``units``/``informants``/``documents``/``independent`` count supporting
    evidence; ``contra_*`` the contradicting evidence; ``context_units`` the
    units coded as context. A unit, informant or document is counted once per
    code and side however often it was coded.
    """
    # One pass over plain values into sets: the sensitivity check calls this once per scenario (dozens to
    # thousands of times), and pandas filtering cost ~0.1 s a call here. Missing values count for nothing,
    # as nunique() does not count them.
    sides: dict[tuple[str, str], tuple[set, set, set, set]] = {}
    columns = ("code", "stance", "unit_id", "speaker_role", "speaker", "source_type", "source_id", "doc_origin")
    for code, stance, unit, role, speaker, kind, source, origin in zip(*(_values(coded_rows[c]) for c in columns)):
        units, informants, documents, independent = sides.setdefault((code, stance), (set(), set(), set(), set()))
        if unit is not None:
            units.add(unit)
        if role == "informant" and speaker is not None:
            informants.add(speaker)
        if kind == "document":
            if source is not None:
                documents.add(source)
            if origin is not None:
                independent.add(origin)
    empty: tuple[set, set, set, set] = (set(), set(), set(), set())
    rows = []
    for code in indicator.codes:
        sup, con = sides.get((code.id, "supports"), empty), sides.get((code.id, "contradicts"), empty)
        rows.append({"code": code.id, "label": code.label.get(language, code.id), "required": code.required,
                     **dict(zip(_SIDE_KEYS, map(len, sup))),
                     **{f"contra_{k}": n for k, n in zip(_SIDE_KEYS, map(len, con))},
                     "context_units": len(sides.get((code.id, "context"), empty)[0])})
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


_SIDE_KEYS = ("units", "informants", "documents", "independent")


def _values(column: pd.Series) -> list[Any]:
    """A column as a list of Python values, None where a value is missing (NaN, NA, None alike)."""
    return column.astype(object).where(column.notna(), None).tolist()


def totals(coded_rows: pd.DataFrame) -> dict[str, int]:
    """Distinct units, informants, documents and independent document sources behind an indicator (any stance)."""
    out = _side(coded_rows)
    out["codings"] = len(coded_rows)
    for stance in ("supports", "contradicts", "context"):
        out[stance] = int((coded_rows["stance"] == stance).sum())
    return out


def supporting_totals(coded_rows: pd.DataFrame, codes: list[str]) -> dict[str, int]:
    """Distinct informants, documents and independent sources whose supporting codings back ``codes``.

    What a sentence "n informants and m documents show X and Y" may count:
    only supporting evidence, only for the categories it names.
    """
    return _side(coded_rows[(coded_rows["stance"] == "supports") & coded_rows["code"].isin(codes)])


def rule_for(indicator: Indicator, rules: dict[str, Any]) -> dict[str, Any]:
    """The thresholds for an indicator: built-in defaults, then ``default``, then the rule named like its kind."""
    return {**DEFAULT_RULE, **rules.get("default", {}), **rules.get(indicator.kind, {})}


def evaluate(indicator: Indicator, table: pd.DataFrame, rules: dict[str, Any]) -> Evaluation:
    """Give every category a state and the indicator its verdict.

    A side of the evidence *is present* when at least ``min_contradicting``
    independent sources (informants plus document origins) take it; the
    same yardstick serves both sides. A category is:

    * *supported* when its supporting evidence reaches ``min_informants``
      informants and ``min_documents`` independent document sources and no
      contradicting evidence is present;
    * *contested* when contradicting evidence is present and so is
      supporting evidence (whether or not support reaches its thresholds);
    * *contradicted* when contradicting evidence is present and supporting
      evidence is not;
    * *insufficient* (not enough evidence) otherwise.

    Args:
        indicator: The indicator.
        table: Output of :func:`evidence`.
        rules: The case's ``rules`` mapping.

    Raises:
        AnalysisError: for an indicator kind with no evaluator.
    """
    if indicator.kind not in KINDS:
        raise AnalysisError(f"no evaluator for indicator kind {indicator.kind!r}; known: {', '.join(KINDS)}")
    rule = rule_for(indicator, rules)
    out, verdict = KINDS[indicator.kind](table.assign(state=states(table, rule)), rule)
    return Evaluation(out, verdict, rule)


def states(table: pd.DataFrame, rule: dict[str, Any]) -> pd.Series:
    """The state of each category of an evidence table under a rule (see :func:`evaluate`)."""
    support = (table["informants"] >= rule["min_informants"]) & (table["independent"] >= rule["min_documents"])
    some_support = (table["informants"] + table["independent"]) >= rule["min_contradicting"]
    against = (table["contra_informants"] + table["contra_independent"]) >= rule["min_contradicting"]
    return pd.Series([_state(bool(s), bool(p), bool(a)) for s, p, a in zip(support, some_support, against)],
                     index=table.index, dtype=object)


@kind("criteria")
def _criteria(table: pd.DataFrame, rule: dict[str, Any]) -> tuple[pd.DataFrame, str | None]:
    """Met when every required category is supported, not met when none is, partly met otherwise.

    With no category marked required, every category counts as required.
    """
    required = table[table["required"]] if table["required"].any() else table
    n = int((required["state"] == SUPPORTED).sum())
    verdict = MET if n == len(required) and n > 0 else NOT_MET if n == 0 else PARTLY_MET
    return table, verdict


@kind("ranking")
def _ranking(table: pd.DataFrame, rule: dict[str, Any]) -> tuple[pd.DataFrame, str | None]:
    """No verdict: supported categories ranked by the ``rank_by`` keys (most first); ties keep codebook order.

    Contested, contradicted and insufficient categories get rank 0: they are
    reported beside the ranking, not in it.
    """
    keys = [RANK_COLUMNS[k] for k in rule.get("rank_by", ["informants", "units"])]
    out = table.assign(_supported=table["state"] == SUPPORTED, _order=range(len(table)))
    ranked = out.sort_values(["_supported", *keys, "_order"], ascending=[False, *[False] * len(keys), True],
                             kind="stable")
    ranked = ranked.assign(rank=[i + 1 if s else 0 for i, s in enumerate(ranked["_supported"])])
    return ranked.drop(columns=["_supported", "_order"]).reset_index(drop=True), None


# rank_by keys of case.yml -> evidence columns; documents rank by independent sources, not copies.
RANK_COLUMNS = {"informants": "informants", "units": "units", "documents": "independent"}


@dataclass(frozen=True)
class Scenario:
    """One variation of the analysis for the sensitivity check.

    Attributes:
        id: Stable id, e.g. ``min_informants=3``, ``coder=B``, ``without=Informant-03``.
        group: ``threshold``, ``coder`` or ``leave_out``.
        name: The threshold key, the coder or the informant left out.
        value: The threshold's value (thresholds only).
    """

    id: str
    group: str
    name: str
    value: int | None = None


def sensitivity(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame, documents: pd.DataFrame,
                coder: str, rules: dict[str, Any], language: str) -> tuple[Evaluation, list[dict[str, Any]]]:
    """Judge the indicator as the case says, then under small changes, and record what flips.

    Variations: each threshold one lower and one higher (within its range);
    each other coder's codings in place of the primary coder's on the sources
    that coder coded; each informant left out in turn; each independent
    document source left out in turn; and without the codings whose memo is
    a caveat (second-hand accounts, missing originals...).

    Returns:
        The base evaluation and one record per scenario: its id, group, name,
        value, verdict, states and ranks per code, the codes whose state
        changed (``changed``), the codes whose state stayed but whose rank moved
        (``rank_shifted``), and whether the verdict changed (for a ranking: the
        set of supported obstacles or the first-ranked one).
    """
    base_rows = coded(indicator, codings, units, documents, coder)
    base = evaluate(indicator, evidence(indicator, base_rows, language), rules)
    out = []
    for scenario, rows, scenario_rules in _scenarios(indicator, base_rows, codings, units, documents, coder, rules):
        ev = evaluate(indicator, evidence(indicator, rows, language), scenario_rules)
        out.append(_compare(scenario, base, ev))
    return base, out


def fragility(records: list[dict[str, Any]], codes: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Per code, the scenarios under which its state changes; and those that change the verdict."""
    per_code = {c: [r["id"] for r in records if c in r["changed"]] for c in codes}
    return per_code, [r["id"] for r in records if r["verdict_changed"]]


def rank_shifts(records: list[dict[str, Any]], codes: list[str]) -> dict[str, list[str]]:
    """Per code, the scenarios under which it keeps its state but moves in the ranking."""
    return {c: [r["id"] for r in records if c in r["rank_shifted"]] for c in codes}


def strongest_quotes(indicator: Indicator, coded_rows: pd.DataFrame, sources: pd.DataFrame,
                     other_codings: pd.DataFrame, per_code: int = 2) -> pd.DataFrame:
    """Pick, per code, the best-attested supporting quotes, each verified against its source.

    Only ``supports`` codings qualify, and not from a unit that the same coder
    also coded as contradicting the same code (a mixed passage is no strong
    support). Order: passages another coder also coded first, then interviews
    before documents, then longer quotes; at most one quote per source.
    """
    against = set(zip(coded_rows.loc[coded_rows["stance"] == "contradicts", "unit_id"],
                      coded_rows.loc[coded_rows["stance"] == "contradicts", "code"]))
    agreed = set(zip(other_codings["unit_id"], other_codings["code"]))
    c = coded_rows[coded_rows["stance"] == "supports"]
    # A boolean Series, not a list: an empty list would select no columns (an indicator nobody coded).
    c = c[pd.Series([(u, k) not in against for u, k in zip(c["unit_id"], c["code"])], index=c.index, dtype=bool)]
    c = c.assign(agreed=[(u, k) in agreed for u, k in zip(c["unit_id"], c["code"])],
                 is_interview=c["source_type"] == "interview", length=c["quote"].str.len())
    c = c.sort_values(["code", "caveat", "agreed", "is_interview", "length", "excerpt_id"],
                      ascending=[True, True, False, False, False, True], kind="stable")
    picked = c.drop_duplicates(["code", "source_id"]).groupby("code", sort=False).head(per_code)
    return _verified(indicator, picked, sources)


def contrary_evidence(indicator: Indicator, coded_rows: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Every contradicting coding of the indicator, verified against its source, in codebook order."""
    return _verified(indicator, coded_rows[coded_rows["stance"] == "contradicts"], sources)


def caveats(indicator: Indicator, codings: pd.DataFrame, coded_rows: pd.DataFrame,
            documents: pd.DataFrame) -> pd.DataFrame:
    """Caveats that qualify each category: coders' memos marked ``caveat:`` and register uncertainty notes.

    Memos come from every coder (a caveat noted by a second coder still
    qualifies the evidence) and name the coder; a register note is listed
    under every category for which the primary coder took the document as
    evidence (supporting or contradicting; a document that is only context
    carries no weight to qualify). Each note is listed once per category.
    """
    memos = codings[(codings["indicator"] == indicator.id) & codings["caveat"]]
    rows = [{"code": m.code, "kind": "memo", "coder": m.coder, "source": m.excerpt_id,
             "note": m.memo.strip()[len(CAVEAT_PREFIX):].strip()} for m in memos.itertuples(index=False)]
    notes = documents.loc[documents["uncertainty_note"].str.strip() != "", ["doc_id", "uncertainty_note"]]
    weighed = coded_rows[(coded_rows["source_type"] == "document") & (coded_rows["stance"] != "context")]
    docs = weighed[["code", "source_id"]].drop_duplicates()
    for r in docs.merge(notes, left_on="source_id", right_on="doc_id").itertuples(index=False):
        rows.append({"code": r.code, "kind": "register", "coder": "", "source": r.doc_id,
                     "note": r.uncertainty_note.strip()})
    out = pd.DataFrame(rows, columns=["code", "kind", "coder", "source", "note"])
    order = {code.id: n for n, code in enumerate(indicator.codes)}
    out = out.assign(_o=out["code"].map(order)).sort_values(["_o", "kind", "source", "coder"], kind="stable")
    return out.drop_duplicates(["code", "note"]).drop(columns="_o").reset_index(drop=True)


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
    """Codes x source type (interview, and documents by type): distinct units that support the code."""
    c = codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id) & (codings["stance"] == "supports")]
    c = c.merge(units[["unit_id", "doc_type"]], on="unit_id", how="left").drop_duplicates(["unit_id", "code"])
    table = pd.crosstab(c["code"], c["doc_type"])
    return table.reindex([code.id for code in indicator.codes], fill_value=0)


def informant_matrix(indicator: Indicator, codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Informants x codes: distinct units in which each informant supports each code."""
    c = codings[(codings["coder"] == coder) & (codings["indicator"] == indicator.id) & (codings["stance"] == "supports")]
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


def _side(rows: pd.DataFrame) -> dict[str, int]:
    docs = rows[rows["source_type"] == "document"]
    return {"units": int(rows["unit_id"].nunique()),
            "informants": int(rows.loc[rows["speaker_role"] == "informant", "speaker"].nunique()),
            "documents": int(docs["source_id"].nunique()), "independent": int(docs["doc_origin"].nunique())}


def _state(support: bool, some_support: bool, against: bool) -> str:
    if against:
        return CONTESTED if support or some_support else CONTRADICTED
    return SUPPORTED if support else INSUFFICIENT


def _scenarios(indicator: Indicator, base_rows: pd.DataFrame, codings: pd.DataFrame, units: pd.DataFrame,
               documents: pd.DataFrame, coder: str,
               rules: dict[str, Any]) -> list[tuple[Scenario, pd.DataFrame, dict[str, Any]]]:
    rule = rule_for(indicator, rules)
    out = []
    for key, lowest in THRESHOLDS.items():
        for value in (rule[key] - 1, rule[key] + 1):
            if value >= lowest:
                changed = {**rules, indicator.kind: {**rules.get(indicator.kind, {}), key: value},
                           "default": {**rules.get("default", {}), key: value}}
                out.append((Scenario(f"{key}={value}", "threshold", key, value), base_rows, changed))
    for other in sorted(set(codings["coder"]) - {coder}):
        theirs = coded(indicator, codings, units, documents, other)
        sampled = set(codings.loc[codings["coder"] == other, "source_id"])
        rows = pd.concat([base_rows[~base_rows["source_id"].isin(sampled)], theirs], ignore_index=True)
        out.append((Scenario(f"coder={other}", "coder", other), rows, rules))
    informants = sorted(base_rows.loc[base_rows["speaker_role"] == "informant", "speaker"].unique())
    for who in informants:
        rows = base_rows[~((base_rows["speaker_role"] == "informant") & (base_rows["speaker"] == who))]
        out.append((Scenario(f"without={who}", "leave_out", who), rows, rules))
    docs = base_rows[base_rows["source_type"] == "document"]
    for origin, ids in docs.groupby("doc_origin", sort=True)["source_id"]:
        name = "/".join(sorted(set(ids)))  # one independent source, however many register rows copy it
        rows = base_rows[~((base_rows["source_type"] == "document") & (base_rows["doc_origin"] == origin))]
        out.append((Scenario(f"without_document={name}", "leave_out_document", name), rows, rules))
    if base_rows["caveat"].any():
        out.append((Scenario("without_caveated", "caveated", ""), base_rows[~base_rows["caveat"]], rules))
    return out


def _compare(scenario: Scenario, base: Evaluation, other: Evaluation) -> dict[str, Any]:
    states_base = dict(zip(base.table["code"], base.table["state"]))
    states_other = dict(zip(other.table["code"], other.table["state"]))
    ranks_base = dict(zip(base.table["code"], base.table.get("rank", pd.Series(0, index=base.table.index))))
    ranks_other = dict(zip(other.table["code"], other.table.get("rank", pd.Series(0, index=other.table.index))))
    changed = [c for c in base.table["code"] if states_base[c] != states_other[c]]
    shifted = [c for c in base.table["code"] if states_base[c] == states_other[c]
               and int(ranks_base[c]) != int(ranks_other[c])]
    if base.verdict is None:  # a ranking: its finding is which obstacles are supported, and which comes first
        verdict_changed = set(base.ranking) != set(other.ranking) or base.ranking[:1] != other.ranking[:1]
    else:
        verdict_changed = base.verdict != other.verdict
    return {"id": scenario.id, "group": scenario.group, "name": scenario.name, "value": scenario.value,
            "verdict": other.verdict, "states": states_other, "ranks": {c: int(r) for c, r in ranks_other.items()},
            "changed": changed, "rank_shifted": shifted, "verdict_changed": bool(verdict_changed)}


def _verified(indicator: Indicator, rows: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    for row in rows.itertuples(index=False):
        verify_excerpt(row.excerpt_id, row.quote, sources)
    order = {code.id: n for n, code in enumerate(indicator.codes)}
    rows = rows.assign(_o=rows["code"].map(order)).sort_values(["_o", "excerpt_id"], kind="stable")
    return rows[["code", "stance", "excerpt_id", "source_id", "unit_id", "speaker", "quote"]].reset_index(drop=True)
