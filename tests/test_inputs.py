"""Input reading that must never be silently wrong (issue 19): turns, follow-ups, groups, encodings, codings files.

Every test builds its own small input (mostly a copy of the mini case) and
checks the behaviour a user would meet: the turns and units built, the
error with its file and line, or the warning and its row in the
``input_warnings`` table.
"""

from __future__ import annotations

import codecs
import logging
import re
import shutil

import pandas as pd
import pytest

from analysis import clean, schemas
from analysis.clean import decode, paragraphs, recording_repairs, turns
from analysis.coding import read_codings
from analysis.config import load_codebook
from analysis.errors import AnalysisError
from analysis.indicators import coded, evidence
from analysis.ingest import read_transcripts
from analysis.paths import PROJECT_DIR, CasePaths
from analysis.prepare import prepare

T3 = """---
id: T3
informant: Alice Moreau
role: port officer
organisation: Town A harbour office
date: 2023-06-01
language: en
interviewer: Interviewer
illustrative: true
---
Interviewer: Did the visits start again?
Alice Moreau: Yes, the council approved new visits in spring.
"""

GROUP = """---
id: G1
informants: [Alice Moreau, Bruno Tanaka]
date: 2023-07-01
language: en
interviewer: Moderator
illustrative: true
---
Moderator: What changed?
Alice Moreau: The council approved the visits again.
Bruno Tanaka: And the money came back, Alice.
Moderator: Thank you both.
"""


def _lines_of(text: str) -> list[tuple[int, str]]:
    return paragraphs(text, keep_lines=True)


# --- 1. turns --------------------------------------------------------------------------------------------

def test_one_turn_per_line_without_blank_lines_gives_the_same_turns():
    with_blanks = "Q: How?\n\nAna Lee: Like this,\nand more.\n\n[00:01:02] Q: Then?\n\nAna Lee: Done."
    without = "Q: How?\nAna Lee: Like this,\nand more.\n[00:01:02] Q: Then?\nAna Lee: Done."
    a = turns(_lines_of(with_blanks), {"Q", "Ana Lee"}, "t.md")
    b = turns(_lines_of(without), {"Q", "Ana Lee"}, "t.md")
    assert [(t.speaker, t.text, t.timestamp) for t in a] == [(t.speaker, t.text, t.timestamp) for t in b] == [
        ("Q", "How?", ""), ("Ana Lee", "Like this, and more.", ""), ("Q", "Then?", "00:01:02"), ("Ana Lee", "Done.", "")]
    assert [t.line for t in b] == [1, 2, 4, 5]


def test_a_bare_timestamp_line_opens_a_paragraph_of_the_same_turn():
    got = turns(_lines_of("Q: Go on.\nAna Lee: First part.\n[00:02:00] second part."), {"Q", "Ana Lee"}, "t.md")
    assert [(t.speaker, t.text) for t in got] == [("Q", "Go on."), ("Ana Lee", "First part.\n\nsecond part.")]


def test_an_unknown_label_at_a_line_start_is_an_error_with_its_line():
    with pytest.raises(AnalysisError, match=r"t.md:3: unknown speaker 'Moderator'"):
        turns(_lines_of("Q: Hi.\nAna Lee: Hello.\nModerator: Next."), {"Q", "Ana Lee"}, "t.md")


@pytest.mark.parametrize("line", [
    "Q: How did it start? Ana Lee: With a visit.",
    "Q: How did it start? **Ana Lee:** With a visit.",
    "Q: How did it start [00:00:09] Ana Lee: With a visit.",
    "Ana Lee: It started. Then a visit. q: and then?",
])
def test_a_second_speaker_label_inside_a_line_is_an_error(line):
    with pytest.raises(AnalysisError, match=r"t.md:4: a second speaker label '.+' inside a line"):
        turns([(4, line)], {"Q", "Ana Lee"}, "t.md")


@pytest.mark.parametrize("line", [
    "Ana Lee: I told Q: go ahead.",  # a name and a colon in mid-sentence is prose
    "Ana Lee: The ratio was 3:1. Really.",
    "Ana Lee: Q is what we called him.",
])
def test_prose_with_a_name_or_colon_is_not_a_second_label(line):
    [t] = turns([(1, line)], {"Q", "Ana Lee"}, "t.md")
    assert t.speaker == "Ana Lee"


@pytest.mark.parametrize("stamp", ["12:75:99", "00:60:00", "01:02:60", "61:00"])
def test_impossible_timestamps_are_errors_with_line(stamp):
    with pytest.raises(AnalysisError, match=rf"t.md:2: invalid timestamp \[{stamp}\]"):
        turns([(1, "Q: Hi."), (2, f"[{stamp}] Ana Lee: Hello.")], {"Q", "Ana Lee"}, "t.md")


def test_valid_timestamps_are_kept():
    got = turns([(1, "[59:59] Q: Hi."), (2, "[23:59:59] Ana Lee: Hello.")], {"Q", "Ana Lee"}, "t.md")
    assert [t.timestamp for t in got] == ["00:59:59", "23:59:59"]


def test_example_transcript_without_blank_lines_keeps_its_units(tmp_path):
    """The issue's reproduction on a transcript of the English example with its blank lines removed.

    (The issue used T01, since turned into a WebVTT export; T04 has the same plain-label layout.)
    """
    example = PROJECT_DIR / "examples" / "aldermoor-calvera"
    results = {}
    for name, squeeze in (("as-is", False), ("squeezed", True)):
        case = tmp_path / name / "case"
        shutil.copytree(example, case)
        if squeeze:
            t04 = case / "interviews" / "T04.md"
            t04.write_text(re.sub(r"\n\s*\n", "\n", t04.read_text(encoding="utf-8")), encoding="utf-8")
        tables = prepare(CasePaths(case, tmp_path / name / "processed", tmp_path / name / "reports"))
        units = tables["units"][tables["units"]["source_id"] == "T04"]
        results[name] = (list(units["speaker_role"]), list(units["text"]),
                         sorted(tables["codings"][["unit_id", "code", "coder"]].itertuples(index=False)))
    roles = results["squeezed"][0]
    assert len(roles) == 6 and roles == ["interviewer", "informant"] * 3
    assert results["squeezed"] == results["as-is"]


def test_docx_line_break_before_a_label_starts_a_turn(tmp_path):
    from tests.test_ingest import make_docx

    xml = ('<w:p><w:r><w:t>Q: How?</w:t><w:br/><w:t>Ana Lee: Like this.</w:t></w:r></w:p>')
    make_docx(tmp_path / "I1.docx", [xml])
    (tmp_path / "I1.yml").write_text("id: I1\n", encoding="utf-8")
    [t] = read_transcripts(tmp_path)
    got = turns(t.paragraphs, {"Q", "Ana Lee"}, t.path)
    assert [(x.speaker, x.text, x.line) for x in got] == [("Q", "How?", 1), ("Ana Lee", "Like this.", 1)]


def test_a_coding_on_an_interviewer_turn_is_warned_and_listed(mini_case, caplog):
    with open(mini_case.codings / "coder-A.csv", "a", encoding="utf-8") as f:
        f.write("T2,DISTANCE,Tell me about it.,1,A,\n")
    with caplog.at_level(logging.WARNING, logger="analysis"):
        tables = prepare(mini_case)
    assert any("codings/coder-A.csv:11" in r.getMessage() and "interviewer turn" in r.getMessage()
               for r in caplog.records)
    warned = tables["input_warnings"]
    row = warned[warned["kind"] == "coding_on_interviewer_turn"].iloc[0]
    assert (row["file"], row["line"], row["source_id"]) == ("codings/coder-A.csv", 11, "T2")
    assert "DISTANCE" in row["detail"] and "T2-001" in row["detail"]
    on_disk = schemas.read_table(schemas.INPUT_WARNINGS, mini_case.processed)
    assert len(on_disk) == len(warned) == 1


def test_a_clean_case_has_an_empty_warnings_table(prepared_mini):
    assert prepared_mini.tables["input_warnings"].empty
    assert (prepared_mini.paths.processed / "input_warnings.csv").read_text().strip() == "kind,file,line,source_id,detail"


# --- 2. follow-up interviews and group transcripts --------------------------------------------------------

def test_a_follow_up_interview_is_its_own_source_and_its_informant_counts_once(mini_case):
    (mini_case.interviews / "T3.md").write_text(T3, encoding="utf-8")
    with open(mini_case.codings / "coder-A.csv", "a", encoding="utf-8") as f:
        f.write("T3,COUNCIL,the council approved new visits,1,A,\n")
    tables = prepare(mini_case)
    inf = tables["informants"]
    assert sorted(inf.loc[inf["informant"] == "Person-1", "source_id"]) == ["T1", "T3"]
    assert inf["informant"].nunique() == 2
    assert set(tables["sources"]["source_id"]) >= {"T1", "T3"}
    # COUNCIL is coded in T1 and T3, both Person-1 (and in D1): one informant, three units.
    [indicator] = [i for i in load_codebook(mini_case.codebook).indicators if "COUNCIL" in {c.id for c in i.codes}]
    rows = coded(indicator, tables["codings"], tables["units"], tables["documents"], "A")
    table = evidence(indicator, rows, "en").set_index("code")
    assert (table.loc["COUNCIL", "informants"], table.loc["COUNCIL", "units"]) == (1, 3)
    on_disk = schemas.read_table(schemas.INFORMANTS, mini_case.processed)
    assert list(zip(on_disk["informant"], on_disk["source_id"])) == list(zip(inf["informant"], inf["source_id"]))


def test_a_group_transcript_maps_each_speaker_to_their_pseudonym(mini_case):
    (mini_case.interviews / "G1.md").write_text(GROUP, encoding="utf-8")
    tables = prepare(mini_case)
    units = tables["units"][tables["units"]["source_id"] == "G1"]
    assert list(zip(units["speaker"], units["speaker_role"])) == [
        ("Moderator", "interviewer"), ("Person-1", "informant"), ("Person-2", "informant"), ("Moderator", "interviewer")]
    assert "And the money came back, Person-1." in set(units["text"])  # names inside the turns are replaced too
    inf = tables["informants"]
    assert sorted(inf.loc[inf["source_id"] == "G1", "informant"]) == ["Person-1", "Person-2"]
    source = tables["sources"].set_index("source_id").loc["G1"]
    assert source["speaker"] == "Person-1, Person-2"
    for table in tables.values():  # no name of the key reaches a table
        text = table.to_csv()
        assert "Alice" not in text and "Bruno" not in text


@pytest.mark.parametrize("old, new, message", [
    ("informants: [Alice Moreau, Bruno Tanaka]", "informants: [Alice Moreau, Carla Souza]",
     r"G1.md: \[informants\] informant 'Carla Souza' is not in the private identity key"),
    ("informants: [Alice Moreau, Bruno Tanaka]", "informants: [Alice Moreau, alice moreau]",
     r"G1.md: \[informants\] informant 'alice moreau' is listed twice"),
    ("informants: [Alice Moreau, Bruno Tanaka]", "informants: Alice Moreau",
     r"G1.md: \[informants\] informants must be a list of names"),
    ("informants: [Alice Moreau, Bruno Tanaka]", "informants: [Alice Moreau]\ninformant: Bruno Tanaka",
     r"G1.md: \[informants\] give either informant \(an interview\) or informants \(a group\), not both"),
    ("informants: [Alice Moreau, Bruno Tanaka]\n", "", r"G1.md: \[informant\] missing metadata field"),
])
def test_bad_group_metadata_is_an_error(mini_case, old, new, message):
    assert old in GROUP
    (mini_case.interviews / "G1.md").write_text(GROUP.replace(old, new), encoding="utf-8")
    with pytest.raises(AnalysisError, match=message):
        prepare(mini_case)


# --- 3. encodings and values ------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_with_a_bom_are_decoded(codec):
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[codec]
    with recording_repairs() as repairs:
        assert decode(bom + "Q: café\r\nA: ok".encode(codec), "t.txt") == "Q: café\nA: ok"
    assert repairs == []  # a declared encoding is no repair


def test_a_damaged_utf16_file_is_an_error():
    with pytest.raises(AnalysisError, match=r"t.txt: cannot decode as UTF-16 \(byte \d+\)"):
        decode(codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8", "t.txt")  # a lone surrogate


def test_utf16_without_a_bom_is_still_refused_as_binary():
    with pytest.raises(AnalysisError, match="binary file"):
        decode("Q: hi".encode("utf-16-le"), "t.txt")


@pytest.mark.parametrize("data, kind", [
    ("Q: caf\u00e9 na\u00efve".encode("cp1252"), "cp1252_fallback"),
    ("Q: caf\u00c3\u00a9".encode("utf-8"), "mojibake_repaired"),
    (b"Q: bell\x07 and escape\x1b here", "control_characters_removed"),
])
def test_every_repair_is_warned_and_recorded(data, kind, caplog):
    with caplog.at_level(logging.WARNING, logger="analysis"), recording_repairs() as repairs:
        text = decode(data, "case/interviews/t.txt")
    assert [r.kind for r in repairs] == [kind]
    assert any(r.getMessage().startswith("case/interviews/t.txt: ") for r in caplog.records)
    assert "\x07" not in text and "\x1b" not in text and "Ã" not in text


def test_a_docx_is_reported_once_however_many_paragraphs_were_repaired(tmp_path):
    from tests.test_ingest import make_docx, para

    # XML 1.0 forbids C0 controls, so in a .docx only C1 ones (U+0080-U+009F) can occur.
    make_docx(tmp_path / "I1.docx", [para("Q: one\x81"), para("Ana Lee: two\x9d three\x8f")])
    (tmp_path / "I1.yml").write_text("id: I1\n", encoding="utf-8")
    with recording_repairs() as repairs:
        [t] = read_transcripts(tmp_path)
    assert [(r.kind, r.detail) for r in repairs] == [("control_characters_removed", "3 control character(s) removed")]
    assert [p for _, p in t.paragraphs] == ["Q: one", "Ana Lee: two three"]


def test_clean_utf8_is_no_repair(caplog):
    with caplog.at_level(logging.WARNING, logger="analysis"), recording_repairs() as repairs:
        decode("Q: café, naïve — “quoted”".encode(), "t.txt")
    assert repairs == [] and not caplog.records


def test_repairs_of_a_case_reach_the_warnings_table(mini_case):
    t2 = mini_case.interviews / "T2.txt"
    t2.write_bytes(t2.read_text(encoding="utf-8").replace("’", "'").replace("Money, of", "Mon\x07ey, of")
                   .replace("Tell me about it.", "Tell me about the café.")
                   .encode("cp1252"))
    with open(mini_case.codings / "coder-B.csv", "rb") as f:
        data = f.read()
    (mini_case.codings / "coder-B.csv").write_bytes(codecs.BOM_UTF16_LE + data.decode("utf-8").encode("utf-16-le"))
    tables = prepare(mini_case)
    warned = tables["input_warnings"]
    got = sorted(zip(warned["kind"], warned["file"], warned["source_id"]))
    assert got == [("control_characters_removed", "interviews/T2.txt", "T2"),
                   ("cp1252_fallback", "interviews/T2.txt", "T2")]
    assert "Money, of course." in set(tables["codings"]["quote"])  # the UTF-16 codings file was read


def test_an_empty_transcript_is_named_as_such(mini_case):
    for content in (b"", b"  \n\n"):
        (mini_case.interviews / "T9.md").write_bytes(content)
        with pytest.raises(AnalysisError, match=r"T9.md: empty transcript: the file holds no text"):
            prepare(mini_case)
    (mini_case.interviews / "T9.md").unlink()
    (mini_case.interviews / "T9.docx").write_bytes(b"")
    (mini_case.interviews / "T9.yml").write_text("id: T9\n")
    with pytest.raises(AnalysisError, match=r"T9.docx: empty transcript"):
        prepare(mini_case)


# --- 4. codings files -------------------------------------------------------------------------------------

def _to_xlsx(csv_path, xlsx_path, numbers=True):
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    with open(csv_path, encoding="utf-8") as f:
        for n, row in enumerate(csv.reader(f)):
            # A spreadsheet stores an occurrence as a number and leaves empty cells empty.
            sheet.append([int(v) if numbers and n and v.isdigit() else (v or None) for v in row])
    book.save(xlsx_path)


def test_codings_in_a_workbook_are_read_like_csv(mini_case):
    before = prepare(mini_case)["codings"]
    _to_xlsx(mini_case.codings / "coder-B.csv", mini_case.codings / "coder-B.xlsx")
    (mini_case.codings / "coder-B.csv").unlink()
    after = prepare(mini_case)["codings"]
    cols = [c for c in after.columns if c != "codings_file"]
    assert after[cols].equals(before[cols])
    assert set(after.loc[after["coder"] == "B", "codings_file"]) == {"coder-B.xlsx"}
    assert list(after.loc[after["coder"] == "B", "row"].sort_values()) == [2, 3, 4]


def test_a_workbook_keeps_the_stance_column(mini_case):
    csv_path = mini_case.codings / "coder-B.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",stance"
    lines[1:] = [lines[1] + ",contradicts", lines[2] + ",", lines[3] + ",Context"]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _to_xlsx(csv_path, mini_case.codings / "coder-B.xlsx")
    csv_path.unlink()
    raw = read_codings(mini_case.codings).set_index("row")
    b = raw[raw["coder"] == "B"]
    assert list(b["stance"]) == ["contradicts", "supports", "context"]
    assert list(b["stance_explicit"]) == [True, False, True]


def test_a_damaged_workbook_is_an_error(mini_case):
    (mini_case.codings / "coder-C.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(AnalysisError, match=r"coder-C.xlsx: not a readable .xlsx workbook"):
        read_codings(mini_case.codings)


def test_a_workbook_row_beyond_the_header_is_an_error(mini_case):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["source_id", "code", "quote", "occurrence", "coder", "memo"])
    book.active.append(["T1", "MONEY", "money", 1, "C", "a memo", "spilled over"])
    book.save(mini_case.codings / "coder-C.xlsx")
    with pytest.raises(AnalysisError, match=r"coder-C.xlsx:2: row has 7 fields, the header 6"):
        read_codings(mini_case.codings)


def test_only_the_first_sheet_is_read_and_the_others_are_named(mini_case, caplog):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["source_id", "code", "quote", "occurrence", "coder", "memo"])
    book.active.append(["T1", "MONEY", "There was never enough money", None, "C", None])
    notes = book.create_sheet("notes")
    notes.append(["to do"])
    notes.append(["recode T2"])
    book.save(mini_case.codings / "coder-C.xlsx")
    with caplog.at_level(logging.WARNING, logger="analysis"):
        raw = read_codings(mini_case.codings)
    c = raw[raw["coder"] == "C"]
    assert (list(c["row"]), list(c["occurrence"]), list(c["memo"])) == ([2], [0], [""])
    assert any("coder-C.xlsx: only the first sheet is read" in r.getMessage() and "notes" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("name", ["coder-C.ods", "notes.txt", "coder-C.xls", "README"])
def test_any_other_file_in_codings_is_refused_by_name(mini_case, name):
    (mini_case.codings / name).write_text("whatever")
    with pytest.raises(AnalysisError, match=rf"{re.escape(name)}: not a codings file"):
        read_codings(mini_case.codings)


def test_hidden_files_in_codings_are_not_codings(mini_case):
    (mini_case.codings / ".DS_Store").write_bytes(b"\x00\x01")
    assert len(read_codings(mini_case.codings)) == 12


@pytest.mark.parametrize("row, fields", [
    ("T1,MONEY,money,1,A,a memo, with a comma", 7),  # the memo would have lost ", with a comma"
    ("T1,MONEY,money,1,A", 5),
])
def test_ragged_csv_rows_are_errors_with_line(mini_case, row, fields):
    with open(mini_case.codings / "coder-A.csv", "a", encoding="utf-8") as f:
        f.write(row + "\n")
    with pytest.raises(AnalysisError, match=rf"coder-A.csv:11: row has {fields} fields, the header 6"):
        read_codings(mini_case.codings)


def test_a_quoted_memo_with_a_comma_and_a_trailing_empty_field_are_fine(mini_case):
    with open(mini_case.codings / "coder-A.csv", "a", encoding="utf-8") as f:
        f.write('T1,MONEY,"There was never enough money",1,A,"a memo, with a comma"\n')
        f.write("T2,MONEY,Money,1,A,,\n")  # a spreadsheet's trailing separator loses nothing
    raw = read_codings(mini_case.codings)
    assert "a memo, with a comma" in set(raw["memo"])
    assert list(raw.loc[raw["codings_file"] == "coder-A.csv", "row"].tail(2)) == [11, 12]


def test_the_warnings_table_is_declared_and_built_by_make():
    assert schemas.INPUT_WARNINGS in schemas.ALL
    makefile = (PROJECT_DIR / "Makefile").read_text()
    names = re.search(r"^TABLE_NAMES := (.+)$", makefile, re.MULTILINE).group(1).split()
    assert names == [s.name for s in schemas.ALL]


def test_clean_module_names_the_repair_kinds_it_records():
    # The QA table's kinds are a closed list: the docs describe each.
    doc = (PROJECT_DIR / "docs" / "case-format.md").read_text(encoding="utf-8")
    for kind in ("cp1252_fallback", "mojibake_repaired", "control_characters_removed", "coding_on_interviewer_turn"):
        assert kind in doc
    assert clean.ENCODINGS == ("utf-8", "cp1252")


def test_pandas_reads_the_warnings_csv(mini_case):
    prepare(mini_case)
    df = pd.read_csv(mini_case.processed / "input_warnings.csv")
    assert list(df.columns) == list(schemas.INPUT_WARNINGS.columns)


def test_a_file_without_a_suffix_in_codings_is_named_as_such(mini_case):
    (mini_case.codings / "notes").write_text("to do\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"notes: not a codings file \(no suffix\)"):
        read_codings(mini_case.codings)


def test_header_names_are_read_without_surrounding_spaces(mini_case):
    path = mini_case.codings / "coder-B.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = ", ".join(lines[0].split(","))  # "source_id, code, quote, ..."
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["source_id ", " code", "quote", "occurrence", "coder", "memo"])
    book.active.append(["T1", "MONEY", "There was never enough money", 2.0, "C", None])
    book.save(mini_case.codings / "coder-C.xlsx")
    raw = read_codings(mini_case.codings)
    assert set(raw["coder"]) == {"A", "B", "C"}
    assert raw.loc[raw["coder"] == "C", "occurrence"].tolist() == [2]  # a whole number stored as 2.0


def test_a_ragged_csv_row_names_its_own_line(mini_case):
    path = mini_case.codings / "coder-B.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("T1,MONEY,money,1,B,memo,spilled\n")
    n = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(AnalysisError, match=rf"coder-B.csv:{n}: row has 7 fields"):
        read_codings(mini_case.codings)


def test_a_second_sheet_with_only_a_header_row_is_not_warned_about(mini_case, caplog):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["source_id", "code", "quote", "occurrence", "coder", "memo"])
    book.active.append(["T1", "MONEY", "There was never enough money", None, "C", None])
    book.create_sheet("empty").append(["just a title"])
    book.save(mini_case.codings / "coder-C.xlsx")
    with caplog.at_level(logging.WARNING, logger="analysis"):
        read_codings(mini_case.codings)
    assert not any("only the first sheet" in r.getMessage() for r in caplog.records)
