import pytest

from analysis.config import load_case, load_codebook
from analysis.errors import AnalysisError

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
    (GOOD.replace("label: {en: c1}", "label: [c1]"), "[indicators[0].codes[0].label] expected dict"),
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
