import math

import numpy as np
import pandas as pd
import pytest

from analysis import schemas
from analysis.coding import (
    _presence,
    agreement,
    cohen_kappa,
    cooccurrence,
    find_spans,
    frequencies,
    informant_codes,
    krippendorff_alpha_nominal,
    read_codings,
    reliability_tables,
)
from analysis.config import Code, Codebook, Indicator
from analysis.errors import AnalysisError
from analysis.prepare import prepare

A = np.array([1, 1, 0, 0, 1, 0, 1, 0, 0, 0])
B = np.array([1, 0, 0, 0, 1, 0, 1, 1, 0, 0])


def test_cohen_kappa_hand_computed():
    # po = 0.8; pe = 0.4*0.4 + 0.6*0.6 = 0.52; kappa = 0.28 / 0.48
    assert cohen_kappa(A, B) == pytest.approx(0.28 / 0.48)


def test_krippendorff_alpha_hand_computed():
    # n = 20 values (8 ones, 12 zeros); 2 disagreeing units give 4 off-diagonal coincidences
    # alpha = 1 - (n - 1) * 4 / (n^2 - 8^2 - 12^2) = 1 - 76 / 192
    assert krippendorff_alpha_nominal(A, B) == pytest.approx(1 - 76 / 192)


def test_three_categories_alpha_and_kappa():
    a, b = np.array(["x", "y", "z", "x"]), np.array(["x", "y", "x", "x"])
    # kappa: po = .75, pe = .75*.5+.25*.25+0 = .4375 -> (.75-.4375)/.5625
    assert cohen_kappa(a, b) == pytest.approx(0.3125 / 0.5625)
    # alpha: n = 8, counts x5 y2 z1 -> 64 - 30 = 34; 1 - 7*2/34
    assert krippendorff_alpha_nominal(a, b) == pytest.approx(1 - 14 / 34)


def test_perfect_constant_agreement_is_undefined_not_one():
    out = agreement(np.zeros(5), np.zeros(5))
    assert out["percent_agreement"] == 1.0 and math.isnan(out["cohen_kappa"]) and math.isnan(out["krippendorff_alpha"])


def test_mini_case_codings_anchor_and_reliability(prepared_mini):
    tables = prepared_mini.tables
    c = tables["codings"]
    texts = dict(zip(tables["sources"]["source_id"], tables["sources"]["text"]))
    for row in c.itertuples():
        assert texts[row.source_id][row.start:row.end] == row.quote
    # a raw name in a quote is pseudonymised before it is anchored
    assert "Person-1 signed the agreement" in set(c["quote"])
    rel = tables["reliability"].query("comparison == 'A vs B'").set_index("code")
    assert rel.loc["(overall)", "units"] == 8  # 2 informant turns of T2 x 4 codes


def _append(case, line):
    with open(case.codings / "coder-A.csv", "a", encoding="utf-8") as f:
        f.write(line + "\n")


@pytest.mark.parametrize("line, message", [
    ("T1,MONEY,a quote that is nowhere,1,A,", "quote not found"),
    ("T1,NOPE,The agreement was signed in 2016,1,A,", "not in the codebook"),
    ("T9,MONEY,whatever,1,A,", "unknown source"),
    ("T1,MONEY,the,,A,", "ambiguous"),
    ("T1,MONEY,The agreement was signed in 2016,5,A,", "occurrence 5"),
    ("T1,MONEY,honestly. How did,1,A,", "not found"),
])
def test_bad_codings_name_file_and_row(mini_case, line, message):
    _append(mini_case, line)
    with pytest.raises(AnalysisError) as err:
        prepare(mini_case)
    assert message in str(err.value)
    assert "coder-A.csv:11" in str(err.value)


def test_edited_transcript_breaks_its_coding(mini_case):
    t1 = mini_case.interviews / "T1.md"
    t1.write_text(t1.read_text().replace("never enough money", "not enough money"))
    with pytest.raises(AnalysisError, match=r"coder-A.csv:4.*quote not found"):
        prepare(mini_case)


def test_prepare_is_byte_identical_on_rebuild(mini_case, tmp_path):
    prepare(mini_case)
    first = {p.name: p.read_bytes() for p in mini_case.processed.iterdir()}
    prepare(mini_case)
    assert first == {p.name: p.read_bytes() for p in mini_case.processed.iterdir()}


def test_codings_table_is_sorted_and_typed(prepared_mini):
    c = prepared_mini.tables["codings"]
    assert list(c.columns) == list(schemas.CODINGS.columns) and list(c.index) == list(range(len(c)))
    assert list(c.sort_values(["source_id", "start", "end", "code", "coder"])["excerpt_id"]) == list(c["excerpt_id"])
    assert pd.api.types.is_integer_dtype(c["start"])


def test_stance_agreement_compares_only_pairs_both_coders_coded():
    from analysis.coding import stance_agreement

    rows = [("u1", "C", "A", "supports"), ("u1", "C", "B", "supports"),
            ("u2", "C", "A", "contradicts"), ("u2", "C", "B", "supports"),
            ("u3", "C", "A", "supports"), ("u3", "C", "A", "contradicts"), ("u3", "C", "B", "contradicts"),
            ("u4", "C", "A", "context"),  # only A: not compared
            ("u5", "D", "B", "context")]  # only B: not compared
    codings = pd.DataFrame(rows, columns=["unit_id", "code", "coder", "stance"])
    [row] = stance_agreement(codings, "A")
    assert row["comparison"] == "A vs B (stance)" and row["code"] == "(overall)"
    assert (row["units"], row["agree"]) == (3, 1)  # u3: A's "contradicts+supports" is not B's "contradicts"
    assert stance_agreement(codings[codings["coder"] == "A"], "A") == []


# --- read_codings: stance, caveat, memo (small files of their own) ---------------------------------

HEADER = "source_id,code,quote,occurrence,coder,memo,stance\n"


def _codings(tmp_path, body, header=HEADER):
    folder = tmp_path / "codings"
    folder.mkdir(exist_ok=True)
    (folder / "c.csv").write_text(header + body, encoding="utf-8")
    return read_codings(folder)


def test_stance_defaults_to_supports_and_explicit_ones_are_marked(tmp_path):
    c = _codings(tmp_path, "T1,X,a,1,A,,\nT1,X,b,1,A,,Contradicts\nT1,X,c,1,A,, context \nT1,X,d,1,A,,supports\n")
    assert list(c["stance"]) == ["supports", "contradicts", "context", "supports"]
    assert list(c["stance_explicit"]) == [False, True, True, True]


def test_a_codings_file_without_a_stance_column_means_supports(tmp_path):
    c = _codings(tmp_path, "T1,X,a,1,A,\n", header="source_id,code,quote,occurrence,coder,memo\n")
    assert list(c["stance"]) == ["supports"] and list(c["stance_explicit"]) == [False]


def test_an_unknown_stance_names_file_row_and_the_valid_values(tmp_path):
    with pytest.raises(AnalysisError) as err:
        _codings(tmp_path, "T1,X,a,1,A,,\nT1,X,b,1,A,,refutes\n")
    assert "c.csv:3" in str(err.value) and "unknown stance 'refutes'" in str(err.value)
    assert "supports, contradicts, context" in str(err.value)


def test_a_long_unknown_stance_is_shortened_in_the_message(tmp_path):
    at_limit, over = "s" * 40, "t" * 41
    with pytest.raises(AnalysisError, match=f"unknown stance '{at_limit}';"):
        _codings(tmp_path, f"T1,X,a,1,A,,{at_limit}\n")
    with pytest.raises(AnalysisError, match=f"unknown stance '{over[:40]}…';"):
        _codings(tmp_path, f"T1,X,a,1,A,,{over}\n")


def test_memos_are_kept_stripped_and_a_caveat_memo_is_flagged(tmp_path):
    c = _codings(tmp_path, "T1,X,a,1,A,  only in the north  ,\nT1,X,b,1,A,Caveat: one village only,\n"
                           "T1,X,c,1,A,not a caveat: see above,\nT1,X,d,1,A,,\n")
    assert list(c["memo"]) == ["only in the north", "Caveat: one village only", "not a caveat: see above", ""]
    assert list(c["caveat"]) == [False, True, False, False]


def test_occurrence_must_be_a_whole_number_from_one(tmp_path):
    assert list(_codings(tmp_path, "T1,X,a,1,A,,\nT1,X,b,,A,,\n")["occurrence"]) == [1, 0]
    for bad in ("0", "-1", "1.5", "first"):
        with pytest.raises(AnalysisError, match=r"c.csv:2.*occurrence must be a whole number"):
            _codings(tmp_path, f"T1,X,a,{bad},A,,\n")


# --- reliability: which coder is compared with whom, on which units --------------------------------


def _units():
    rows = [("T1-0", "T1", "interviewer"), ("T1-1", "T1", "informant"), ("T1-2", "T1", "informant"),
            ("T1-3", "T1", "informant"), ("T2-1", "T2", "informant"), ("T2-2", "T2", "informant")]
    return pd.DataFrame({"unit_id": [r[0] for r in rows], "source_id": [r[1] for r in rows],
                         "speaker_role": [r[2] for r in rows],
                         "speaker": ["Interviewer", "P1", "P2", "P1", "P1", "P2"],
                         "doc_type": ["interview"] * 6, "text": [f"words of {r[0]}" for r in rows]})


def _coded(*rows):
    """Codings as (coder, code, unit[, stance]); the stance defaults to supports; quote and memo name the coder."""
    return pd.DataFrame([{"coder": r[0], "code": r[1], "unit_id": r[2], "source_id": r[2].split("-")[0],
                          "stance": r[3] if len(r) > 3 else "supports", "quote": f"{r[0]} quotes {r[2]}",
                          "memo": f"memo of {r[0]}"} for r in rows])


CODEBOOK = Codebook((Indicator("ind", "default", {"en": "Ind"}, (Code("X", "ind", {}, "", {}),
                                                                     Code("Y", "ind", {}, "", {}))),))


def test_reliability_compares_the_primary_coder_with_each_other_coder_on_their_sources():
    codings = _coded(("A", "X", "T1-1"), ("A", "X", "T1-2"), ("A", "Y", "T2-1"), ("A", "X", "T1-0"),
                     ("B", "X", "T1-1"),  # B coded T1 only
                     ("C", "X", "T1-1"), ("C", "X", "T1-2", "contradicts"), ("C", "Y", "T2-2"))
    rel, dis = reliability_tables(codings, _units(), CODEBOOK, "A")
    # never a coder with itself; every pair that shares a source, and all coders at once
    assert sorted(set(rel["comparison"])) == ["A vs B", "A vs B (stance)", "A vs C", "A vs C (stance)", "B vs C",
                                              "all coders"]
    r = rel.set_index(["comparison", "code"])
    # stance: over the unit-code pairs both coded (B: T1-1 X; C: T1-1 X and T1-2 X, where C contradicts)
    stance = r.xs("(overall)", level="code")
    assert stance.loc[["A vs B (stance)", "A vs C (stance)"], ["units", "agree"]].to_numpy().tolist() == [[1, 1], [2, 1]]
    # A vs B: the codable units of T1 only (the interviewer turn is left out): 3 units per code
    assert (r.loc[("A vs B", "X"), "units"], r.loc[("A vs B", "X"), "agree"]) == (3, 2)
    assert (r.loc[("A vs B", "(overall)"), "units"], r.loc[("A vs B", "(overall)"), "agree"]) == (6, 5)
    # A vs C: T1 and T2, 5 units per code; they agree on X and disagree on two units of Y
    assert (r.loc[("A vs C", "X"), "agree"], r.loc[("A vs C", "Y"), "agree"]) == (5, 3)
    assert r.loc[("A vs C", "X"), "cohen_kappa"] == pytest.approx(1.0)
    # disagreements: who applied the code where the other did not, and a stance the pair differ on
    assert dis[["comparison", "unit_id", "code", "kind", "applied_by"]].to_numpy().tolist() == [
        ["A vs B", "T1-2", "X", "only first", "A"],
        ["A vs C", "T1-2", "X", "stance", "A and C"], ["A vs C", "T2-1", "Y", "only first", "A"],
        ["A vs C", "T2-2", "Y", "only second", "C"],
        ["B vs C", "T1-2", "X", "only second", "C"]]


def test_the_auto_coder_is_compared_on_every_codable_unit_only_when_given():
    codings = _coded(("A", "X", "T1-1"))
    auto = _coded(("auto", "X", "T1-1"), ("auto", "Y", "T2-2"))
    rel, dis = reliability_tables(codings, _units(), CODEBOOK, "A", auto=auto)
    overall = rel.set_index(["comparison", "code"]).loc[("A vs auto", "(overall)")]
    assert (overall["units"], overall["agree"]) == (10, 9)
    assert dis.empty  # the auto-coder's differences are listed in possible_misses, not for a coders' meeting
    assert reliability_tables(codings, _units(), CODEBOOK, "A")[0].empty


# --- the primary coder's summary tables --------------------------------------------------------------


def test_summary_tables_count_the_primary_coders_units_sorted_by_their_key():
    units = _units()
    units.loc[units["source_id"] == "T2", "doc_type"] = "minutes"
    codings = _coded(("A", "Y", "T2-1"), ("A", "X", "T1-1"), ("A", "Y", "T1-1"), ("A", "X", "T1-1"),
                     ("A", "X", "T1-0"), ("A", "Y", "T1-2"), ("B", "X", "T2-2"), ("B", "Y", "T1-3"))
    freq = frequencies(codings, units, "A")
    assert freq.to_dict("records") == [{"code": "X", "source_type": "interview", "units": 2},
                                       {"code": "Y", "source_type": "interview", "units": 2},
                                       {"code": "Y", "source_type": "minutes", "units": 1}]
    # informants only (not the interviewer turn T1-0), each unit once
    assert informant_codes(codings, units, "A").to_dict("records") == [
        {"informant": "P1", "code": "X", "units": 1}, {"informant": "P1", "code": "Y", "units": 2},
        {"informant": "P2", "code": "Y", "units": 1}]
    # a pair once per unit, never a code with itself
    assert cooccurrence(codings, units, "A").to_dict("records") == [{"code_1": "X", "code_2": "Y", "units": 1}]
    more = _coded(("A", "Z", "T2-1"), ("A", "Y", "T2-1"), ("A", "X", "T1-1"), ("A", "Z", "T1-1"), ("A", "Y", "T1-1"))
    assert cooccurrence(more, units, "A")[["code_1", "code_2", "units"]].to_numpy().tolist() == [
        ["X", "Y", 1], ["X", "Z", 1], ["Y", "Z", 2]]


def test_kappa_and_alpha_of_one_unit_and_of_none():
    # One disagreeing unit: chance agreement is 0, so kappa is 0; alpha = 1 - 1 * 2 / (2^2 - 1 - 1) = 0.
    assert cohen_kappa(np.array([1]), np.array([0])) == 0.0
    assert krippendorff_alpha_nominal(np.array([1]), np.array([0])) == 0.0
    assert math.isnan(cohen_kappa(np.array([]), np.array([])))
    assert math.isnan(krippendorff_alpha_nominal(np.array([]), np.array([])))


def test_quote_matches_overlap_and_a_blank_quote_matches_nowhere():
    assert find_spans("aaa", "aa") == [(0, 2), (1, 3)]
    assert find_spans("ha  ha\nha", "ha ha") == [(0, 6), (4, 9)]
    assert find_spans("some text", " \n ") == []


def test_presence_names_a_code_outside_the_codebook():
    hits = _coded(("A", "X", "T1-1"), ("A", "Q", "T1-2"))
    with pytest.raises(ValueError, match="code 'Q' is not in the codebook"):
        _presence(hits, _units(), ["X", "Y"])
