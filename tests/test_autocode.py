import pandas as pd

from analysis.autocode import as_codings, possible_misses, suggest
from analysis.config import Code, Codebook, Indicator

CB = Codebook((Indicator("x", "criteria", {"en": "X"}, (
    Code("PRES", "x", {"en": "p"}, "", {"id": ["pengawetan"], "en": ["preservation"]}),
    Code("TRAIN", "x", {"en": "t"}, "", {"id": ["pelatihan"], "en": ["training"]}),
    Code("PLAN", "x", {"en": "a"}, "", {"en": ["action plan"]}),
)),))


def units(*texts, role="informant", language="id"):
    return pd.DataFrame({"unit_id": [f"u{i}" for i in range(len(texts))], "source_id": "S", "text": list(texts),
                         "speaker_role": role, "language": language})


def test_indonesian_stemming_matches_inflected_forms():
    got = suggest(units("Mereka mengawetkan ikan dan melatih nelayan."), CB)
    assert set(got["code"]) == {"PRES", "TRAIN"} and set(got["origin"]) == {"auto"}


def test_english_suffixes_and_phrases():
    got = suggest(units("Two trainings were held.", "The action plans expired.", "No plan for action.",
                        language="en"), CB)
    assert list(zip(got["unit_id"], got["code"])) == [("u0", "TRAIN"), ("u1", "PLAN")]


def test_mixed_language_keyword_in_indonesian_talk():
    assert list(suggest(units("Kami susun action plan tahun itu."), CB)["code"]) == ["PLAN"]


def test_interviewer_turns_are_not_coded():
    assert suggest(units("pelatihan?", role="interviewer"), CB).empty


def test_possible_misses_are_suggestions_no_human_coded():
    s = suggest(units("pelatihan", "pengawetan"), CB)
    human = pd.DataFrame({"unit_id": ["u0"], "code": ["TRAIN"], "coder": ["A"]})
    assert list(possible_misses(s, human, "A")["unit_id"]) == ["u1"]
    assert set(as_codings(s)["coder"]) == {"auto"}


def test_auto_suggestions_stay_apart_from_manual_codings(prepared_mini):
    tables = prepared_mini.tables
    assert set(tables["codings"]["origin"]) == {"manual"}
    assert set(tables["suggestions"]["origin"]) == {"auto"}
    assert "A vs auto" in set(tables["reliability"]["comparison"])
