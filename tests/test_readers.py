"""Readers of document originals and transcript exports: each format on small files made here.

The PDFs are written by the package's minimal PDF writer, the web pages,
subtitle files and Word files by the tests; none holds third-party text.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analysis.clean import turns
from analysis.errors import AnalysisError
from analysis.ingest import read_transcripts
from analysis.prepare import prepare
from analysis.readers.documents import Block, read_document, sniff, split_front
from analysis.readers.layout import join_lines
from analysis.readers.pdfwrite import pdf_bytes, write_pdf
from analysis.report import quotes_table, with_pages

HEAD = "Annual report of the harbour office"


def _report_pdf(path: Path) -> Path:
    """Three pages: a running head, numbered feet, a paragraph running across a page break, hyphenations."""
    return write_pdf(path, [
        [HEAD, "", "The harbour office met the partners in May and agreed on a plan for the coop-",
         "eration of both ports.", "", "The kota-", "kota pesisir joined later."],
        [HEAD, "", "A second meeting was held in June, where the delegates discussed the budget",
         "and the next visit. The waste-collection crews and the waste-", "collection budget"],
        [HEAD, "", "were approved by both councils.", "", "Nothing else was decided."],
    ], footers=["Page 1 of 3", "Page 2 of 3", "Page 3 of 3"], title="Harbour report", author="Harbour office")


def test_pdf_text_pages_and_positions(tmp_path):
    doc = read_document(_report_pdf(tmp_path / "R.pdf"))
    assert doc.format == "pdf" and doc.title == "Harbour report" and doc.author == "Harbour office"
    assert [(b.page, b.position) for b in doc.blocks] == [(1, 2), (1, 4), (2, 2), (3, 3)]  # the head is line 1
    texts = [b.text for b in doc.blocks]
    assert texts[0] == "The harbour office met the partners in May and agreed on a plan for the cooperation of both ports."
    assert texts[3] == "Nothing else was decided."


def test_pdf_running_heads_and_page_numbers_are_removed(tmp_path):
    text = " ".join(b.text for b in read_document(_report_pdf(tmp_path / "R.pdf")).blocks)
    assert HEAD not in text and "Page" not in text and "of 3" not in text


def test_pdf_paragraph_runs_on_across_a_page_break(tmp_path):
    blocks = read_document(_report_pdf(tmp_path / "R.pdf")).blocks
    # Page 2 ends mid-sentence: the paragraph continues on page 3 and keeps the page it starts on.
    assert blocks[2].page == 2 and blocks[2].text.endswith("budget were approved by both councils.")
    assert blocks[3].page == 3 and blocks[3].text == "Nothing else was decided."


def test_hyphenation_joined_but_real_hyphens_kept(tmp_path):
    texts = [b.text for b in read_document(_report_pdf(tmp_path / "R.pdf")).blocks]
    assert "cooperation" in texts[0] and "coop-" not in texts[0]
    assert texts[1] == "The kota-kota pesisir joined later."  # a reduplication keeps its hyphen
    assert "waste-collection budget" in texts[2]  # written with a hyphen elsewhere in the document


def test_join_lines_rules():
    assert join_lines(["a coop-", "eration"]) == "a cooperation"
    assert join_lines(["masing-", "masing pihak"]) == "masing-masing pihak"
    assert join_lines(["Rio-", "Grande"]) == "Rio- Grande"  # a capital after the break: not a split word
    assert join_lines(["solid-", "waste"], {"solid-waste"}) == "solid-waste"
    assert join_lines(["one", "two"]) == "one two"


def test_scanned_pdf_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([None, None]))
    with pytest.raises(AnalysisError) as err:
        read_document(path)
    assert "no text layer" in err.value.message and "2 page(s)" in err.value.message
    assert "OCR" in (err.value.hint or "")


def test_damaged_pdf_is_refused(tmp_path):
    path = tmp_path / "cut.pdf"
    path.write_bytes(pdf_bytes([["Some text"]])[:60])
    with pytest.raises(AnalysisError, match="not a readable PDF"):
        read_document(path)


FIXTURES = Path(__file__).parent / "fixtures" / "readers"  # one small sample per format, written for the tests
PAGE = (FIXTURES / "page.html").read_text(encoding="utf-8")  # a news page with menus, cookie notice, teaser, footer


def test_html_main_text_without_boilerplate(tmp_path):
    path = tmp_path / "D1.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = read_document(path)
    assert [b.text for b in doc.blocks] == ["The two towns signed a cooperation agreement & a work plan.",
                                            "The council had approved the plan."]
    assert [b.page for b in doc.blocks] == [None, None]
    assert doc.title == "Port deal signed" and doc.headings == ("Port deal signed",)
    assert doc.author == "Desk Writer" and doc.published == "2016-05-31"


def test_content_decides_over_suffix(tmp_path):
    html = tmp_path / "D1.txt"
    html.write_text(PAGE, encoding="utf-8")
    assert read_document(html).format == "html"
    pdf = tmp_path / "D2.txt"
    pdf.write_bytes(pdf_bytes([["Only line."]]))
    assert read_document(pdf).format == "pdf"
    assert sniff(b"plain words") is None


def test_unknown_document_format_is_refused(tmp_path):
    path = tmp_path / "D1.rtf"
    path.write_text("{\\rtf1 text}", encoding="utf-8")
    with pytest.raises(AnalysisError, match="no document reader for .rtf"):
        read_document(path)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(path: Path, body: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>')
    return path


def _p(text: str, style: str = "") -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def test_docx_document_paragraphs_and_headings(tmp_path):
    path = _docx(tmp_path / "D1.docx", _p("Memorandum", "Title") + _p("NOTE: a copy.") + _p("")
                 + _p("First point.") + _p("Second point."))
    doc = read_document(path)
    assert [(b.text, b.position) for b in doc.blocks] == [("First point.", 4), ("Second point.", 5)]
    assert doc.title == "Memorandum" and doc.notices == ("NOTE: a copy.",)


def test_markdown_heading_and_notice_are_metadata(tmp_path):
    path = tmp_path / "D1.md"
    path.write_text("# Council minutes\n\nNOTICE: a summary, not the record.\n\nThe council met.\n\n"
                    "## Decisions\n\nIt approved the plan.\n", encoding="utf-8")
    doc = read_document(path)
    assert [(b.text, b.position) for b in doc.blocks] == [("The council met.", 5), ("It approved the plan.", 9)]
    assert doc.headings == ("Council minutes", "Decisions") and doc.notices == ("NOTICE: a summary, not the record.",)


def test_a_notice_later_in_the_text_stays_a_unit():
    body, _, notices = split_front([Block("Text.", None, 1), Block("NOTE: this matters.", None, 3)])
    assert [b.text for b in body] == ["Text.", "NOTE: this matters."] and notices == []


# --- transcripts -------------------------------------------------------------------------------------

META = "id: T9\ninformant: Ana Lima\ninterviewer: Interviewer\nlanguage: en\nillustrative: true\n"
TURNS = [("Interviewer", "How did it begin?"),
         ("Ana Lima", "It began with a visit. The agreement came a year later."),
         ("Interviewer", "And then?"),
         ("Ana Lima", "Then the money ran out.")]


def _md(folder: Path) -> list[tuple[str, str]]:
    """The turns of the sample's own-layout transcript (fixtures/readers/interview.md)."""
    folder.mkdir()
    (folder / "T9.md").write_text((FIXTURES / "interview.md").read_text(encoding="utf-8"), encoding="utf-8")
    got = _turns(folder)
    assert got == TURNS
    return got


def _turns(folder: Path, with_time: bool = False) -> list[tuple[str, ...]]:
    [t] = read_transcripts(folder)
    got = turns(t.paragraphs, {"Interviewer", "Ana Lima", "Ms Lima"}, t.path)
    return [(x.speaker, x.text, x.timestamp) if with_time else (x.speaker, x.text) for x in got]


VTT_VOICES = (FIXTURES / "voices.vtt").read_text(encoding="utf-8")

VTT_LABELS = (FIXTURES / "labels.vtt").read_text(encoding="utf-8")

SRT = (FIXTURES / "cues.srt").read_text(encoding="utf-8")

SERVICE = (FIXTURES / "service.txt").read_text(encoding="utf-8")

SIDECAR = (FIXTURES / "export.yml").read_text(encoding="utf-8")  # META + speakers: {Researcher: Interviewer}
TIMES = ["00:00:01", "00:00:04", "00:00:10", "01:02:03"]


@pytest.mark.parametrize("name,content", [("T9.vtt", VTT_VOICES), ("T9.vtt", VTT_LABELS), ("T9.srt", SRT),
                                          ("T9.txt", SERVICE), ("T9.txt", VTT_VOICES)])
def test_exports_give_the_turns_of_the_md_transcript(tmp_path, name, content):
    expected = _md(tmp_path / "md")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / name).write_text(content, encoding="utf-8")
    (folder / "T9.yml").write_text(SIDECAR, encoding="utf-8")
    assert _turns(folder) == expected
    assert [t[2] for t in _turns(folder, with_time=True)] == TIMES  # each turn keeps its first cue's time


def test_docx_table_transcript_gives_the_same_turns(tmp_path):
    expected = _md(tmp_path / "md")
    folder = tmp_path / "docx"
    folder.mkdir()

    def row(*cells: str) -> str:
        return "<w:tr>" + "".join(f"<w:tc>{_p(c)}</w:tc>" for c in cells) + "</w:tr>"
    rows = [row("Time", "Speaker", "Text"), row("00:00:01", "Researcher", "How did it begin?"),
            row("00:00:04", "Ana Lima", "It began with a visit."),
            row("00:00:06", "Ana Lima", "The agreement came a year later."),
            row("00:00:10", "Researcher", "And then?"), row("01:02:03", "Ana Lima", "Then the money ran out.")]
    _docx(folder / "T9.docx", _p("Interview T9") + "<w:tbl>" + "".join(rows) + "</w:tbl>")
    (folder / "T9.yml").write_text(SIDECAR, encoding="utf-8")
    [t] = read_transcripts(folder)
    assert t.format == "docx-table"
    assert _turns(folder) == expected
    assert [t[2] for t in _turns(folder, with_time=True)] == TIMES


def test_unmapped_export_speaker_is_a_clear_error(tmp_path):
    (tmp_path / "T9.vtt").write_text(VTT_VOICES.replace("Researcher", "Speaker 1"), encoding="utf-8")
    (tmp_path / "T9.yml").write_text(META, encoding="utf-8")
    [t] = read_transcripts(tmp_path)
    with pytest.raises(AnalysisError, match="unknown speaker 'Speaker 1'") as err:
        turns(t.paragraphs, {"Interviewer", "Ana Lima"}, t.path)
    assert err.value.line == 7  # the line of the cue's text in the file


def test_vtt_without_header_and_cue_without_timing(tmp_path):
    (tmp_path / "T9.vtt").write_text(SRT, encoding="utf-8")
    (tmp_path / "T9.yml").write_text(META, encoding="utf-8")
    with pytest.raises(AnalysisError, match="must start with the line WEBVTT"):
        read_transcripts(tmp_path)
    (tmp_path / "T9.vtt").unlink()
    (tmp_path / "T9.srt").write_text(SRT.replace("00:00:10,000 --> 00:00:11,000\n", ""), encoding="utf-8")
    with pytest.raises(AnalysisError, match="SRT cue needs a timing line such as 00:00:01,000") as err:
        read_transcripts(tmp_path)
    assert err.value.line == 13


# --- through the pipeline ----------------------------------------------------------------------------

def test_quote_from_a_pdf_carries_its_page(mini_case):
    texts = mini_case.document_texts
    (texts / "D1.md").unlink()
    write_pdf(texts / "D1.pdf", [["Coast News archive", "", "The two towns signed a cooperation agreement in May",
                                  "2016."],
                                 ["Coast News archive", "", "The council had approved the plan beforehand."]],
              footers=["1", "2"])
    tables = prepare(mini_case)
    units = tables["units"].set_index("unit_id")
    assert units.loc["D1-001", "page"] == 1 and units.loc["D1-002", "page"] == 2
    assert pd.isna(units.loc["T1-001", "page"]) and pd.isna(units.loc["D2-001", "page"])
    codings = tables["codings"]
    council = codings[(codings["source_id"] == "D1") & (codings["code"] == "COUNCIL")]
    paged = with_pages(council.assign(speaker=""), tables["units"])
    assert paged["page"].tolist() == [2]
    shown = quotes_table(paged[["code", "stance", "excerpt_id", "source_id", "unit_id", "speaker", "quote", "page"]],
                         {"page": "hlm.", "stances": {"supports": "mendukung", "contradicts": "", "context": ""}})
    assert shown["source_id"].tolist() == ["D1, hlm. 2"]
    sources = tables["sources"].set_index("source_id")
    assert sources.loc["D1", "format"] == "pdf" and sources.loc["D2", "format"] == "md"


def test_export_speaker_alias_from_the_identity_key(mini_case):
    interviews = mini_case.interviews
    (interviews / "T1.md").unlink()
    (interviews / "T1.vtt").write_text(
        "WEBVTT\n\n00:00:05.000 --> 00:00:08.000\n<v Host>How did it start?\n\n"
        "00:00:09.000 --> 00:00:12.000\n<v Ms Moreau>The agreement was signed in 2016 after the council approved it.\n\n"
        "00:01:10.000 --> 00:01:12.000\n<v Host>And the problems?\n\n"
        "00:01:15.000 --> 00:01:20.000\n<v Ms Moreau>There was never enough money for the visits.\n",
        encoding="utf-8")
    (interviews / "T1.yml").write_text("id: T1\ninformant: Alice Moreau\ninterviewer: Interviewer\nlanguage: en\n"
                                       "illustrative: true\nspeakers: {Host: Interviewer}\n", encoding="utf-8")
    codings = mini_case.codings / "coder-A.csv"
    codings.write_text(codings.read_text(encoding="utf-8").replace("T1,AGREEMENT,The agreement was signed in 2016,1,A,\n", ""),
                       encoding="utf-8")
    tables = prepare(mini_case)
    units = tables["units"][tables["units"]["source_id"] == "T1"]
    assert units["speaker"].tolist() == ["Interviewer", "Person-1", "Interviewer", "Person-1"]
    assert units["timestamp"].tolist() == ["00:00:05", "00:00:09", "00:01:10", "00:01:15"]


def test_pdf_repairs_are_logged(tmp_path):
    from analysis.clean import recording_repairs

    path = write_pdf(tmp_path / "M.pdf", [["The cafÃ© opened.", "", "It closed."]])
    with recording_repairs() as repairs:
        doc = read_document(path)
    # Two lines only: the paragraph gap is judged against the font size's usual spacing.
    assert [b.text for b in doc.blocks] == ["The café opened.", "It closed."]
    assert [r.kind for r in repairs] == ["mojibake_repaired"]


def test_short_pdf_lines_one_spacing_apart_stay_one_paragraph(tmp_path):
    doc = read_document(write_pdf(tmp_path / "S.pdf", [["The council met", "in May."]]))
    assert [b.text for b in doc.blocks] == ["The council met in May."]


def test_srt_saved_as_txt_is_read_as_srt(tmp_path):
    (tmp_path / "T9.txt").write_text(SRT, encoding="utf-8")
    (tmp_path / "T9.yml").write_text(SIDECAR, encoding="utf-8")
    [t] = read_transcripts(tmp_path)
    assert t.format == "srt"
