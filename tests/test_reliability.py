"""Reliability statistics against reference implementations, a published example and hand computation."""

import math

import krippendorff  # test-only reference implementation (pinned in requirements)
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis import chapter, reliability, schemas
from analysis.coding import reliability_tables
from analysis.config import Code, Codebook, Indicator, load_case
from analysis.prepare import prepare

NAN = float("nan")

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication,
# University of Pennsylvania, section C ("Nominal data, any number of observers, missing data"):
# four observers, twelve units; the published nominal alpha is 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def _reference(data) -> float:
    numeric = np.array([[NAN if v is None else float(v) for v in row] for row in data])
    return float(krippendorff.alpha(reliability_data=numeric, level_of_measurement="nominal"))


def test_published_worked_example_reproduces_its_published_value():
    value = reliability.alpha(KRIPPENDORFF_2011)
    assert round(value, 3) == 0.743
    # unit 12 is coded once only: unpairable, so dropping it changes nothing
    assert reliability.alpha([row[:11] for row in KRIPPENDORFF_2011]) == pytest.approx(value, abs=1e-12)


def test_three_coders_with_missing_data_equal_the_reference_implementation():
    data = [[1, 1, 2, None, 3, 2, 1, None],
            [1, 2, 2, 3, None, 2, None, 1],
            [None, 2, 2, 3, 3, 1, 1, None]]
    assert reliability.alpha(data) == pytest.approx(_reference(data), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=3, max_size=3), min_size=2, max_size=25))
def test_alpha_equals_the_reference_on_random_three_coder_data(units):
    data = [list(col) for col in zip(*units)]  # coders x units
    counts = [sum(v is not None for v in unit) for unit in units]
    pairable = {v for unit, m in zip(units, counts) if m >= 2 for v in unit if v is not None}
    assume(len(pairable) >= 2)  # alpha is defined only when the pairable values vary
    assert reliability.alpha(data) == pytest.approx(_reference(data), abs=1e-9)


def _kappa_by_definition(a, b) -> float:
    """Cohen (1960): observed agreement against the agreement expected from each coder's own marginals."""
    n = len(a)
    categories = set(a) | set(b)
    observed = sum(x == y for x, y in zip(a, b)) / n
    expected = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in categories)
    return (observed - expected) / (1 - expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("xyz"), st.sampled_from("xyz")), min_size=1, max_size=40))
def test_cohen_kappa_equals_the_textbook_formula_on_random_data(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    assume(not (len(set(a)) == 1 and set(a) == set(b)))  # both constant and equal: undefined
    assert reliability.cohen_kappa(np.array(a), np.array(b)) == pytest.approx(_kappa_by_definition(a, b), abs=1e-9)


def test_pairwise_kappa_uses_the_units_both_coders_coded():
    data = [[1, 0, 1, None], [1, 0, None, 1], [0, 0, 1, 1]]
    out = reliability.pairwise_kappa(data)
    assert out[(0, 1)] == (2, pytest.approx(1.0))
    assert out[(0, 2)][0] == 3 and out[(1, 2)][0] == 3
    assert out[(0, 2)][1] == pytest.approx(_kappa_by_definition([1, 0, 1], [0, 0, 1]))


def test_fleiss_kappa_hand_computed_and_undefined_on_unequal_coder_counts():
    # units (3 coders, 2 categories) with counts [3,0] [2,1] [0,3] [1,2]: P-bar = 2/3, Pe = 1/2 -> 1/3
    data = [[0, 0, 1, 0], [0, 0, 1, 1], [0, 1, 1, 1]]
    assert reliability.fleiss_kappa(data) == pytest.approx(1 / 3)
    assert math.isnan(reliability.fleiss_kappa([[0, 0, 1], [0, 1, None], [1, 1, 1]]))


def test_percent_agreement_counts_pairable_units_all_coders_agree_on():
    assert reliability.percent_agreement([[1, 1, 2, 1], [1, 2, 2, None], [1, None, 2, None]]) == (3, 2)


def test_no_variation_is_undefined_with_no_interval():
    row = reliability.many_row(np.array([[False] * 6, [False] * 6, [False] * 3 + [None] * 3], dtype=object))
    assert row["units"] == 6 and row["agree"] == 6 and row["coders"] == 3
    assert all(math.isnan(row[c]) for c in ("krippendorff_alpha", "ci_low", "ci_high", "fleiss_kappa"))
    pair = reliability.pair_row(np.zeros(5, dtype=bool), np.zeros(5, dtype=bool))
    assert all(math.isnan(pair[c]) for c in ("cohen_kappa", "krippendorff_alpha", "kappa_ci_low", "ci_low"))


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 60)
    b = np.where(rng.random(60) < 0.8, a, 1 - a)
    one, two = reliability.pair_row(a, b), reliability.pair_row(a, b)
    assert pd.Series(one).to_json() == pd.Series(two).to_json()
    assert one["ci_low"] < one["krippendorff_alpha"] < one["ci_high"]
    assert one["kappa_ci_low"] < one["cohen_kappa"] < one["kappa_ci_high"]
    # a different seed gives a (slightly) different interval: the seed is what makes it repeatable
    contributions = reliability.alpha_contributions(reliability.unit_counts(*reliability.encode([a, b])))
    assert reliability.bootstrap_ci(contributions, reliability.alpha_from_totals) == (one["ci_low"], one["ci_high"])
    assert reliability.bootstrap_ci(contributions, reliability.alpha_from_totals, seed=2) != (one["ci_low"],
                                                                                              one["ci_high"])


def test_whole_clusters_are_resampled():
    # two clusters only: every resample draws them whole; a quarter draw the disagreeing cluster twice,
    # so the lower bound is the alpha of that cluster doubled, and a quarter the agreeing one twice (alpha 1)
    a = np.array([1, 1, 0, 0, 1, 0])
    b = np.array([1, 1, 0, 0, 0, 1])
    low, high = reliability.bootstrap_ci(reliability.alpha_contributions(reliability.unit_counts(
        *reliability.encode([a, b]))), reliability.alpha_from_totals, clusters=np.array([0, 0, 0, 0, 1, 1]))
    assert low == pytest.approx(reliability.alpha([np.tile(a[4:], 2), np.tile(b[4:], 2)]), abs=1e-12)
    assert high == pytest.approx(1.0)


# --- the reliability table: all coders, intervals, byte-identical ---------------------------------------

CODEBOOK = Codebook((Indicator("ind", "default", {"en": "Ind"}, (Code("X", "ind", {}, "", {}),
                                                                     Code("Y", "ind", {}, "", {}),
                                                                     Code("Z", "ind", {}, "", {}))),))


def _units():
    ids = [f"T{s}-{i}" for s in (1, 2, 3) for i in range(1, 5)]
    return pd.DataFrame({"unit_id": ids, "source_id": [u.split("-")[0] for u in ids],
                         "speaker_role": ["informant"] * len(ids), "speaker": ["P1"] * len(ids),
                         "doc_type": ["interview"] * len(ids), "text": [f"text of {u}" for u in ids]})


def _coded(*rows):
    return pd.DataFrame([{"coder": c, "code": code, "unit_id": u, "source_id": u.split("-")[0], "stance": "supports",
                          "quote": f"{c} on {u}", "memo": ""} for c, code, u in rows])


CODINGS = _coded(("A", "X", "T1-1"), ("A", "X", "T1-2"), ("A", "Y", "T2-1"), ("A", "X", "T3-1"),
                 ("B", "X", "T1-1"), ("B", "Y", "T1-3"),  # B coded T1
                 ("C", "X", "T1-1"), ("C", "X", "T1-2"), ("C", "Y", "T2-2"))  # C coded T1 and T2


def test_all_coders_rows_give_alpha_over_every_coder_with_missing_data():
    rel, _ = reliability_tables(CODINGS, _units(), CODEBOOK, "A")
    r = rel.set_index(["comparison", "code"])
    x = r.loc[("all coders", "X")]
    # T1 and T2 are coded by two or more coders; T3 by A alone is left out. B is missing on T2.
    data = [[1, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0] + [None] * 4, [1, 1, 0, 0, 0, 0, 0, 0]]
    assert (x["units"], x["coders"]) == (8, 3)
    assert x["krippendorff_alpha"] == pytest.approx(_reference(data), abs=1e-9)
    assert math.isnan(x["cohen_kappa"]) and math.isnan(x["fleiss_kappa"])  # 3 coders on T1, 2 on T2
    assert x["ci_low"] <= x["krippendorff_alpha"] <= x["ci_high"]
    # Z: no coder used it anywhere: undefined, not a misleading 1.00
    z = r.loc[("all coders", "Z")]
    assert z["percent_agreement"] == 1.0 and math.isnan(z["krippendorff_alpha"]) and math.isnan(z["ci_low"])
    overall = r.loc[("all coders", "(overall)")]
    assert overall["units"] == 24 and overall["coders"] == 3
    # every pair of coders, the existing pairwise rows unchanged in name
    assert {"A vs B", "A vs C", "B vs C"} <= set(rel["comparison"])


def test_two_builds_give_byte_identical_intervals():
    one = reliability_tables(CODINGS, _units(), CODEBOOK, "A")[0]
    two = reliability_tables(CODINGS, _units(), CODEBOOK, "A")[0]
    assert one.to_csv(index=False).encode() == two.to_csv(index=False).encode()
    assert one[["ci_low", "ci_high"]].notna().any().all()


# --- the disagreement listing for the coders' reconciliation meeting ---------------------------------------

def _listing_units():
    units = _units()
    return units.assign(text=[f"text of {u} " + "word " * (150 if u == "T1-3" else 3) for u in units["unit_id"]])


def _listing_codings(*rows):
    """(coder, code, unit, stance, quote, memo) -> codings with the columns the listing reads."""
    return pd.DataFrame([{"coder": c, "code": code, "unit_id": u, "source_id": u.split("-")[0], "stance": st,
                          "quote": q, "memo": m, "start": i} for i, (c, code, u, st, q, m) in enumerate(rows)])


def test_disagreement_rows_list_who_applied_what_with_quotes_stances_and_memos():
    codings = _listing_codings(
        ("A", "X", "T1-1", "supports", "a first", "memo a"), ("A", "X", "T1-1", "supports", "a second", ""),
        ("B", "X", "T1-1", "supports", "b only", ""),  # same code, same stance: agreement, not listed
        ("A", "Y", "T1-2", "supports", "a on Y", ""), ("B", "Y", "T1-2", "contradicts", "b on Y", "not so"),
        ("B", "Z", "T1-3", "context", "b on Z", "plan only"),
        ("A", "X", "T2-1", "supports", "outside the sample", ""))
    units = _listing_units()
    sample = units[units["source_id"] == "T1"]
    rows = reliability.disagreement_rows("A", "B", codings[codings["coder"] == "A"], codings[codings["coder"] == "B"],
                                         sample, ["X", "Y", "Z"])
    assert [(r["unit_id"], r["code"], r["kind"], r["applied_by"]) for r in rows] == [
        ("T1-2", "Y", "stance", "A and B"), ("T1-3", "Z", "only second", "B")]
    stance, only = rows
    assert (stance["stance_1"], stance["stance_2"], stance["memo_2"]) == ("supports", "contradicts", "not so")
    assert (only["quote_1"], only["stance_1"], only["quote_2"], only["memo_2"]) == ("", "", "b on Z", "plan only")
    assert only["source_id"] == "T1" and only["comparison"] == "A vs B" and only["coder_2"] == "B"
    # a long unit is cut at a word boundary, a short one is given whole
    assert only["excerpt"].endswith(" …") and len(only["excerpt"]) <= reliability.EXCERPT_CHARS + 2
    assert stance["excerpt"] == units.set_index("unit_id").at["T1-2", "text"]
    # one coder's several quotes of one code in one unit are joined in reading order
    first_only = reliability.disagreement_rows("A", "B", codings[codings["coder"] == "A"],
                                               codings.iloc[0:0], sample, ["X", "Y", "Z"])
    assert first_only[0]["quote_1"] == "a first | a second" and first_only[0]["memo_1"] == "memo a"


def test_disagreement_table_and_its_appendix_counts():
    codings = _listing_codings(("A", "X", "T1-1", "supports", "q", ""), ("B", "Y", "T1-1", "supports", "q", ""),
                               ("B", "X", "T1-2", "supports", "q", ""), ("A", "X", "T1-2", "context", "q", ""),
                               ("C", "Z", "T2-1", "supports", "q", ""), ("A", "Z", "T2-1", "supports", "q", ""))
    rel, dis = reliability_tables(codings, _listing_units(), CODEBOOK, "A")
    assert list(dis.columns) == list(schemas.DISAGREEMENTS.columns)
    summary = reliability.disagreement_counts(dis, rel)
    assert summary["rows"] == [
        {"comparison": "A vs B", "code": "X", "only_first": 1, "only_second": 0, "stance": 1, "total": 2},
        {"comparison": "A vs B", "code": "Y", "only_first": 0, "only_second": 1, "stance": 0, "total": 1}]
    # A and C share T2, where they agree; B and C share no source, so they are no pair
    assert summary["agreeing"] == ["A vs C"]


def test_prepare_writes_the_listing_and_the_appendix_counts_it(mini_case):
    # a third coder: on T2 they code money as mere context (A: supports) and leave out A's agreement quote
    (mini_case.codings / "coder-C.csv").write_text(
        "source_id,code,quote,occurrence,coder,memo,stance\n"
        "T2,MONEY,had no budget,1,C,a wish for later,context\n"
        "T2,DISTANCE,the distance is a problem,1,C,,\n", encoding="utf-8")
    tables = prepare(mini_case)
    dis = tables["disagreements"]
    listed = dis[dis["comparison"] == "A vs C"].set_index("code")
    assert list(listed.index) == ["AGREEMENT", "MONEY"]
    assert (listed.at["AGREEMENT", "kind"], listed.at["AGREEMENT", "applied_by"]) == ("only first", "A")
    assert listed.at["AGREEMENT", "quote_1"] == "Person-1 signed the agreement"  # the pseudonymised quote
    assert (listed.at["MONEY", "stance_1"], listed.at["MONEY", "stance_2"]) == ("supports", "context")
    assert listed.at["MONEY", "memo_2"] == "a wish for later"
    csv_text = (mini_case.processed / "disagreements.csv").read_text(encoding="utf-8")
    assert "Person-1 signed the agreement with them" in csv_text  # the unit excerpt
    assert not any(name in csv_text for name in ("Moreau", "Bruno", "Tanaka", "Alice"))
    appendix = chapter.appendix(mini_case, load_case(mini_case.case_config), 4, 5)
    assert "| A vs C | AGREEMENT | 1 | 0 | 0 | 1 |" in appendix and "| A vs C | MONEY | 0 | 0 | 1 | 1 |" in appendix
    assert "| B vs C | MONEY | 0 | 0 | 1 | 1 |" in appendix  # B: supports, C: context
    assert "No disagreement: A vs B." in appendix and "`disagreements.csv`" in appendix
    # COUNCIL: nobody coded it in T2, so its alpha is undefined: a dash and a sentence naming it
    assert "| A vs B | COUNCIL | 2 | 2 | 2 | 1.00 | — | — |" in appendix
    assert "Undefined here: A vs B: COUNCIL;" in appendix and "it is not perfect agreement" in appendix
