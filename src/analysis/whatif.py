"""What-if runs: the verdict rules' thresholds changed for one run, without touching ``case.yml``.

A reviewer asks "and with three informants?": ``make what-if
THRESHOLDS=min_informants=3`` (or ``python -m analysis build --threshold
min_informants=3``, or the ``thresholds`` parameter of the indicator notebook)
rebuilds the chapter with that threshold in every rule, into its own folder
(``what-if/min_informants=3/`` unless told otherwise), never over the
chapter of the case. The results, the chapter's first page and the manifest
say which thresholds were changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.errors import AnalysisError

THRESHOLDS = ("min_informants", "min_documents", "min_contradicting")  # the numeric keys of a rule
WHAT_IF_DIR = Path("what-if")


def parse_thresholds(items: Iterable[str]) -> dict[str, int]:
    """Read ``key=value`` pairs (command line, make) into checked threshold overrides.

    Raises:
        AnalysisError: for a malformed pair, an unknown key or a value that is not a whole number >= 0.
    """
    out: dict[str, Any] = {}
    for item in items:
        for pair in item.replace(",", " ").split():
            key, sep, value = pair.partition("=")
            if not sep:
                raise AnalysisError(f"expected key=value, found {pair!r}", field="--threshold",
                                    hint=f"e.g. --threshold min_informants=3 (keys: {', '.join(THRESHOLDS)})")
            out[key.strip()] = int(value) if value.strip().isdigit() else value.strip()
    return check_thresholds(out)


def check_thresholds(overrides: Mapping[str, Any]) -> dict[str, int]:
    """Check threshold overrides (a notebook parameter, or parsed from the command line).

    Raises:
        AnalysisError: naming the key that is unknown or whose value is not a whole number >= 0.
    """
    if not isinstance(overrides, Mapping):
        raise AnalysisError(f"thresholds must be a mapping such as {{'min_informants': 3}}, "
                            f"got {type(overrides).__name__}", field="thresholds")
    for key, value in overrides.items():
        if key not in THRESHOLDS:
            raise AnalysisError(f"unknown threshold {key!r}; valid values: {', '.join(THRESHOLDS)}",
                                field="thresholds")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise AnalysisError(f"threshold {key} must be a whole number >= 0, got {value!r}", field="thresholds")
    return {key: int(overrides[key]) for key in THRESHOLDS if key in overrides}


def override_rules(rules: Mapping[str, Any], overrides: Mapping[str, int]) -> dict[str, Any]:
    """The case's rules with every rule (the default and each kind's) given the overridden thresholds."""
    if not overrides:
        return dict(rules)
    return {name: {**rule, **overrides} for name, rule in {"default": {}, **rules}.items()}


def label(overrides: Mapping[str, int]) -> str:
    """A short name of the overrides, used as the default output folder: ``min_informants=3,min_documents=0``."""
    return ",".join(f"{key}={value}" for key, value in overrides.items())


def output_dir(overrides: Mapping[str, int]) -> Path:
    """Where a what-if build goes when no output folder is given: ``what-if/<label>``."""
    return WHAT_IF_DIR / label(overrides)


def overrides_of(results: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The threshold overrides a build ran with, from its results (empty for the case's own rules)."""
    for r in results:
        if r.get("what_if"):
            return dict(r["what_if"])
    return {}


def read_results(results_dir: Path) -> list[dict[str, Any]]:
    """The results files present in a folder (none is an error here: the steps that need them say so)."""
    import json

    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(results_dir).glob("*.json"))]


def what_if_entry(results_dir: Path) -> dict[str, Any]:
    """The manifest's ``what_if`` entry (the overridden thresholds), or nothing for a build with the case's rules."""
    overrides = overrides_of(read_results(results_dir))
    return {"what_if": {"thresholds": overrides, "note": NOTICE["en"].format(changes=label(overrides))}} \
        if overrides else {}


# The first lines of a what-if chapter, in the chapter's language.
NOTICE = {
    "en": "What-if run: the verdict thresholds of case.yml were overridden ({changes}). These are not the "
          "findings of the case.",
    "id": "Uji andaikan (what-if): ambang aturan putusan dalam case.yml diganti ({changes}). Ini bukan temuan "
          "kasus ini.",
}


def notice(results: Iterable[Mapping[str, Any]], language: str) -> str:
    """The warning a what-if chapter opens with, or ``""`` for a chapter built with the case's rules."""
    overrides = overrides_of(results)
    if not overrides:
        return ""
    return f"> **{NOTICE.get(language, NOTICE['en']).format(changes=label(overrides))}**"


def reports_for(reports: Path, indicator_id: str, overrides: Mapping[str, int]) -> Path:
    """Where a notebook run writes: ``reports``, unless a what-if run would overwrite other results there.

    A reviewer who sets ``thresholds`` in an executed notebook and runs it
    again must not replace the case's results (nor those of another what-if
    run) with what-if ones: such a run goes to ``what-if/<label>/reports`` in
    the project instead. A folder holding no results of the indicator, or
    results of the same what-if run, is used as given (a what-if build).
    """
    from analysis.paths import PROJECT_DIR

    if not overrides:
        return reports
    existing = Path(reports) / "results" / f"{indicator_id}.json"
    if existing.is_file():
        import json

        if json.loads(existing.read_text(encoding="utf-8")).get("what_if") != dict(overrides):
            return PROJECT_DIR / output_dir(overrides) / "reports"
    return reports
