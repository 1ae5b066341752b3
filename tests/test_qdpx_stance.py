"""Stance and caveats through REFI-QDA: export, import and round trips.

A coding's stance travels as a tag at the start of its selection's
Description (``[stance: contradicts] caveat: ...``); the memo follows it, so a
caveat memo stays a caveat. A selection without a tag is ``supports``, stated
by nobody (empty stance).
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile

import pytest
from defusedxml import ElementTree as SafeET

from analysis import qdpx
from analysis.paths import CasePaths
from analysis.prepare import prepare

STANCES = {  # coder A's rows of the mini case -> (stance column, memo)
    "The agreement was signed in 2016": ("supports", ""),
    "after the council approved it": ("context", "a plan, not the vote itself"),
    "There was never enough money for the visits": ("contradicts", "caveat: no budget line found"),
    "the budget was cut": ("", "caveat: date of the cut unknown"),
}


@pytest.fixture
def stanced(mini_case) -> CasePaths:
    """The mini case with a stance column: all three stances, an implicit one and two caveat memos."""
    path = mini_case.codings / "coder-A.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        row["stance"], memo = STANCES.get(row["quote"], ("", row["memo"]))
        row["memo"] = memo or row["memo"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[*rows[0].keys()], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return mini_case


def _codings(tables) -> list[tuple]:
    c = tables["codings"]
    return sorted(zip(c["coder"], c["source_id"], c["code"], c["quote"], c["stance"], c["stance_explicit"],
                      c["caveat"], c["memo"]))


def test_stance_and_caveat_survive_export_and_import(stanced, tmp_path):
    before = prepare(stanced)
    assert sorted(set(before["codings"]["stance"])) == ["context", "contradicts", "supports"]
    assert int(before["codings"]["caveat"].sum()) == 2
    archive = qdpx.export_qdpx(stanced, tmp_path / "mini.qdpx")
    report = qdpx.import_qdpx(archive, tmp_path / "back")
    assert report.warnings == []
    after = prepare(CasePaths(tmp_path / "back", tmp_path / "p2", tmp_path / "r2"))
    assert _codings(after) == _codings(before)
    # the codings files written by the import carry the stance column, empty where none was stated
    header = (tmp_path / "back" / "codings" / "coder-A.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "source_id,code,quote,occurrence,coder,memo,stance"
    again = qdpx.export_qdpx(CasePaths(tmp_path / "back", tmp_path / "p3", tmp_path / "r3"), tmp_path / "again.qdpx")
    with zipfile.ZipFile(archive) as a, zipfile.ZipFile(again) as b:
        assert a.read("project.qde") == b.read("project.qde")


def test_the_export_writes_the_stance_tag_before_the_memo(stanced, tmp_path):
    with zipfile.ZipFile(qdpx.export_qdpx(stanced, tmp_path / "mini.qdpx")) as z:
        root = SafeET.fromstring(z.read("project.qde"))
    ns = {"q": qdpx.PROJECT_NS}
    described = {sel.get("name"): sel.findtext("q:Description", default=None, namespaces=ns)
                 for sel in root.iterfind(".//q:PlainTextSelection", ns)}
    assert described["The agreement was signed in 2016"] == "[stance: supports]"
    assert described["after the council approved it"] == "[stance: context] a plan, not the vote itself"
    assert described["There was never enough money for the visits"] == (
        "[stance: contradicts] caveat: no budget line found")
    assert described["the budget was cut"] == "caveat: date of the cut unknown"  # no stance stated: no tag
    assert described["had no budget"] is None


def _foreign(tmp_path, description: str):
    def g() -> str:
        return str(uuid.uuid4()).upper()

    code, user = g(), g()
    text = "One line.\nThe boats never came."
    at = text.index("The boats")
    xml = (f'<?xml version="1.0"?><Project xmlns="{qdpx.PROJECT_NS}" name="p"><Users><User guid="{user}" name="Ana"/>'
           f'</Users><CodeBook><Codes><Code guid="{code}" name="boats" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="{g()}" name="notes"><PlainTextContent>{text}</PlainTextContent>'
           f'<PlainTextSelection guid="{g()}" startPosition="{at}" endPosition="{len(text)}" creatingUser="{user}">'
           f'<Description>{description}</Description><Coding guid="{g()}" creatingUser="{user}">'
           f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection></TextSource></Sources></Project>')
    path = tmp_path / "foreign.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", xml)
    return qdpx.import_qdpx(path, tmp_path / "case")


@pytest.mark.parametrize("description, stance, memo", [
    ("no tag here", "", "no tag here"),
    ("[Stance:CONTRADICTS]   denied by the harbour master", "contradicts", "denied by the harbour master"),
    (" [stance: context]", "context", ""),
    ("see [stance: contradicts] later", "", "see [stance: contradicts] later"),  # only a leading tag counts
])
def test_foreign_selections_give_their_stance_or_none(tmp_path, description, stance, memo):
    report = _foreign(tmp_path, description)
    assert report.warnings == []
    row = next(csv.DictReader(io.StringIO((tmp_path / "case" / "codings" / "coder-Ana.csv").read_text())))
    assert (row["stance"], row["memo"]) == (stance, memo)
    tables = prepare(CasePaths(tmp_path / "case", tmp_path / "p", tmp_path / "r"))
    assert tables["codings"]["stance"].tolist() == [stance or "supports"]
    assert tables["codings"]["stance_explicit"].tolist() == [bool(stance)]


def test_an_unknown_stance_tag_is_kept_in_the_memo_with_a_warning(tmp_path):
    report = _foreign(tmp_path, "[stance: denies] the boats")
    assert report.warnings == [("'notes': coding BOATS by Ana has an unknown stance tag [stance: denies]: left in "
                                "the memo, stance empty (supports); valid values: supports, contradicts, context")]
    row = next(csv.DictReader(io.StringIO((tmp_path / "case" / "codings" / "coder-Ana.csv").read_text())))
    assert (row["stance"], row["memo"]) == ("", "[stance: denies] the boats")
