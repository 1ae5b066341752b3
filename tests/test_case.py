"""The typed case model (``analysis.case``) and the typed results files (``analysis.results``)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from analysis.case import Case, CaseSettings
from analysis.errors import AnalysisError
from analysis.paths import CasePaths
from analysis.results import ConclusionResults, IndicatorResults


def test_case_loads_settings_codebook_and_key_once(mini_case: CasePaths) -> None:
    case = Case.load(mini_case)
    assert case.settings.id == "mini"
    assert case.settings.language == "en"
    assert case.settings.primary_coder == "A"
    assert case.settings.illustrative is True
    assert case.settings.chapter.number == 4
    assert case.settings.chapter.table_label == "Table"
    assert case.settings.rules["ranking"]["rank_by"] == ["informants", "units"]
    assert [i.id for i in case.codebook.indicators]  # the codebook is the loader's
    assert case.identities, "the mini case has a key"
    # The pseudonymiser is built from that key: each first name becomes its pseudonym.
    ident = case.identities[0]
    assert ident.names[0] not in case.pseudonymise(f"said {ident.names[0]} today")
    assert ident.pseudonym in case.pseudonymise(f"said {ident.names[0]} today")


def test_settings_are_read_only(mini_case: CasePaths) -> None:
    settings = CaseSettings.load(mini_case.case_config)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.language = "id"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.rules["default"]["min_informants"] = 0  # type: ignore[index]
    # The accessor for templates is a copy: changing it changes nothing in the model.
    copy = settings.as_dict()
    copy["language"] = "id"
    assert settings.language == "en" and settings.raw["language"] == "en"


def test_primary_coder_defaults_to_a(mini_case: CasePaths) -> None:
    config = mini_case.case_config
    config.write_text(config.read_text(encoding="utf-8").replace("primary_coder: A\n", ""), encoding="utf-8")
    assert CaseSettings.load(config).primary_coder == "A"


def test_a_missing_key_file_is_an_error_unless_optional(mini_case: CasePaths) -> None:
    shutil.rmtree(mini_case.case / "private")
    with pytest.raises(AnalysisError, match="file not found"):
        Case.load(mini_case)
    case = Case.load(mini_case, key="optional")
    assert case.identities == ()
    assert case.pseudonymise("any text") == "any text"
    with pytest.raises(ValueError):
        Case.load(mini_case, key="maybe")


def test_settings_errors_come_first(mini_case: CasePaths) -> None:
    """Settings, then codebook, then key: the order the stages always reported problems in."""
    mini_case.codebook.write_text("indicators: [\n", encoding="utf-8")
    mini_case.case_config.write_text("id: x\nlanguag: en\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="case.yml"):
        Case.load(mini_case)


def _results(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "results" / "x.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_indicator_results_round_trip(tmp_path: Path) -> None:
    data = {"indicator": "x", "kind": "criteria", "verdict": "met", "codes": [{"code": "a"}],
            "label": "X", "totals": {"units": 3}, "extra": [1]}
    results = IndicatorResults.from_json(_results(tmp_path, data))
    assert results.indicator == "x" and results.verdict == "met" and results.totals == {"units": 3}
    assert results.quotes == []  # a key an older build did not write
    assert results.to_json() == {**data, **{k: v for k, v in results.to_json().items() if k not in data}}
    assert results.to_json()["extra"] == [1]  # unknown keys are carried, not dropped


@pytest.mark.parametrize("text", ['{"indicator": "x"', "[1, 2]", '{"indicator": "x", "kind": "criteria"}'])
def test_a_damaged_results_file_is_named(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnalysisError, match="not a results file") as err:
        IndicatorResults.from_json(path)
    assert err.value.path == str(path)


def test_conclusion_results(tmp_path: Path) -> None:
    path = _results(tmp_path, {"language": "en", "markdown": "# C", "indicators": ["a", "b"],
                               "verdicts": ["met", None]})
    conclusion = ConclusionResults.from_json(path)
    assert conclusion.indicators == ["a", "b"] and conclusion.verdicts == ["met", None]
    with pytest.raises(AnalysisError, match="results file missing"):
        ConclusionResults.from_json(tmp_path / "none.json")
