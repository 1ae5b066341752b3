import math

import numpy as np
import pandas as pd
import pytest

from analysis.coding import agreement, cohen_kappa, krippendorff_alpha_nominal
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


def test_mini_case_codings_anchor_and_reliability(mini_case):
    tables = prepare(mini_case)
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


def test_codings_table_is_sorted_and_typed(mini_case):
    c = prepare(mini_case)["codings"]
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
