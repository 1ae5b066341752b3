"""The analytic steps of the indicator notebook, one short call each, for a reviewer to read and question.

The notebook shows, in order: the inputs (:func:`load`), the indicator's
codings with their stance (:func:`codings_view`), the evidence per category
(``indicators.evidence``), the rule and its thresholds (:func:`rule_view`),
the states and verdict (``indicators.evaluate``); then
``report.indicator_report`` computes the same again with the quotes, figures
and sensitivity check, writes the results file and gives the chapter's
tables. :func:`agree` checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from analysis import indicators, schemas, whatif
from analysis.config import Indicator, load_case, load_codebook
from analysis.paths import CasePaths, in_project, project_relative
from analysis.show import table

if TYPE_CHECKING:
    import pandas as pd

    from analysis.report import IndicatorReport

QUOTE_SHOWN = 90  # characters of a quote in the codings view; the full quote is in the evidence browser


@dataclass(frozen=True)
class Inputs:
    """What one indicator's analysis reads: the case's settings and the processed tables."""

    paths: CasePaths
    case: dict[str, Any]
    indicator: Indicator
    language: str
    coder: str
    rules: dict[str, Any]
    overrides: dict[str, int]
    redirected: bool  # outputs moved to what-if/<thresholds>/ (see whatif.reports_for)
    codings: pd.DataFrame
    units: pd.DataFrame
    documents: pd.DataFrame


def load(indicator_id: str, case_dir: str, processed_dir: str, reports_dir: str, language: str = "",
         thresholds: dict[str, int] | None = None) -> Inputs:
    """Read the case, its codebook and the processed tables for one indicator.

    Relative folders are relative to the project, whatever the working
    directory (a kernel started by JupyterLab runs in the notebook's folder).
    ``thresholds`` (a what-if run) replaces the thresholds of every rule.
    """
    from analysis.report import check_parameters

    check_parameters(dict(indicator_id=indicator_id, case_dir=case_dir, processed_dir=processed_dir,
                          reports_dir=reports_dir, language=language, thresholds=thresholds or {}))
    paths = CasePaths.from_dirs(in_project(case_dir), in_project(processed_dir), in_project(reports_dir))
    case = load_case(paths.case_config)
    overrides = whatif.check_thresholds(thresholds or {})
    ind = indicators.codebook_indicator(load_codebook(paths.codebook), indicator_id)
    given = paths.reports
    paths = replace(paths, reports=whatif.reports_for(paths.reports, ind.id, overrides))  # as the report does
    return Inputs(paths, case, ind, language or case["language"], case["primary_coder"],
                  whatif.override_rules(case["rules"], overrides), overrides, paths.reports != given,
                  schemas.read_table(schemas.CODINGS, paths.processed),
                  schemas.read_table(schemas.UNITS, paths.processed),
                  schemas.read_table(schemas.DOCUMENTS, paths.processed))


def overview(inputs: Inputs) -> pd.DataFrame:
    """One row per setting the analysis depends on: the indicator, its kind and codes, the coder, any what-if.

    The folders are in the parameters cell; they are not repeated here, because an executed notebook must
    not depend on where it was built (a build runs in staging folders with random names).
    """
    import pandas as pd

    rows = [("indicator", inputs.indicator.id), ("kind", inputs.indicator.kind),
            ("codes", ", ".join(c.id for c in inputs.indicator.codes)), ("primary coder", inputs.coder),
            ("language", inputs.language), ("what-if thresholds", whatif.label(inputs.overrides) or "none (the rules of case.yml)")]
    if inputs.redirected:  # a what-if run that would have overwritten other results: say where it writes
        rows.append(("outputs (what-if)", project_relative(inputs.paths.reports)))
    return pd.DataFrame(rows, columns=["setting", "value"])


def coded(inputs: Inputs) -> pd.DataFrame:
    """The primary coder's codings of the indicator (``indicators.coded``): what every count below is made of."""
    return indicators.coded(inputs.indicator, inputs.codings, inputs.units, inputs.documents, inputs.coder)


def codings_view(coded_rows: pd.DataFrame) -> pd.DataFrame:
    """The codings as a reviewer reads them: quote id, category, stance, who says it, the quote (shortened)."""
    shown = coded_rows[["excerpt_id", "code", "stance", "source_type", "speaker", "quote", "memo"]].copy()
    shown["quote"] = [q if len(q) <= QUOTE_SHOWN else q[:QUOTE_SHOWN - 1] + "…" for q in shown["quote"]]
    return shown.sort_values(["code", "stance", "excerpt_id"], kind="stable").reset_index(drop=True)


def stance_counts(coded_rows: pd.DataFrame) -> pd.DataFrame:
    """Codings per category and stance: how much of the evidence supports, contradicts or only gives context."""
    counts = coded_rows.pivot_table(index="code", columns="stance", values="excerpt_id", aggfunc="count",
                                    fill_value=0)
    for stance in ("supports", "contradicts", "context"):
        if stance not in counts.columns:
            counts[stance] = 0
    return counts[["supports", "contradicts", "context"]].astype(int).reset_index()


def rule_view(inputs: Inputs) -> pd.DataFrame:
    """The thresholds the verdict applies to this indicator, and where each comes from."""
    import pandas as pd

    applied = indicators.rule_for(inputs.indicator, inputs.rules)
    original = indicators.rule_for(inputs.indicator, inputs.case["rules"])
    rows = [(key, _text(value), "what-if" if key in inputs.overrides else "case.yml",
             _text(original.get(key)) if key in inputs.overrides else "")
            for key, value in applied.items()]
    return pd.DataFrame(rows, columns=["threshold", "value", "from", "case.yml value"])


def evaluate(inputs: Inputs, evidence: pd.DataFrame) -> indicators.Evaluation:
    """States and verdict under the rule (``indicators.evaluate``)."""
    return indicators.evaluate(inputs.indicator, evidence, inputs.rules)


def agree(evaluation: indicators.Evaluation, report: IndicatorReport) -> str:
    """Check that the steps shown reach the verdict and states of the chapter.

    Raises:
        AssertionError: if they differ (a bug: the notebook would show one thing and the chapter another).
    """
    mine = dict(zip(evaluation.table["code"], evaluation.table["state"]))
    theirs = {c["code"]: c["state"] for c in report.results["codes"]}
    if mine != theirs or evaluation.verdict != report.results["verdict"]:
        raise AssertionError(f"steps {evaluation.verdict} {mine} != report {report.results['verdict']} {theirs}")
    return f"The steps above agree with the chapter: verdict {evaluation.verdict or '(ranking)'}, " \
           f"{len(mine)} categories with the same states."


def show_table(report: IndicatorReport, kind: str, frame: pd.DataFrame) -> None:
    """Show one of the chapter's tables (``kind``: verdict, quotes, ...) with its caption and number placeholder."""
    spec = next(t for t in report.results["tables"] if t["id"] == f"{report.results['indicator']}-{kind}")
    table(frame, spec["id"], spec["caption"], report.results["language"])


def show_figure(report: IndicatorReport, kind: str) -> None:
    """Show one of the chapter's figures (``kind``: evidence, informants, timeline) if it was drawn."""
    from analysis.show import figure

    ident = f"{report.results['indicator']}-{kind}"
    spec = next((f for f in report.results["figures"] if f["id"] == ident), None)
    if spec is not None:  # a figure with nothing to draw is left out; the text says so
        figure(report.figure_files[ident][0], ident, spec["caption"])


def _text(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def results_overview(case_dir: str, reports_dir: str) -> pd.DataFrame:
    """Every indicator's results side by side (the conclusion notebook shows this before any wording).

    One row per indicator, in codebook order: kind, verdict (a ranking: its
    supported categories in rank order), the categories by state, whether
    the sensitivity check found the verdict fragile, and the thresholds of a
    what-if run.
    """
    import pandas as pd

    from analysis.chapter import load_results

    paths = CasePaths.from_dirs(in_project(case_dir), None, in_project(reports_dir))
    rows = []
    for r in load_results(paths):
        by_state = {s: ", ".join(c["code"] for c in r["codes"] if c["state"] == s) for s in indicators.STATES}
        rows.append({"indicator": r["indicator"], "kind": r["kind"],
                     "verdict": r["verdict"] or "ranking: " + " > ".join(r["ranking"]),
                     **by_state, "fragile": r["sensitivity"]["fragile"],
                     "what-if": whatif.label(r.get("what_if", {}))})
    return pd.DataFrame(rows)
