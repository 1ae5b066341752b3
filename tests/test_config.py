import time
import tracemalloc

import pytest

from analysis.config import load_case, load_codebook
from analysis.errors import AnalysisError
from analysis.ingest import read_register
from analysis.paths import PROJECT_DIR

GOOD = """indicators:
  - id: one
    kind: criteria
    label: {en: One}
    codes:
      - id: C1
        label: {en: c1}
"""


def write(tmp_path, text, name="codebook.yml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_codebook_loads(tmp_path):
    cb = load_codebook(write(tmp_path, GOOD))
    assert [i.id for i in cb.indicators] == ["one"] and list(cb.codes) == ["C1"]


@pytest.mark.parametrize("text, needle", [
    (GOOD + "      - id: C1\n        label: {en: again}\n", "codebook.yml:8: duplicate id 'C1' (first on line 6)"),
    (GOOD.replace("criteria", "scale"), "codebook.yml:3: [indicators[0].kind] unknown indicator kind 'scale'"),
    (GOOD.replace("    label: {en: One}\n", ""), "[indicators[0].label] missing required field"),
    (GOOD.replace("label: {en: c1}", "label: [c1]"), "[indicators[0].codes[0].label] expected a mapping (key: value)"),
    (GOOD.replace("    codes:\n      - id: C1\n        label: {en: c1}\n", "    codes: []\n"), "indicator has no codes"),
    ("indicators:\n  - id: x\n   kind: bad indent\n", "codebook.yml:3: YAML syntax error"),
])
def test_codebook_errors_give_file_line_and_field(tmp_path, text, needle):
    with pytest.raises(AnalysisError) as err:
        load_codebook(write(tmp_path, text))
    assert needle in str(err.value)


def test_unknown_indicator_lists_valid_values(tmp_path):
    with pytest.raises(AnalysisError, match="valid values: one"):
        load_codebook(write(tmp_path, GOOD)).indicator("two")


def test_case_rule_of_wrong_type(tmp_path):
    text = "id: x\nlanguage: en\nchapter: {number: 4, title: T}\nrules:\n  default: {min_informants: two}\n"
    with pytest.raises(AnalysisError, match=r"case.yml:5: \[rules.default.min_informants\] expected a whole number"):
        load_case(write(tmp_path, text, "case.yml"))


CASE = "id: x\nlanguage: en\nchapter: {number: 4, title: T}\nrules:\n  default: {min_informants: 2}\n"


def _case_error(tmp_path, text):
    with pytest.raises(AnalysisError) as err:
        load_case(write(tmp_path, text, "case.yml"))
    return str(err.value)


def test_a_misspelt_rule_name_fails_with_the_closest_name(tmp_path):
    msg = _case_error(tmp_path, CASE.replace("  default:", "  defualt:"))
    assert "case.yml:5: [rules.defualt] unknown key 'defualt'" in msg and "did you mean 'default'?" in msg


@pytest.mark.parametrize("text, needle", [
    (CASE.replace("min_informants", "min_informant"), "case.yml:5: [rules.default.min_informant] unknown key"),
    (CASE + "langauge: en\n", "case.yml:6: [langauge] unknown key 'langauge'; valid keys: id, title,"),
    (CASE.replace("title: T}", "title: T, tittle: U}"), "[chapter.tittle] unknown key"),
    (CASE + "parties: [{name: A, contry: X}]\n", "[parties[0].contry] unknown key 'contry'"),
    (CASE + "period: {start: 2010, ende: 2012}\n", "[period.ende] unknown key"),
    (CASE + "illustrative: 'false'\n", "[illustrative] expected true or false, found text"),
])
def test_every_key_of_case_yml_is_checked(tmp_path, text, needle):
    assert needle in _case_error(tmp_path, text)


def test_every_rule_key_is_accepted_and_min_contradicting_is_a_whole_number(tmp_path):
    text = CASE.replace("{min_informants: 2}", "{min_informants: 2, min_documents: 1, min_contradicting: 0, "
                                               "rank_by: [units]}")
    assert load_case(write(tmp_path, text, "case.yml"))["rules"]["default"]["min_contradicting"] == 0
    old = CASE.replace("{min_informants: 2}", "{min_informants: 2, min_supported: 1}")
    assert "[rules.default.min_supported] min_supported is no longer used" in _case_error(tmp_path, old)
    assert "[rules.default.min_contradicting] expected a whole number >= 0, found -1" in _case_error(
        tmp_path, CASE.replace("{min_informants: 2}", "{min_contradicting: -1}"))


@pytest.mark.parametrize("text, needle", [
    (GOOD.replace("    kind:", "    knid: x\n    kind:"), "codebook.yml:3: [indicators[0].knid] unknown key 'knid'"),
    (GOOD + "        keyword: {en: [a]}\n", "[indicators[0].codes[0].keyword] unknown key"),
    (GOOD + "        required: 'yes'\n", "[indicators[0].codes[0].required] expected true or false, found text"),
    (GOOD + "        recommendation: Do it.\n", "[indicators[0].codes[0].recommendation] expected a mapping (key: value)"),
    ("indicator:\n" + GOOD[len("indicators:\n"):], "[indicator] unknown key 'indicator'"),
])
def test_every_key_of_the_codebook_is_checked(tmp_path, text, needle):
    with pytest.raises(AnalysisError) as err:
        load_codebook(write(tmp_path, text))
    assert needle in str(err.value)


def test_language_maps_take_any_language_code(tmp_path):
    text = GOOD.replace("{en: c1}", "{en: c1, fr: c1, pt-BR: c1}") + "        keywords: {de: [a]}\n"
    assert load_codebook(write(tmp_path, text)).codes["C1"].label["pt-BR"] == "c1"


@pytest.mark.parametrize("text, needle", [
    (GOOD + "        label: {en: again}\n", "codebook.yml:8: duplicate key 'label' (first on line 7)"),
    (CASE + "language: id\n", "case.yml:6: duplicate key 'language' (first on line 2)"),
])
def test_a_duplicate_key_is_an_error_on_the_line_of_the_second(tmp_path, text, needle):
    with pytest.raises(AnalysisError) as err:
        (load_codebook if "codebook" in needle else load_case)(write(tmp_path, text, needle.split(":")[0]))
    assert needle in str(err.value)


def _laughs(levels: int = 9) -> str:
    rows = ["  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    rows += [f"  - &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("where", ["rules", "definition"])
def test_an_alias_bomb_is_refused_at_once_with_little_memory(tmp_path, where):
    if where == "rules":
        path = write(tmp_path, CASE.replace("  default: {min_informants: 2}\n", "  default:\n  " +
                                            _laughs().replace("\n  ", "\n    ")), "case.yml")
        load = load_case
    else:
        path = write(tmp_path, GOOD + "        definition:\n" + _laughs().replace("  - ", "          - "))
        load = load_codebook
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(AnalysisError, match=r"YAML alias \(\*name\) refused"):
            load(path)
        elapsed, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5 and peak < 5 * 2**20


def test_merge_keys_are_refused(tmp_path):
    with pytest.raises(AnalysisError, match=r"case.yml:7: YAML merge key \(<<\) refused"):
        load_case(write(tmp_path, CASE.replace("{min_informants: 2}", "\n    min_informants: 2\n    <<: {x: 1}"),
                        "case.yml"))


def test_messages_quote_at_most_a_short_excerpt_of_a_value(tmp_path):
    long = "x" * 1000  # YAML allows keys up to 1024 characters
    for text in (CASE.replace("min_informants: 2", f"min_informants: {long}"),
                 CASE.replace("language: en", f"language: {long}"),
                 CASE.replace("min_informants: 2", f"rank_by: [{long}]"),
                 CASE.replace("  default:", f"  {long}:")):
        msg = _case_error(tmp_path, text)
        assert "x" * 41 not in msg and "…" in msg and len(msg) < 600


def test_front_matter_refuses_duplicate_keys_and_aliases_on_the_file_line(tmp_path):
    from analysis.ingest import read_text_transcript

    head = "---\nid: T1\nrole: a\nrole: b\n---\n\nInterviewer: hi\n"
    path = write(tmp_path, head, "T1.md")
    with pytest.raises(AnalysisError, match=r"T1.md:4: YAML error in front matter: duplicate key 'role' \(first on "
                                            r"line 3\)"):
        read_text_transcript(path)
    path.write_text("---\nid: T1\nrole: &r a\norganisation: *r\n---\n\nInterviewer: hi\n")
    with pytest.raises(AnalysisError, match=r"T1.md:4: YAML error in front matter: YAML alias"):
        read_text_transcript(path)


def test_unknown_indicator_names_the_codebook_and_the_closest_id(tmp_path):
    with pytest.raises(AnalysisError) as err:
        load_codebook(write(tmp_path, GOOD)).indicator("oen")
    assert "codebook.yml: [indicator_id] unknown indicator 'oen'" in str(err.value)
    assert "did you mean 'one'?" in str(err.value)


@pytest.mark.parametrize("folder", ["data/raw", "examples/aldermoor-calvera", "src/analysis/templates/new-case",
                                    "tests/fixtures/mini"])
def test_the_shipped_cases_pass_the_strict_checks(folder):
    case = PROJECT_DIR / folder
    load_case(case / "case.yml")
    load_codebook(case / "codebook.yml")
    read_register(case / "documents" / "register.csv")


def test_register_columns_are_checked(tmp_path):
    path = write(tmp_path, "doc_id,date,titel\nD1,2020,x\n", "register.csv")
    with pytest.raises(AnalysisError) as err:
        read_register(path)
    assert "register.csv:1: [titel] unknown column 'titel'" in str(err.value)
    assert "did you mean 'title'?" in str(err.value)
    path.write_text("doc_id,date,origin,uncertainty_note\nD1,2020,x,y\n")
    assert read_register(path)[0]["origin"] == "x"
