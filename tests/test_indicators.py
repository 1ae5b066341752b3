"""Verdict rules on small fixtures: stance, distinct counts, independent sources, states, verdicts, sensitivity."""

import pandas as pd
import pytest

from analysis import indicators as ind_mod
from analysis.config import Code, Codebook, Indicator
from analysis.errors import AnalysisError
from analysis.indicators import (
    CONTESTED,
    CONTRADICTED,
    INSUFFICIENT,
    KINDS,
    MET,
    NOT_MET,
    PARTLY_MET,
    SUPPORTED,
    caveats,
    coded,
    contrary_evidence,
    evaluate,
    evidence,
    fragility,
    sensitivity,
    strongest_quotes,
    verify_excerpt,
)

CRITERIA = {"default": {"min_informants": 2, "min_documents": 1, "min_contradicting": 1}}
RANKING = {"ranking": {"min_informants": 2, "min_documents": 0, "min_contradicting": 1,
                       "rank_by": ["informants", "units"]}}


def indicator(kind="criteria", required=(True, False), ident="x"):
    codes = tuple(Code(f"C{i}", ident, {"en": f"c{i}"}, "", {}, required=r) for i, r in enumerate(required))
    return Indicator(ident, kind, {"en": "X"}, codes)


class Case:
    """A tiny case built row by row: informant turns and document paragraphs, codings on them."""

    def __init__(self):
        self.units, self.sources, self.codings, self.documents = [], {}, [], []

    def doc(self, doc_id, origin="", note=""):
        self.documents.append({"doc_id": doc_id, "origin": origin or doc_id, "uncertainty_note": note})
        return self

    def code(self, source, speaker, code, stance="supports", coder="A", memo="", unit=None, indicator_id="x",
             quote=None):
        """One coding; a new unit unless ``unit`` names one (so a unit can be coded twice)."""
        is_doc = source.startswith("D")
        text = self.sources.get(source, "")
        if unit is None:
            quote = quote or f"q{len(self.codings)} {source} {speaker} {code}"
            start = len(text) + (2 if text else 0)
            text = (text + "\n\n" if text else "") + quote
            self.sources[source] = text
            unit = f"{source}-{len(self.units):03d}"
            self.units.append({"unit_id": unit, "source_id": source, "speaker": "" if is_doc else speaker,
                               "speaker_role": "document" if is_doc else speaker and (
                                   "interviewer" if speaker == "Q" else "informant"),
                               "source_type": "document" if is_doc else "interview",
                               "doc_type": "news" if is_doc else "interview", "start": start, "end": len(text)})
        u = next(x for x in self.units if x["unit_id"] == unit)
        quote = self.sources[source][u["start"]:u["end"]]
        self.codings.append({"excerpt_id": f"{source}:{u['start']}-{u['end']}", "source_id": source,
                             "unit_id": unit, "indicator": indicator_id, "code": code, "coder": coder,
                             "stance": stance, "quote": quote, "memo": memo,
                             "caveat": memo.lower().startswith("caveat:"), "origin": "manual"})
        return unit

    def tables(self):
        docs = pd.DataFrame(self.documents, columns=["doc_id", "origin", "uncertainty_note"])
        sources = pd.DataFrame({"source_id": list(self.sources), "text": list(self.sources.values())})
        return (pd.DataFrame(self.codings), pd.DataFrame(self.units), docs, sources)

    def judge(self, ind, rules=CRITERIA, coder="A"):
        codings, units, docs, _ = self.tables()
        table = evidence(ind, coded(ind, codings, units, docs, coder), "en")
        return evaluate(ind, table, rules)


def supported_case():
    """C0 supported by two informants and a document; C1 by one informant only."""
    c = Case().doc("D1")
    c.code("I1", "Ana", "C0")
    c.code("I2", "Budi", "C0")
    c.code("D1", "", "C0")
    c.code("I1", "Ana", "C1")
    return c


def states_of(ev):
    return dict(zip(ev.table["code"], ev.table["state"]))


def test_kinds_are_registered():
    assert {"criteria", "ranking"} <= set(KINDS)


def test_criteria_met_when_every_required_category_is_supported():
    ev = supported_case().judge(indicator())
    assert states_of(ev) == {"C0": SUPPORTED, "C1": INSUFFICIENT}
    assert ev.verdict == MET and ev.rule["min_documents"] == 1


def test_a_denial_coded_contradicts_makes_a_supported_category_contested():
    c = supported_case()
    c.code("I3", "Citra", "C0", stance="contradicts")
    ev = c.judge(indicator())
    assert states_of(ev)["C0"] == CONTESTED
    assert ev.verdict == NOT_MET  # the only required category is no longer supported


def test_contradiction_without_any_support_is_contradicted():
    c = Case().doc("D1")
    c.code("I1", "Ana", "C0", stance="context")
    c.code("D1", "", "C0", stance="contradicts")
    assert states_of(c.judge(indicator()))["C0"] == CONTRADICTED


def test_support_below_its_thresholds_against_a_denial_is_contested_not_contradicted():
    """The same yardstick on both sides: one source for, one against, is a dispute, not a refutation."""
    c = Case().doc("D1")
    c.code("I1", "Ana", "C0")  # one informant: short of min_informants 2, but present
    c.code("D1", "", "C0", stance="contradicts")
    assert states_of(c.judge(indicator()))["C0"] == CONTESTED
    rules = {"default": {**CRITERIA["default"], "min_contradicting": 2}}
    assert states_of(c.judge(indicator(), rules))["C0"] == INSUFFICIENT  # neither side present at 2


def test_a_mention_is_not_support_context_counts_for_neither_side():
    c = Case().doc("D1")
    for src, who in (("I1", "Ana"), ("I2", "Budi"), ("D1", "")):
        c.code(src, who, "C0", stance="context")
    ev = c.judge(indicator())
    row = ev.table.iloc[0]
    assert states_of(ev)["C0"] == INSUFFICIENT
    assert (row["informants"], row["documents"], row["contra_informants"], row["context_units"]) == (0, 0, 0, 3)


def test_contradicting_threshold_boundary():
    c = supported_case()
    c.code("I3", "Citra", "C0", stance="contradicts")
    rules = {"default": {**CRITERIA["default"], "min_contradicting": 2}}
    assert states_of(c.judge(indicator(), rules))["C0"] == SUPPORTED  # one source < 2
    c.code("I4", "Dewi", "C0", stance="contradicts")
    assert states_of(c.judge(indicator(), rules))["C0"] == CONTESTED  # two sources == 2


def test_informant_and_document_thresholds_are_inclusive():
    c = supported_case()
    assert states_of(c.judge(indicator()))["C0"] == SUPPORTED  # exactly 2 informants, exactly 1 document
    strict = {"default": {**CRITERIA["default"], "min_informants": 3}}
    assert states_of(c.judge(indicator(), strict))["C0"] == INSUFFICIENT
    strict = {"default": {**CRITERIA["default"], "min_documents": 2}}
    assert states_of(c.judge(indicator(), strict))["C0"] == INSUFFICIENT


def test_partly_met_and_not_met():
    c = supported_case()
    ev = c.judge(indicator(required=(True, True)))
    assert ev.verdict == PARTLY_MET
    empty = Case().doc("D1")
    empty.code("I1", "Ana", "C0")
    assert empty.judge(indicator(required=(True, True))).verdict == NOT_MET


def test_without_required_categories_every_category_counts():
    c = supported_case()
    assert c.judge(indicator(required=(False, False))).verdict == PARTLY_MET


def test_a_unit_coded_twice_counts_once():
    c = supported_case()
    unit = c.code("I3", "Citra", "C1")
    c.code("I3", "Citra", "C1", unit=unit, coder="A", memo="second coding of the same turn")
    codings, units, docs, _ = c.tables()
    table = evidence(indicator(), coded(indicator(), codings, units, docs, "A"), "en")
    assert table.set_index("code").loc["C1", "units"] == 2  # I1's unit and I3's unit, not 3
    assert ind_mod.totals(coded(indicator(), codings, units, docs, "A"))["units"] == 5


def test_an_informant_counts_once_across_turns_and_interviews():
    c = Case().doc("D1")
    c.code("I1", "Ana", "C0")
    c.code("I1", "Ana", "C0")
    c.code("I9", "Ana", "C0")  # a follow-up interview with the same informant
    c.code("D1", "", "C0")
    ev = c.judge(indicator())
    assert ev.table.iloc[0]["informants"] == 1 and states_of(ev)["C0"] == INSUFFICIENT


def test_interviewer_turns_are_not_informant_evidence():
    c = supported_case()
    c.code("I1", "Q", "C1")
    c.code("I2", "Q", "C1")
    assert c.judge(indicator()).table.set_index("code").loc["C1", "informants"] == 1


def test_two_register_rows_with_one_origin_count_once():
    c = Case().doc("D1", origin="https://example.org/a").doc("D2", origin="https://example.org/a")
    c.code("I1", "Ana", "C0")
    c.code("I2", "Budi", "C0")
    c.code("D1", "", "C0")
    c.code("D2", "", "C0")
    rules = {"default": {**CRITERIA["default"], "min_documents": 2}}
    ev = c.judge(indicator(), rules)
    row = ev.table.iloc[0]
    assert (row["documents"], row["independent"]) == (2, 1)
    assert states_of(ev)["C0"] == INSUFFICIENT  # two copies are one source, short of 2


def test_ranking_has_no_verdict_and_ranks_only_supported_categories():
    c = Case()
    for who in ("Ana", "Budi", "Citra"):
        c.code(f"I-{who}", who, "C1")
    for who in ("Ana", "Budi"):
        c.code(f"I-{who}", who, "C0")
        c.code(f"I-{who}", who, "C2")
    c.code("I-Ana", "Ana", "C2")  # C2: 2 informants, 3 units; C0: 2 informants, 2 units
    c.code("I-Dewi", "Dewi", "C3")
    c.code("I-Citra", "Citra", "C0", stance="contradicts")
    ev = c.judge(indicator("ranking", (False,) * 4), RANKING)
    assert ev.verdict is None
    assert ev.ranking == ["C1", "C2"]
    assert states_of(ev) == {"C0": CONTESTED, "C1": SUPPORTED, "C2": SUPPORTED, "C3": INSUFFICIENT}
    assert dict(zip(ev.table["code"], ev.table["rank"])) == {"C1": 1, "C2": 2, "C0": 0, "C3": 0}


def test_ranking_ties_keep_codebook_order():
    c = Case()
    for code in ("C1", "C0"):
        for who in ("Ana", "Budi"):
            c.code(f"I-{who}", who, code)
    ev = c.judge(indicator("ranking", (False, False)), RANKING)
    assert ev.ranking == ["C0", "C1"]


def test_ranking_by_documents_counts_independent_sources():
    c = Case().doc("D1", origin="same").doc("D2", origin="same").doc("D3")
    for who in ("Ana", "Budi"):
        c.code(f"I-{who}", who, "C0")
        c.code(f"I-{who}", who, "C1")
    c.code("D1", "", "C0")
    c.code("D2", "", "C0")  # C0: two copies of one article
    c.code("D3", "", "C1")
    c.code("D1", "", "C1")  # C1: two independent documents
    rules = {"ranking": {**RANKING["ranking"], "rank_by": ["documents"]}}
    assert c.judge(indicator("ranking", (False, False)), rules).ranking == ["C1", "C0"]


def test_unknown_kind_is_an_error():
    bad = Indicator("x", "tally", {"en": "X"}, indicator().codes)
    with pytest.raises(AnalysisError, match="no evaluator for indicator kind 'tally'"):
        evaluate(bad, supported_case().judge(indicator()).table, CRITERIA)


def test_input_table_is_not_mutated():
    c = supported_case()
    codings, units, docs, _ = c.tables()
    table = evidence(indicator(), coded(indicator(), codings, units, docs, "A"), "en")
    before = table.copy()
    evaluate(indicator(), table, CRITERIA)
    pd.testing.assert_frame_equal(table, before)


def test_other_coders_and_indicators_do_not_count():
    c = supported_case()
    c.code("I5", "Eka", "C1", coder="B")
    c.code("I6", "Fajar", "C1", indicator_id="other")
    assert c.judge(indicator()).table.set_index("code").loc["C1", "informants"] == 1


# --- sensitivity ---------------------------------------------------------------------------------------------


def run_sensitivity(c, ind, rules=CRITERIA):
    codings, units, docs, _ = c.tables()
    return sensitivity(ind, codings, units, docs, "A", rules, "en")


def test_a_verdict_resting_on_one_informant_is_fragile():
    c = supported_case()
    c.code("D1", "", "C1")
    base, records = run_sensitivity(c, indicator())
    assert base.verdict == MET
    flips, verdict_flips = fragility(records, ["C0", "C1"])
    # C0 has exactly 2 informants and 1 document: raising either threshold, or leaving out Ana or Budi, flips it.
    assert set(verdict_flips) == {"min_informants=3", "min_documents=2", "without=Ana", "without=Budi",
                                  "without_document=D1"}
    assert flips["C1"] == ["min_informants=1"]  # C1 (1 informant, 1 document) supported at a lower threshold
    assert "min_informants=1" not in verdict_flips  # ...which does not change the verdict


def test_a_robust_verdict_is_not_flagged():
    c = Case().doc("D1").doc("D2")
    for who in ("Ana", "Budi", "Citra", "Dewi"):
        c.code(f"I-{who}", who, "C0")
    c.code("D1", "", "C0")
    c.code("D2", "", "C0")
    base, records = run_sensitivity(c, indicator(required=(True,)))
    assert base.verdict == MET
    assert fragility(records, ["C0"])[1] == []


def test_thresholds_stay_within_their_range():
    c = supported_case()
    rules = {"default": {"min_informants": 1, "min_documents": 0, "min_contradicting": 1}}
    _, records = run_sensitivity(c, indicator(), rules)
    ids = {r["id"] for r in records if r["group"] == "threshold"}
    assert ids == {"min_informants=2", "min_documents=1", "min_contradicting=2"}


def test_second_coder_replaces_the_primary_only_on_the_sources_it_coded():
    c = supported_case()
    c.code("I2", "Budi", "C0", coder="B", stance="contradicts")  # B coded I2 and reads Budi as a denial
    c.code("I3", "Citra", "C0", coder="A")
    base, records = run_sensitivity(c, indicator())
    coder_b = next(r for r in records if r["id"] == "coder=B")
    # Under B: I2's support is gone and contradicted; I1, I3 and D1 (A's, not coded by B) still count.
    assert coder_b["states"]["C0"] == CONTESTED and coder_b["verdict_changed"]
    assert base.verdict == MET


def test_ranking_fragility_is_about_the_supported_set_and_the_first_rank():
    c = Case()
    for who in ("Ana", "Budi", "Citra"):
        c.code(f"I-{who}", who, "C0")
    for who in ("Ana", "Budi"):
        c.code(f"I-{who}", who, "C1")
    base, records = run_sensitivity(c, indicator("ranking", (False, False)), RANKING)
    by_id = {r["id"]: r for r in records}
    assert base.ranking == ["C0", "C1"]
    assert by_id["without=Ana"]["verdict_changed"]  # C1 drops out of the supported set
    assert not by_id["without=Citra"]["verdict_changed"]  # C0 still first, both still supported
    assert by_id["without=Citra"]["changed"] == [] and by_id["without=Citra"]["rank_shifted"] == []


def test_a_rank_swap_is_a_shift_not_a_change_of_state():
    c = Case()
    for who in ("Ana", "Budi", "Citra"):
        c.code(f"I-{who}", who, "C0")
    for who in ("Ana", "Ana", "Budi", "Dewi"):
        c.code(f"I-{who}", who, "C1")  # C1: 3 informants, 4 units; C0: 3 informants, 3 units
    base, records = run_sensitivity(c, indicator("ranking", (False, False)), RANKING)
    by_id = {r["id"]: r for r in records}
    assert base.ranking == ["C1", "C0"]
    swap = by_id["without=Dewi"]  # C1 falls to 2 informants: C0 moves up, both stay supported
    assert swap["changed"] == [] and sorted(swap["rank_shifted"]) == ["C0", "C1"] and swap["verdict_changed"]
    assert by_id["without=Citra"]["rank_shifted"] == []
    assert "without=Dewi" in ind_mod.rank_shifts(records, ["C0", "C1"])["C0"]
    assert ind_mod.fragility(records, ["C0", "C1"])[0]["C0"] == ["min_documents=1"]  # no document at all


def test_leaving_out_one_independent_document_source_drops_all_its_copies():
    c = Case().doc("D1", origin="same").doc("D2", origin="same")
    for who in ("Ana", "Budi"):
        c.code(f"I-{who}", who, "C0")
    c.code("D1", "", "C0")
    c.code("D2", "", "C0")
    _, records = run_sensitivity(c, indicator(required=(True,)))
    by_id = {r["id"]: r for r in records}
    assert by_id["without_document=D1/D2"]["verdict"] == NOT_MET


def test_without_caveated_codings_is_a_scenario_only_when_there_are_caveats():
    c = supported_case()
    _, records = run_sensitivity(c, indicator())
    assert "without_caveated" not in {r["id"] for r in records}
    c.code("I2", "Budi", "C0", memo="caveat: second-hand")
    c.codings = [x for x in c.codings if not (x["source_id"] == "I2" and not x["caveat"])]
    _, records = run_sensitivity(c, indicator())
    by_id = {r["id"]: r for r in records}
    assert by_id["without_caveated"]["states"]["C0"] == INSUFFICIENT


# --- quotes, contrary evidence, caveats -----------------------------------------------------------------------


def test_strongest_quotes_are_supporting_verified_and_not_from_mixed_units():
    c = supported_case()
    mixed = c.code("I4", "Dewi", "C0", quote="a long passage that both supports and later denies the category")
    c.code("I4", "Dewi", "C0", unit=mixed, stance="contradicts")
    c.code("I5", "Eka", "C0", stance="context", quote="a very long plan that never said anything happened at all")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    quotes = strongest_quotes(indicator(), rows, sources, codings[codings["coder"] != "A"], per_code=5)
    assert set(quotes["stance"]) == {"supports"}
    assert not set(quotes["source_id"]) & {"I4", "I5"}
    assert list(quotes["source_id"][quotes["code"] == "C0"]) == ["D1", "I1", "I2"]


def test_strongest_quotes_prefer_passages_another_coder_also_coded():
    c = Case()
    c.code("I1", "Ana", "C0", quote="short")
    c.code("I2", "Budi", "C0", quote="a much longer passage that nobody else coded")
    c.code("I1", "Ana", "C0", coder="B", unit="I1-000")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    quotes = strongest_quotes(indicator(), rows, sources, codings[codings["coder"] != "A"], per_code=1)
    assert list(quotes["source_id"]) == ["I1"]


def test_one_quote_per_source_and_per_code_limit():
    c = Case()
    for n in range(3):
        c.code("I1", "Ana", "C0", quote=f"passage {n} " + "x" * n)
    c.code("I2", "Budi", "C0")
    c.code("I3", "Citra", "C0")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    quotes = strongest_quotes(indicator(), rows, sources, codings.iloc[0:0], per_code=2)
    assert len(quotes) == 2 and quotes["source_id"].is_unique


def test_contrary_evidence_lists_every_contradicting_coding_in_codebook_order():
    c = supported_case()
    c.code("I3", "Citra", "C1", stance="contradicts")
    c.code("I4", "Dewi", "C0", stance="contradicts")
    codings, units, docs, sources = c.tables()
    out = contrary_evidence(indicator(), coded(indicator(), codings, units, docs, "A"), sources)
    assert list(out["code"]) == ["C0", "C1"] and set(out["stance"]) == {"contradicts"}


def test_a_quote_that_does_not_match_its_source_stops_the_build():
    c = supported_case()
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    rows.loc[0, "quote"] = "altered"
    with pytest.raises(AnalysisError, match="does not match its source text"):
        contrary_evidence(indicator(), rows.assign(stance="contradicts"), sources)
    with pytest.raises(AnalysisError):
        verify_excerpt("NOPE:0-3", "abc", sources)


def test_caveats_from_memos_of_any_coder_and_register_notes_of_coded_documents():
    c = Case().doc("D1", note="date uncertain").doc("D2", note="not coded, not listed")
    c.code("I1", "Ana", "C0", memo="caveat: no LOI text found")
    c.code("I2", "Budi", "C0", coder="B", memo="Caveat: second-hand")
    c.code("I3", "Citra", "C1", memo="an ordinary memo")
    c.code("D1", "", "C1")
    c.code("D1", "", "C0")
    codings, units, docs, _ = c.tables()
    out = caveats(indicator(), codings, coded(indicator(), codings, units, docs, "A"), docs)
    assert list(zip(out["code"], out["kind"], out["coder"], out["note"])) == [
        ("C0", "memo", "A", "no LOI text found"), ("C0", "memo", "B", "second-hand"),
        ("C0", "register", "", "date uncertain"), ("C1", "register", "", "date uncertain")]


def test_a_register_note_does_not_qualify_a_category_the_document_is_only_context_for():
    c = Case().doc("D1", note="date uncertain")
    c.code("D1", "", "C0", stance="context")
    c.code("D1", "", "C1", stance="contradicts")
    codings, units, docs, _ = c.tables()
    out = caveats(indicator(), codings, coded(indicator(), codings, units, docs, "A"), docs)
    assert list(out["code"]) == ["C1"]


def test_supporting_totals_count_only_supporting_evidence_of_the_named_categories():
    c = supported_case()
    c.code("I3", "Citra", "C0", stance="context")
    c.code("I4", "Dewi", "C0", stance="contradicts")
    codings, units, docs, _ = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    assert ind_mod.supporting_totals(rows, ["C0"]) == {"units": 3, "informants": 2, "documents": 1,
                                                       "independent": 1}


def test_codebook_indicator_defaults_to_the_first_and_validates_type():
    cb = Codebook((indicator(ident="a"), indicator(ident="b")))
    assert ind_mod.codebook_indicator(cb, "").id == "a"
    assert ind_mod.codebook_indicator(cb, "b").id == "b"
    with pytest.raises(AnalysisError, match="must be text"):
        ind_mod.codebook_indicator(cb, 3)


def test_source_type_and_informant_tables_count_distinct_supporting_units():
    c = supported_case()
    unit = c.code("I3", "Citra", "C0")
    c.code("I3", "Citra", "C0", unit=unit, stance="context")
    c.code("I4", "Dewi", "C0", stance="contradicts")
    codings, units, _, _ = c.tables()
    by_type = ind_mod.by_source_type(indicator(), codings, units, "A")
    assert by_type.loc["C0", "interview"] == 3 and by_type.loc["C0", "news"] == 1
    matrix = ind_mod.informant_matrix(indicator(), codings, units, "A")
    assert matrix.loc["Citra", "C0"] == 1 and matrix.loc["Ana", "C1"] == 1


# --- boundaries and shapes the mutation run showed unguarded -------------------------------------------------


def test_built_in_rule_and_threshold_ranges():
    assert ind_mod.rule_for(indicator(), {}) == {"min_informants": 1, "min_documents": 0, "min_contradicting": 1}
    _, records = run_sensitivity(supported_case(), indicator())  # thresholds 2, 1, 1
    ids = {r["id"] for r in records if r["group"] == "threshold"}
    assert ids == {"min_informants=1", "min_informants=3", "min_documents=0", "min_documents=2",
                   "min_contradicting=2"}
    assert all(r["ranks"] == {"C0": 0, "C1": 0} for r in records)  # criteria have no ranks


def test_registered_kinds_stay_callable_and_evaluations_are_frozen():
    import dataclasses

    assert ind_mod._criteria is KINDS["criteria"] and ind_mod._ranking is KINDS["ranking"]
    ev = supported_case().judge(indicator())
    assert ev.ranking == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.verdict = NOT_MET  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ind_mod.Scenario("x", "threshold", "min_informants", 1).value = 2  # type: ignore[misc]


def test_tables_keep_their_declared_columns():
    c = supported_case().doc("D2", note="n")
    c.code("D2", "", "C1", memo="caveat: x")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    assert list(rows.columns) == ind_mod.CODED_COLUMNS
    assert list(caveats(indicator(), codings, rows, docs).columns) == ["code", "kind", "coder", "source", "note"]
    quotes = strongest_quotes(indicator(), rows, sources, codings.iloc[0:0])
    assert list(quotes.columns) == ["code", "stance", "excerpt_id", "source_id", "unit_id", "speaker", "quote"]
    ranked = c.judge(indicator("ranking", (False, False)), RANKING).table
    assert "index" not in ranked.columns and list(ranked.index) == [0, 1]


def test_totals_count_each_stance():
    c = supported_case()
    c.code("I3", "Citra", "C0", stance="context")
    c.code("I4", "Dewi", "C0", stance="contradicts")
    c.code("I5", "Eka", "C1", stance="contradicts")
    codings, units, docs, _ = c.tables()
    t = ind_mod.totals(coded(indicator(), codings, units, docs, "A"))
    assert (t["codings"], t["supports"], t["contradicts"], t["context"]) == (7, 4, 2, 1)


def test_documentary_support_alone_stands_against_a_denial():
    c = Case().doc("D1")
    c.code("D1", "", "C0")  # no informant, one document
    c.code("I1", "Ana", "C0", stance="contradicts")
    assert states_of(c.judge(indicator()))["C0"] == CONTESTED


def test_default_quotes_per_code_is_two():
    c = Case()
    for n, who in enumerate(("Ana", "Budi", "Citra")):
        c.code(f"I{n}", who, "C0")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    assert len(strongest_quotes(indicator(), rows, sources, codings.iloc[0:0])) == 2


def test_a_mixed_unit_is_excluded_only_for_its_own_code():
    c = Case()
    unit = c.code("I1", "Ana", "C0", quote="supports C0 and C1 but denies C1")
    c.code("I1", "Ana", "C1", unit=unit)
    c.code("I1", "Ana", "C1", unit=unit, stance="contradicts")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    quotes = strongest_quotes(indicator(), rows, sources, codings.iloc[0:0])
    assert list(quotes["code"]) == ["C0"]


def _pick(specs, per_code=1, agreed=()):
    """Quotes for C0 from several sources; ``specs``: (source, speaker, quote, memo)."""
    c = Case()
    for source, who, quote, memo in specs:
        c.doc(source) if source.startswith("D") else None
        unit = c.code(source, who, "C0", quote=quote, memo=memo)
        if source in agreed:
            c.code(source, who, "C0", unit=unit, coder="B")
    codings, units, docs, sources = c.tables()
    rows = coded(indicator(), codings, units, docs, "A")
    return list(strongest_quotes(indicator(), rows, sources, codings[codings["coder"] != "A"],
                                 per_code=per_code)["source_id"])


def test_strongest_quote_order_uncaveated_then_agreed_then_interview_then_longer_then_id():
    long_doubtful = ("I1", "Ana", "a long passage that is only hearsay in the end", "caveat: second-hand")
    short_plain = ("I2", "Budi", "short", "")
    assert _pick([long_doubtful, short_plain]) == ["I2"]
    assert _pick([("I1", "Ana", "plain longer passage", ""), ("I2", "Budi", "short", "")], agreed=("I2",)) == ["I2"]
    assert _pick([("D1", "", "same length!", ""), ("I2", "Budi", "same length", "")]) == ["I2"]
    assert _pick([("I1", "Ana", "short", ""), ("I2", "Budi", "much longer passage", "")]) == ["I2"]
    assert _pick([("I2", "Ana", "tie", ""), ("I1", "Budi", "tie", "")]) == ["I1"]


def test_excerpt_ids_with_a_colon_in_the_source_id_resolve():
    sources = pd.DataFrame({"source_id": ["A:1"], "text": ["hello world"]})
    verify_excerpt("A:1:0-5", "hello", sources)
    with pytest.raises(AnalysisError):
        verify_excerpt("A:1:0-5", "world", sources)


def test_codes_nobody_supported_are_zero_in_the_source_type_and_informant_tables():
    c = Case()
    c.code("I1", "Ana", "C0")
    c.code("I2", "Budi", "C0", stance="context")
    codings, units, _, _ = c.tables()
    by_type = ind_mod.by_source_type(indicator(), codings, units, "A")
    assert by_type.loc["C1"].tolist() == [0] * by_type.shape[1]
    matrix = ind_mod.informant_matrix(indicator(), codings, units, "A")
    assert matrix.loc["Budi"].tolist() == [0, 0] and matrix.loc["Ana"].tolist() == [1, 0]


def test_lowest_contradiction_threshold_is_one_and_criteria_never_shift_ranks():
    rules = {"default": {**CRITERIA["default"], "min_contradicting": 2}}
    _, records = run_sensitivity(supported_case(), indicator(), rules)
    ids = [r["id"] for r in records]
    assert "min_contradicting=1" in ids and "min_contradicting=3" in ids
    assert all(r["rank_shifted"] == [] for r in records)


def test_document_scenarios_are_listed_in_sorted_order():
    c = supported_case().doc("D3").doc("D2")
    c.code("D3", "", "C0")
    c.code("D2", "", "C0")
    _, records = run_sensitivity(c, indicator())
    docs = [r["name"] for r in records if r["group"] == "leave_out_document"]
    assert docs == ["D1", "D2", "D3"]
