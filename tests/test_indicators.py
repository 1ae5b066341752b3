import pandas as pd

from analysis.indicators import KINDS, evaluate
from analysis.config import Code, Indicator


def ind(kind, required=(True, False)):
    codes = tuple(Code(f"C{i}", "x", {"en": f"c{i}"}, "", {}, required=r) for i, r in enumerate(required))
    return Indicator("x", kind, {"en": "X"}, codes)


def table(rows):
    return pd.DataFrame(rows, columns=["code", "label", "required", "units", "informants", "documents"])


RULES = {"default": {"min_informants": 2, "min_documents": 1},
         "ranking": {"min_informants": 2, "min_documents": 0, "min_supported": 1, "rank_by": ["informants", "units"]}}


def test_kinds_are_registered():
    assert {"criteria", "ranking"} <= set(KINDS)


def test_criteria_met_only_when_every_required_code_is_supported():
    t = table([["C0", "c0", True, 5, 2, 1], ["C1", "c1", False, 1, 1, 0]])
    out, met, rule = evaluate(ind("criteria"), t, RULES)
    assert met and list(out["supported"]) == [True, False] and rule["min_documents"] == 1
    t2 = table([["C0", "c0", True, 5, 2, 0], ["C1", "c1", False, 9, 9, 9]])
    assert not evaluate(ind("criteria"), t2, RULES)[1]


def test_ranking_orders_by_informants_then_units_and_drops_unsupported():
    t = table([["C0", "a", False, 3, 2, 0], ["C1", "b", False, 9, 4, 0], ["C2", "c", False, 5, 2, 0],
               ["C3", "d", False, 9, 1, 5]])
    out, met, _ = evaluate(ind("ranking", (False,) * 4), t, RULES)
    assert met
    assert list(out["code"]) == ["C1", "C2", "C0", "C3"]
    assert list(out["rank"]) == [1, 2, 3, 0]


def test_input_table_is_not_mutated():
    t = table([["C0", "c0", True, 5, 2, 1], ["C1", "c1", False, 1, 1, 0]])
    before = t.copy()
    evaluate(ind("criteria"), t, RULES)
    pd.testing.assert_frame_equal(t, before)
