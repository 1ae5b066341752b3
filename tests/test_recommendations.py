"""Saran follow from the results by rules, in the case's words, and change when the results change."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from analysis import prose, recommendations
from analysis.errors import AnalysisError


def code(ident, label, state, required=False, rank=None, informants=3, recs=None, milestones=()):
    return {"code": ident, "label": label, "state": state, "required": required, "rank": rank,
            "informants": informants, "independent": 1, "fragile": False, "recommendations": recs or {},
            "recommendation": (recs or {}).get("supported", ""), "milestones": list(milestones)}


def findings(**over):
    base = {"supported": [], "contested": [], "contradicted": [], "insufficient": [], "required": [],
            "required_supported": [], "required_unsupported": [], "caveated_supported": [], "fragile": [],
            "interview_only": [], "single_document": [],
            "supporting": {"informants": 4, "documents": 2, "independent": 2, "units": 6}}
    return {**base, **over}


REGISTER = [
    {"doc_id": "D1", "date": "2016-05-31", "date_precision": "day", "uncertain": False, "type": "agreement",
     "title": "Agreement", "milestone": "Agreement signed"},
    {"doc_id": "D9", "date": "2025-06-12", "date_precision": "day", "uncertain": False, "type": "reference",
     "title": "Merger", "milestone": "Partner merged into a larger province"},
]


def results():
    signed = {"doc_id": "D1", "date": "2016-05-31", "precision": "day", "uncertain": False,
              "milestone": "Agreement signed", "type": "agreement"}
    criteria = {
        "indicator": "formation", "kind": "criteria", "label": "Formation by law", "verdict": "partly_met",
        "coder": "A", "rule": {"min_documents": 1},
        "codes": [code("AGR", "Agreement", "supported", True, milestones=[signed]),
                  code("TRAIN", "Training", "contested", True,
                       recs={"contested": "Schedule the training and report on it."}),
                  code("COUNCIL", "Council approval", "insufficient", True)],
        "findings": findings(supported=["Agreement"], contested=["Training"], insufficient=["Council approval"],
                             caveated_supported=["Agreement"]),
        "sensitivity": {"fragile": False, "verdict_flips": [], "verdict_flips_text": "—", "scenarios": []},
        "tables": [{"id": f"formation-{k}", "ref": f"[[tab:formation-{k}]]"}
                   for k in ("verdict", "quotes", "contrary", "caveats", "sensitivity", "sources")],
        "figures": [{"id": "formation-evidence"}],
        "register": REGISTER, "corpus": {"interviews": 4, "documents": 2},
    }
    ranking = {
        "indicator": "obstacles", "kind": "ranking", "label": "Obstacles", "verdict": None, "coder": "A",
        "rule": {"min_documents": 0},
        "codes": [code("BUDGET", "Budget", "supported", rank=1, informants=4,
                       recs={"supported": "Budget the cooperation every year."}),
                  code("STAFF", "Staff turnover", "supported", rank=2, informants=2,
                       recs={"supported": "Name a deputy for every contact."})],
        "findings": findings(supported=["Budget", "Staff turnover"], interview_only=["Staff turnover"]),
        "sensitivity": {"fragile": True, "verdict_flips": ["x"], "verdict_flips_text": "without P1",
                        "scenarios": []},
        "tables": [{"id": f"obstacles-{k}", "ref": f"[[tab:obstacles-{k}]]"}
                   for k in ("verdict", "quotes", "contrary", "caveats", "sensitivity", "sources")],
        "figures": [],
        "register": REGISTER, "corpus": {"interviews": 4, "documents": 2},
    }
    return [criteria, ranking]


CASE = {"language": "en", "illustrative": False, "period": {"start": 2015, "end": 2023},
        "chapter": {"number": 5, "title": "CONCLUSIONS AND RECOMMENDATIONS"},
        "title": {"en": "Twinning of A and B"}, "research_question": {"en": "how did the twinning work?"},
        "foreign_terms": ["Agreement"],
        "recommendations": [
            {"kind": "practical", "when": {"after_period": True},
             "text": {"en": "After the study, the register records {events}; renew the agreement."}},
            {"kind": "academic", "when": {"state": "insufficient"},
             "text": {"en": "Trace {categories} in the council minutes."}},
            {"kind": "practical", "when": {"code": "TRAIN", "state": "supported"},
             "text": {"en": "Extend the training to more ports."}},
        ]}


def reasons(saran):
    return [(s.kind, s.reason) for s in saran]


def test_each_rule_gives_its_recommendation_practical_first():
    saran = recommendations.compose(results(), CASE, REGISTER, "en")
    assert reasons(saran) == [("practical", "state"), ("practical", "required"), ("practical", "obstacle"),
                              ("practical", "obstacle"), ("practical", "case"), ("academic", "case"),
                              ("academic", "caveated"), ("academic", "disputed"), ("academic", "interview_only"),
                              ("academic", "fragile")]
    event = next(s for s in saran if s.reason == "case" and s.kind == "practical")
    assert event.filled == ("After the study, the register records partner merged into a larger province "
                            "(12 June 2025); renew the agreement.")
    assert next(s for s in saran if s.kind == "academic" and s.reason == "case").filled == \
        "Trace council approval in the council minutes."


def test_recommendations_change_when_the_results_change():
    before = recommendations.compose(results(), CASE, REGISTER, "en")
    changed = results()
    changed[0]["codes"][1]["state"] = "supported"  # the training now has evidence
    changed[0]["findings"]["contested"] = []
    changed[1]["codes"][0]["state"] = "insufficient"  # the budget obstacle loses its support
    changed[1]["codes"][0]["rank"] = None
    after = recommendations.compose(changed, CASE, REGISTER, "en")
    texts_before = {s.text or s.filled for s in before}
    texts_after = {s.text or s.filled for s in after}
    assert "Schedule the training and report on it." in texts_before - texts_after
    assert "Budget the cooperation every year." in texts_before - texts_after
    assert "Extend the training to more ports." in texts_after - texts_before
    assert ("academic", "disputed") not in reasons(after)


def test_a_register_event_inside_the_period_changes_nothing():
    case = copy.deepcopy(CASE)
    case["period"]["end"] = 2026
    assert not any(s.reason == "case" and s.kind == "practical"
                   for s in recommendations.compose(results(), case, REGISTER, "en"))


def test_illustrative_interviews_call_for_real_ones():
    case = {**CASE, "illustrative": True}
    assert ("academic", "illustrative") in reasons(recommendations.compose(results(), case, REGISTER, "en"))


def test_code_recommendation_is_per_language_or_per_state():
    assert recommendations.by_state({"en": "Do it.", "id": "Lakukan."}, "id") == {"supported": "Lakukan."}
    assert recommendations.by_state({"contested": {"en": "Check it."}}, "en") == {"contested": "Check it."}
    with pytest.raises(AnalysisError, match="unknown state 'disputed'"):
        recommendations.check_code_recommendation({"disputed": {"en": "x"}}, Path("codebook.yml"), 3, "codes[0].")


@pytest.mark.parametrize(("entry", "message"), [
    ({"kind": "policy", "when": {"code": "X"}, "text": "t"}, "unknown recommendation kind 'policy'"),
    ({"kind": "practical", "when": {}, "text": "t"}, "empty condition"),
    ({"kind": "practical", "when": {"state": "unclear"}, "text": "t"}, "unknown state 'unclear'"),
    ({"kind": "practical", "when": {"colour": "red"}, "text": "t"}, "unknown key 'colour'"),
    ({"kind": "practical", "text": "t"}, "missing required field"),
])
def test_a_wrong_recommendation_entry_is_refused_with_its_field(entry, message):
    with pytest.raises(AnalysisError, match=message):
        recommendations.check_case({"recommendations": [entry]}, Path("case.yml"))


def test_the_conclusion_states_the_computed_facts_and_refers_to_tables_and_figures():
    out = prose.conclusion(CASE, results(), "en", "")
    assert out.startswith("This study set out to answer the question: how did the twinning work?")
    assert "dates the key events: agreement signed on 31 may 2016" in out.replace("*", "").lower()
    assert "(31 May 2016)" not in out  # the date is part of the sentence, leaving parentheses to the citation
    assert "[[tab:formation-verdict]]" in out and "[[fig:formation-evidence]]" in out
    # A contested required category is contested, not unsupported; only the insufficient one lacks support.
    assert ("only *Agreement* is supported, while the evidence on training is contested and council approval "
            "is not sufficiently supported") in out
    assert "On this contested category, some sources support and others contradict" in out
    assert "the evidence on training is divided" not in out  # named once as contested, not again as divided
    assert "the obstacles under obstacles are ranked" in out
    assert "The strongest is budget, raised by 4 informants, followed by staff turnover" in out
    # Which obstacles rest on interviews only is read from the triangulation table, not from a figure.
    assert "rests on interviews only (see [[tab:obstacles-sources]])" in out
    assert "1 category are" not in out and "dan dan" not in out
    assert out.count("### Recommendations") == 1 and "**Practical recommendations**" in out


def test_the_indonesian_conclusion_words_the_same_facts_in_indonesian():
    case = {**CASE, "language": "id", "title": {"id": "Kerja sama A dan B"}, "research_question": {},
            "chapter": {"number": "V", "title": "PENUTUP"}}
    rs = results()
    for r in rs:
        r["label"] = {"formation": "Pembentukan kerja sama", "obstacles": "Kendala"}[r["indicator"]]
    out = prose.conclusion(case, rs, "id", "")
    assert out.startswith("Berdasarkan hasil penelitian tentang kerja sama A dan B, yang bersandar pada "
                          "4 wawancara dan 2 dokumen publik,")
    assert "pada 31 Mei 2016" in out and "(31 Mei 2016)" not in out
    assert "sumber independen" not in out  # as many sources as documents: one number is enough
    assert "Pertama, indikator pembentukan kerja sama terpenuhi sebagian." in out
    assert ("sedangkan bukti tentang training diperdebatkan dan council approval belum didukung bukti yang "
            "cukup") in out
    assert "### Saran" in out and "**Saran praktis**" in out and "**Saran akademis**" in out


def test_tables_show_only_the_columns_of_the_indicator_kind():
    from analysis import report, text

    words = text.labels("id")
    for r in results():
        for c in r["codes"]:
            c.update(documents=1, contra_informants=0, contra_documents=0, contra_independent=0,
                     context_units=0, units=2)
        table = report.verdict_table(r, words)
        if r["kind"] == "ranking":
            assert "required" not in table.columns and "rank" in table.columns  # nothing is required of an obstacle
        else:
            assert "required" in table.columns and "rank" not in table.columns


def test_verdict_flips_name_the_verdict_each_scenario_leads_to():
    from analysis import report, text

    scenarios = [{"id": "d2", "group": "threshold", "name": "min_documents", "value": 2, "verdict": "not_met"},
                 {"id": "c2", "group": "threshold", "name": "min_contradicting", "value": 2, "verdict": "met"},
                 {"id": "i4", "group": "leave_out", "name": "Informan-04", "value": None, "verdict": "met"}]
    out = report.verdict_flips_text(scenarios, text.labels("id"))
    assert out == ("menjadi tidak terpenuhi bila disyaratkan 2 sumber dokumen; "
                   "menjadi terpenuhi bila disyaratkan 2 sumber yang membantah atau tanpa Informan-04")
    assert report.verdict_flips_text(scenarios[:1], text.labels("en")) == \
        "becomes not met when requiring 2 document sources"
    # A ranking has no verdict to turn into: its scenarios are only named.
    ranking = [{**s, "verdict": None} for s in scenarios[1:]]
    assert report.verdict_flips_text(ranking, text.labels("id")) == "disyaratkan 2 sumber yang membantah; tanpa Informan-04"


def test_the_conclusion_names_independent_sources_when_copies_make_them_fewer_than_documents():
    rs = results()
    for r in rs:
        r["corpus"] = {"interviews": 4, "documents": 3, "independent": 2}
    out = prose.conclusion({**CASE, "language": "id", "title": {"id": "Kerja sama A dan B"}}, rs, "id", "")
    assert "4 wawancara dan 3 dokumen publik dari 2 sumber independen," in out
    assert "from 2 independent sources" in prose.conclusion(CASE, rs, "en", "")


def test_the_limitations_name_the_other_coders_only_when_there_are_any():
    alone = prose.conclusion(CASE, results(), "en", "")
    assert "no second coder coded the sources, so inter-coder reliability could not be measured" in alone
    assert "coded a sample of the sources" not in alone
    rs = results()
    rs[0]["sensitivity"]["scenarios"] = [{"group": "coder", "name": "B", "id": "coder=B"}]
    rs[1]["sensitivity"]["scenarios"] = [{"group": "coder", "name": "B", "id": "coder=B"},
                                         {"group": "coder", "name": "C", "id": "coder=C"}]
    team = prose.conclusion(CASE, rs, "en", "")
    assert "coders B and C coded a sample of the sources to measure reliability" in team
    case = {**CASE, "language": "id", "title": {"id": "Kerja sama A dan B"}, "research_question": {}}
    assert "tidak ada pengode kedua" in prose.conclusion(case, results(), "id", "")
    assert "pengode B dan C mengode sebagian sumber" in prose.conclusion(case, rs, "id", "")
