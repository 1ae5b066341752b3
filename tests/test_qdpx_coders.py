"""A team project through REFI-QDA keeps every coder: the same reliability figures as from the codings files.

The native case is the mini case with a third coder; its export is the
three-user project. Read back as exported (our settings notes included) and
as another tool would write it (no settings notes, user GUIDs of its own, the
user named on the coding only, several users' codings of one passage in one
selection), the import must give the reliability and disagreement tables the
codings files give.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

from analysis import qdpx
from analysis.paths import CasePaths
from analysis.prepare import prepare

NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"

# Coder C codes T2 and T1: money as mere context where A and B see support, and a council passage.
CODER_C = ("source_id,code,quote,occurrence,coder,memo,stance\n"
           "T2,MONEY,had no budget,1,C,a wish for later,context\n"
           "T2,DISTANCE,the distance is a problem,1,C,,\n"
           "T2,AGREEMENT,signed the agreement with them,1,C,,\n"
           "T1,COUNCIL,after the council approved it,1,C,,\n")


@pytest.fixture
def team(mini_case: CasePaths, tmp_path: Path) -> tuple[CasePaths, dict[str, pd.DataFrame], Path]:
    """The three-coder case, its processed tables, and its export (a three-user project)."""
    (mini_case.codings / "coder-C.csv").write_text(CODER_C, encoding="utf-8")
    tables = prepare(mini_case)
    assert sorted(set(tables["codings"]["coder"])) == ["A", "B", "C"]
    return mini_case, tables, qdpx.export_qdpx(mini_case, tmp_path / "team.qdpx")


def _imported(archive: Path, folder: Path) -> tuple[qdpx.ImportReport, dict[str, pd.DataFrame]]:
    report = qdpx.import_qdpx(archive, folder / "case")
    return report, prepare(CasePaths(folder / "case", folder / "processed", folder / "reports"))


def _same(native: dict[str, pd.DataFrame], imported: dict[str, pd.DataFrame], rename: dict[str, str] | None = None,
          auto: bool = True):
    """The reliability and disagreement tables agree (coders renamed; without the auto-coder's rows when
    the project carried no keywords for it, as a foreign codebook does not)."""
    for name in ("reliability", "disagreements"):
        expected, got = native[name], imported[name]
        if not auto:
            expected, got = (t[~t["comparison"].str.endswith(" vs auto")] for t in (expected, got))
        if rename:
            expected = expected.copy()
            expected["comparison"] = expected["comparison"].map(lambda c: _renamed(c, " vs ", rename))
            if name == "disagreements":
                for column, sep in (("coder_1", " vs "), ("coder_2", " vs "), ("applied_by", " and ")):
                    expected[column] = expected[column].map(lambda v, sep=sep: _renamed(v, sep, rename))
        pd.testing.assert_frame_equal(expected.reset_index(drop=True), got.reset_index(drop=True), obj=name)


def _renamed(text: str, sep: str, rename: dict[str, str]) -> str:
    """``A vs C (stance)`` with C renamed: each side of ``sep`` renamed, a trailing `` (stance)`` kept."""
    head, stance, _ = text.partition(" (stance)")
    return sep.join(rename.get(part, part) for part in head.split(sep)) + stance


def test_an_exported_team_project_gives_the_same_reliability_figures(team, tmp_path):
    _, native, archive = team
    report, back = _imported(archive, tmp_path / "back")
    assert report.warnings == []
    assert sorted(p.name for p in (tmp_path / "back" / "case" / "codings").iterdir()) == [
        "coder-A.csv", "coder-B.csv", "coder-C.csv"]
    _same(native, back)
    everyone = native["reliability"].set_index(["comparison", "code"]).loc[("all coders", "(overall)")]
    assert everyone["coders"] == 3  # the figure the test is about: alpha over all three coders


def _foreign(archive: Path, out: Path, drop_users: tuple[str, ...] = ()) -> Path:
    """The project as another tool writes it: no settings notes, user GUIDs of its own and no ``id``, the
    user on the coding only, and the codings of one passage (same span, same memo) in one selection."""
    with zipfile.ZipFile(archive) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    ET.register_namespace("", NS)
    root = ET.fromstring(entries["project.qde"])
    root.remove(root.find(f"{Q}Notes"))
    users = root.find(f"{Q}Users")
    # GUIDs of its own, random but for an ordered start: stand-in coder names (user-0000000N) sort as B, C do
    renamed = {u.get("guid"): f"{n:08X}" + str(uuid.uuid4()).upper()[8:] for n, u in enumerate(users, start=1)}
    for u in list(users):
        del u.attrib["id"]
        if u.get("name") in drop_users:
            users.remove(u)
        u.set("guid", renamed[u.get("guid")])
    merged = 0
    for source in root.iter(f"{Q}TextSource"):
        kept: dict[tuple, ET.Element] = {}
        for sel in list(source.findall(f"{Q}PlainTextSelection")):
            del sel.attrib["creatingUser"]
            for coding in sel.findall(f"{Q}Coding"):
                coding.set("creatingUser", renamed[coding.get("creatingUser")])
            key = (sel.get("startPosition"), sel.get("endPosition"), sel.findtext(f"{Q}Description"))
            if key in kept:
                for coding in sel.findall(f"{Q}Coding"):
                    kept[key].append(coding)
                source.remove(sel)
                merged += 1
            else:
                kept[key] = sel
    assert merged >= 2  # the fixture has passages several coders coded alike
    entries["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out


def test_a_team_project_from_another_tool_gives_the_same_reliability_figures(team, tmp_path):
    _, native, archive = team
    report, back = _imported(_foreign(archive, tmp_path / "foreign.qdpx"), tmp_path / "back")
    assert report.warnings == []
    case_yml = (tmp_path / "back" / "case" / "case.yml").read_text()
    assert "primary_coder: A" in case_yml  # without our settings: the user with most codings
    _same(native, back, auto=False)


def test_codings_by_users_missing_from_the_users_list_stay_coders_of_their_own(team, tmp_path):
    _, native, archive = team
    report, back = _imported(_foreign(archive, tmp_path / "foreign.qdpx", drop_users=("B", "C")), tmp_path / "back")
    assert len(report.warnings) == 2
    # who is who: B made 3 codings, C 4
    strangers = {w.split(" coding(s)")[0]: w.split("kept as their own coder '")[1].split("'")[0]
                 for w in report.warnings}
    assert set(strangers) == {"3", "4"} and all(s.startswith("user-") for s in strangers.values())
    # neither is merged into the other (nor into A): the same figures, under the stand-in names
    _same(native, back, rename={"B": strangers["3"], "C": strangers["4"]}, auto=False)


def test_a_group_transcript_comes_back_as_one(mini_case, tmp_path):
    (mini_case.interviews / "G1.md").write_text(
        "---\nid: G1\ninformants: [Alice Moreau, Bruno Tanaka]\ninterviewer: Moderator\ndate: 2023-02-01\n"
        "language: en\nillustrative: true\n---\nModerator: What changed?\n\nAlice Moreau: The visits started again.\n\n"
        "Bruno Tanaka: And the budget came back.\n\nModerator: Thank you.\n", encoding="utf-8")
    with (mini_case.codings / "coder-A.csv").open("a", encoding="utf-8") as f:
        f.write("G1,MONEY,the budget came back,1,A,\n")
    native = prepare(mini_case)
    report, back = _imported(qdpx.export_qdpx(mini_case, tmp_path / "g.qdpx"), tmp_path / "back")
    assert report.counts["interviews"] == 3 and report.counts["documents"] == 2
    assert [w.split(": ", 1)[1] for w in report.warnings] == [
        "3 speakers, a group transcript: Moderator taken as the moderator, Person-1, Person-2 as its informants; "
        "check the interviewer and informants fields of its transcript and their names in the identity key"]
    for name in ("informants", "units", "codings", "reliability"):
        keep = [c for c in native[name].columns if c not in ("codings_file", "row", "line")]  # raw positions
        pd.testing.assert_frame_equal(native[name][keep], back[name][keep], obj=name)
