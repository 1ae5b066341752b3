"""docs/case-format.md lists every key, column and field the loaders accept, and nothing else.

Each table of the page starts with a column of names in backticks; the test
reads the first table under each heading and compares its names with the
lists the loaders check against. A key added to a loader without a line in
the page, or a line left for a key that is gone, fails here.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import config
from analysis.coding import CODING_COLUMNS, CODING_OPTIONAL_COLUMNS
from analysis.paths import PROJECT_DIR, CasePaths
from analysis.prepare import NOTE_META, READ_META, prepare
from analysis.schemas import DOCUMENTS

PAGE = PROJECT_DIR / "docs" / "case-format.md"

SECTIONS = {  # heading of the page -> what the loader accepts there
    "## case.yml": config.CASE_KEYS,
    "### chapter": config.CHAPTER_KEYS,
    "### parties": config.PARTY_KEYS,
    "### period": config.PERIOD_KEYS,
    "### rules": config.RULE_NAMES,
    "### rule thresholds": config.RULE_KEYS,
    "## codebook.yml": config.CODEBOOK_KEYS,
    "### indicators": config.INDICATOR_KEYS,
    "### codes": config.CODE_KEYS,
    "## private/identity-key.yml": config.KEY_KEYS,
    "### informants": config.IDENTITY_KEYS,
    "## documents/register.csv": tuple(DOCUMENTS.columns),
    "## Transcripts": (*READ_META, *NOTE_META),
    "## Codings": (*CODING_COLUMNS, *CODING_OPTIONAL_COLUMNS),
}


def documented(heading: str, text: str) -> set[str]:
    """The backticked names in the first column of the first table after ``heading``."""
    lines = text.splitlines()
    assert heading in lines, f"docs/case-format.md has no heading {heading!r}"
    names: set[str] = set()
    for line in lines[lines.index(heading) + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            names.add(re.match(r"\| `([^`]+)`", line)[1])
        elif names and not line.startswith("|"):
            break  # the table ended
    return names


@pytest.mark.parametrize("heading", sorted(SECTIONS))
def test_every_accepted_key_is_documented_and_every_documented_key_accepted(heading):
    names = documented(heading, PAGE.read_text(encoding="utf-8"))
    accepted = set(SECTIONS[heading])
    assert sorted(accepted - names) == [], f"accepted but not documented under {heading}"
    assert sorted(names - accepted) == [], f"documented under {heading} but refused by the loader"


def test_the_reader_of_the_page_can_fail():
    page = "## case.yml\n\n| key | meaning |\n|---|---|\n| `id` | x |\n| `language` | y |\n\nText `title`.\n"
    assert documented("## case.yml", page) == {"id", "language"}  # prose after the table is no entry


def test_an_unread_front_matter_field_is_a_warning_with_the_closest_name(mini_case: CasePaths, caplog):
    path = mini_case.interviews / "T1.md"
    path.write_text(path.read_text(encoding="utf-8").replace("organisation:", "organization:", 1)
                    .replace("role:", "place: harbour\nrole:", 1), encoding="utf-8")
    warnings = prepare(mini_case)["input_warnings"]
    unused = warnings[warnings["kind"] == "metadata_field_unused"]
    assert list(unused["file"]) == ["interviews/T1.md"]
    assert "'organization'" in unused["detail"].iloc[0] and "did you mean 'organisation'?" in unused["detail"].iloc[0]
    assert "place" not in " ".join(unused["detail"])  # a documented note field: no warning
    informants = pd.read_parquet(mini_case.table("informants"))
    assert informants.loc[informants["source_id"] == "T1", "organisation"].iloc[0] == ""
