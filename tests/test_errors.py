"""The error catalogue: every entry of docs/errors.md is met by a test, and every test by an entry.

Each trigger damages a copy of the mini case the way a user could, runs one
command through the CLI, and the test checks what the user would see: exit
code 1, exactly one line, and that line matching the message written in the
catalogue (``<...>`` there stands for a path, name or number). A catalogue
entry without a trigger, a trigger without an entry, or a message that
drifted from its documentation all fail here.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis import cli
from analysis.cli import main
from analysis.formats import pdf as pdf_format
from analysis.paths import PROJECT_DIR
from analysis.readers.pdfwrite import pdf_bytes

CATALOGUE = PROJECT_DIR / "docs" / "errors.md"
# A message is inline code: `error: ...`, or ``error: ...`` when it holds a backtick itself.
_ENTRY = re.compile(r"^### `(?P<id>[a-z0-9-]+)`\n+(?P<tick>`+) ?(?P<message>error: .+?) ?(?P=tick)$", re.M)


def _catalogue() -> dict[str, str]:
    return {m["id"]: m["message"] for m in _ENTRY.finditer(CATALOGUE.read_text(encoding="utf-8"))}


def _pattern(message: str) -> re.Pattern:
    """The documented message as a regex: ``<...>`` matches anything, the rest literally."""
    parts = re.split(r"<[^>]+>", message)
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z")


# --- triggers: damage a case copy, return the command line to run ------------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"trigger is stale: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


Trigger = Callable[[Path], list[str]]
PREPARE: list[str] = ["prepare"]
TRIGGERS: dict[str, Trigger] = {}


def trigger(entry: str):
    def register(func: Trigger) -> Trigger:
        TRIGGERS[entry] = func
        return func
    return register


@trigger("config-file-missing")
def _(case):
    (case / "case.yml").unlink()
    return PREPARE


@trigger("config-not-utf8")
def _(case):
    (case / "codebook.yml").write_bytes((case / "codebook.yml").read_bytes() + b"# caf\xe9\n")
    return PREPARE


@trigger("yaml-syntax")
def _(case):
    _edit(case / "codebook.yml", "    kind: ranking", "   kind: ranking")
    return PREPARE


@trigger("yaml-not-a-mapping")
def _(case):
    _edit(case / "codebook.yml", "  - id: problems\n", "  - problems\n  - id: problems\n")
    return PREPARE


@trigger("yaml-missing-field")
def _(case):
    _edit(case / "case.yml", "language: en\n", "")
    return PREPARE


@trigger("yaml-wrong-type")
def _(case):
    _edit(case / "case.yml", "chapter: {number: 4,", "chapter: {number: [4],")
    return PREPARE


@trigger("rule-min-supported")
def _(case):
    _edit(case / "case.yml", "min_informants: 2", "min_informants: 2, min_supported: 1")
    return PREPARE


@trigger("rule-not-a-number")
def _(case):
    _edit(case / "case.yml", "min_informants: 2", "min_informants: two")
    return PREPARE


@trigger("rule-not-a-mapping")
def _(case):
    _edit(case / "case.yml", "  default: {min_informants: 2, min_documents: 1}", "  default: 2")
    return PREPARE


@trigger("rank-by-unknown")
def _(case):
    _edit(case / "case.yml", "rank_by: [informants, units]", "rank_by: [informants, loudness]")
    return PREPARE


@trigger("recommendation-kind-unknown")
def _(case):
    _append(case / "case.yml", "recommendations:\n  - {kind: policy, when: {state: contested}, text: x}\n")
    return PREPARE


@trigger("recommendation-condition-empty")
def _(case):
    _append(case / "case.yml", "recommendations:\n  - {kind: practical, when: {}, text: x}\n")
    return PREPARE


@trigger("recommendation-state-unknown")
def _(case):
    _append(case / "case.yml", "recommendations:\n  - {kind: academic, when: {state: unclear}, text: x}\n")
    return PREPARE


@trigger("language-unknown")
def _(case):
    _edit(case / "case.yml", "language: en", "language: fr")
    return PREPARE


@trigger("indicator-kind-unknown")
def _(case):
    _edit(case / "codebook.yml", "kind: ranking", "kind: scale")
    return PREPARE


@trigger("indicator-without-codes")
def _(case):
    text = (case / "codebook.yml").read_text()
    (case / "codebook.yml").write_text(text.split("  - id: problems")[0] + "  - id: problems\n    kind: ranking\n"
                                       "    label: {en: Problems}\n    codes: []\n")
    return PREPARE


@trigger("codebook-empty")
def _(case):
    (case / "codebook.yml").write_text("indicators: []\n")
    return PREPARE


@trigger("duplicate-id")
def _(case):
    _edit(case / "codebook.yml", "- id: DISTANCE", "- id: MONEY")
    return PREPARE


@trigger("yaml-unknown-key")
def _(case):
    # A misspelt rule name would be ignored and the built-in thresholds used instead.
    _edit(case / "case.yml", "  default: {min_informants", "  defualt: {min_informants")
    return PREPARE


@trigger("yaml-duplicate-key")
def _(case):
    _edit(case / "codebook.yml", "keywords: {en: [council]}", "keywords: {en: [council]}\n        keywords: {en: [x]}")
    return PREPARE


@trigger("yaml-alias")
def _(case):
    # A "billion laughs": nine levels of nine repetitions in a code definition.
    levels = ["          - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"          - &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 9)]
    _edit(case / "codebook.yml", "definition: Council approval.", "definition:\n" + "\n".join(levels))
    return PREPARE


@trigger("keywords-not-a-list")
def _(case):
    _edit(case / "codebook.yml", "keywords: {en: [council]}", "keywords: {en: council}")
    return PREPARE


@trigger("transcript-binary")
def _(case):
    (case / "interviews" / "T2.txt").write_bytes(b"\x00\x01\x02 not text")
    return PREPARE


@trigger("transcript-undecodable")
def _(case):
    path = case / "interviews" / "T2.txt"
    path.write_bytes(path.read_bytes() + b"\n\xe9\x81\x8d\x9d")  # neither UTF-8 nor cp1252
    return PREPARE


@trigger("transcript-format-unknown")
def _(case):
    (case / "interviews" / "T3.pdf").write_bytes(b"%PDF-1.4\n")
    return PREPARE


@trigger("sidecar-without-transcript")
def _(case):
    (case / "interviews" / "T9.yml").write_text("id: T9\n")
    return PREPARE


@trigger("docx-damaged")
def _(case):
    (case / "interviews" / "T3.docx").write_bytes(b"PK\x03\x04\x14\x00 cut short")
    (case / "interviews" / "T3.yml").write_text("id: T3\n")
    return PREPARE


@trigger("docx-xml-damaged")
def _(case):
    with zipfile.ZipFile(case / "interviews" / "T3.docx", "w") as z:
        z.writestr("word/document.xml", "<w:document><w:body><w:p>unclosed")
    (case / "interviews" / "T3.yml").write_text("id: T3\n")
    return PREPARE


@trigger("front-matter-unclosed")
def _(case):
    _edit(case / "interviews" / "T2.txt", "illustrative: true\n---\n", "illustrative: true\n")
    return PREPARE


@trigger("front-matter-yaml")
def _(case):
    _edit(case / "interviews" / "T2.txt", "role: trader", "role: [trader")
    return PREPARE


@trigger("front-matter-not-a-mapping")
def _(case):
    text = (case / "interviews" / "T2.txt").read_text()
    body = text.split("---\n", 2)[2]
    (case / "interviews" / "T2.txt").write_text("---\n- a list\n---\n" + body)
    return PREPARE


@trigger("metadata-missing")
def _(case):
    text = (case / "interviews" / "T2.txt").read_text()
    (case / "interviews" / "T2.txt").write_text(text.split("---\n", 2)[2])
    return PREPARE


@trigger("metadata-field-missing")
def _(case):
    _edit(case / "interviews" / "T2.txt", "interviewer: Interviewer\n", "")
    return PREPARE


@trigger("informant-not-in-key")
def _(case):
    _edit(case / "interviews" / "T2.txt", "informant: Bruno Tanaka", "informant: Carla Souza")
    return PREPARE


@trigger("illustrative-flag-missing")
def _(case):
    _edit(case / "interviews" / "T2.txt", "illustrative: true", "illustrative: maybe")
    return PREPARE


@trigger("speaker-unknown")
def _(case):
    _edit(case / "interviews" / "T2.txt", "Interviewer: Anything else?", "Moderator: Anything else?")
    return PREPARE


@trigger("text-before-first-turn")
def _(case):
    _edit(case / "interviews" / "T2.txt", "---\nInterviewer: Tell me", "---\nRecorded in the harbour office.\n\n"
                                                                       "Interviewer: Tell me")
    return PREPARE


@trigger("duplicate-source-id")
def _(case):
    _edit(case / "interviews" / "T2.txt", "id: T2", "id: T1")
    return PREPARE


@trigger("register-row-too-long")
def _(case):
    _append(case / "documents" / "register.csv", "D3,2021,year,false,news,Extra,https://x,,en,,surplus\n")
    return PREPARE


@trigger("case-problems")
def _(case):
    # Two independent faults in two files: both listed, then the summary line.
    _edit(case / "case.yml", "sector: ports", "sektor: ports")
    _edit(case / "documents" / "register.csv", "D2,2020,year,true,news", "D2,2020,year,true,newspaper")
    return PREPARE


@trigger("codings-column-unknown")
def _(case):
    # A misspelt optional column: header and rows stay aligned, so it is the one problem.
    path = case / "codings" / "coder-A.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header + ",stnace", *(row + "," for row in rows)]) + "\n", encoding="utf-8")
    return PREPARE


@trigger("register-column-unknown")
def _(case):
    _edit(case / "documents" / "register.csv", ",milestone,", ",milestones,")
    return PREPARE


@trigger("register-column-twice")
def _(case):
    _edit(case / "documents" / "register.csv", "uncertainty_note\n", "language\n")
    return PREPARE


@trigger("register-missing-value")
def _(case):
    _edit(case / "documents" / "register.csv", "D2,2020,year,true,news,Visits halted", "D2,2020,year,true,news,")
    return PREPARE


@trigger("document-type-unknown")
def _(case):
    _edit(case / "documents" / "register.csv", "D2,2020,year,true,news", "D2,2020,year,true,rumour")
    return PREPARE


@trigger("uncertain-not-boolean")
def _(case):
    _edit(case / "documents" / "register.csv", "D2,2020,year,true,news", "D2,2020,year,perhaps,news")
    return PREPARE


@trigger("document-text-missing")
def _(case):
    (case / "documents" / "texts" / "D2.md").unlink()
    return PREPARE


@trigger("document-text-unregistered")
def _(case):
    (case / "documents" / "texts" / "D7.md").write_text("A text nobody registered.\n")
    return PREPARE


@trigger("document-file-missing")
def _(case):
    register = case / "documents" / "register.csv"
    lines = register.read_text().splitlines()
    lines[0] += ",file"
    lines[1] += ",originals/D1.pdf"
    lines[2:] = [line + "," for line in lines[2:]]
    register.write_text("\n".join(lines) + "\n")
    return PREPARE


@trigger("document-two-texts")
def _(case):
    (case / "documents" / "texts" / "D1.pdf").write_bytes(pdf_bytes([["The same text, as a PDF."]]))
    return PREPARE


@trigger("document-format-unknown")
def _(case):
    register = case / "documents" / "register.csv"
    lines = register.read_text().splitlines()
    lines = [lines[0] + ",file", lines[1] + ",texts/D1.rtf"] + [line + "," for line in lines[2:]]
    register.write_text("\n".join(lines) + "\n")
    (case / "documents" / "texts" / "D1.md").rename(case / "documents" / "texts" / "D1.rtf")
    return PREPARE


@trigger("document-empty")
def _(case):
    (case / "documents" / "texts" / "D2.md").write_text("# Visits halted\n")
    return PREPARE


@trigger("pdf-unreadable")
def _(case):
    (case / "documents" / "texts" / "D2.md").unlink()
    (case / "documents" / "texts" / "D2.pdf").write_bytes(pdf_bytes([["Visits halted."]])[:200])
    return PREPARE


@trigger("pdf-no-text-layer")
def _(case):
    (case / "documents" / "texts" / "D2.md").unlink()
    (case / "documents" / "texts" / "D2.pdf").write_bytes(pdf_bytes([None]))
    return PREPARE


_VTT_META = "id: T3\ninformant: Bruno Tanaka\ninterviewer: Interviewer\nlanguage: en\nillustrative: true\n"


@trigger("vtt-header-missing")
def _(case):
    (case / "interviews" / "T3.vtt").write_text("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hello?\n")
    (case / "interviews" / "T3.yml").write_text(_VTT_META)
    return PREPARE


@trigger("cue-timing-missing")
def _(case):
    (case / "interviews" / "T3.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hello?\n\n"
                                                "Bruno Tanaka: a cue without its timing line\n")
    (case / "interviews" / "T3.yml").write_text(_VTT_META)
    return PREPARE


@trigger("speakers-not-a-mapping")
def _(case):
    (case / "interviews" / "T3.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Host>Hello?\n")
    (case / "interviews" / "T3.yml").write_text(_VTT_META + "speakers: [Host, Interviewer]\n")
    return PREPARE


@trigger("transcript-table-row")
def _(case):
    row = "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>"
                             for c in ("1:05", "Interviewer", "Hello?", "extra")) + "</w:tr>"
    with zipfile.ZipFile(case / "interviews" / "T3.docx", "w") as z:
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   f'wordprocessingml/2006/main"><w:body><w:tbl>{row}</w:tbl></w:body></w:document>')
    (case / "interviews" / "T3.yml").write_text(_VTT_META)
    return PREPARE


@trigger("codings-columns-missing")
def _(case):
    _edit(case / "codings" / "coder-B.csv", "source_id,code,quote,occurrence,coder,memo", "source,code,quote,coder")
    return PREPARE


@trigger("coding-value-missing")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T1,,The agreement was signed in 2016,1,B,\n")
    return PREPARE


@trigger("occurrence-not-a-number")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T1,AGREEMENT,The agreement was signed in 2016,first,B,\n")
    return PREPARE


@trigger("stance-unknown")
def _(case):
    path = case / "codings" / "coder-B.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",stance", *(line + "," for line in lines[1:])]
    path.write_text("\n".join(rows) + "\nT1,AGREEMENT,The agreement was signed in 2016,1,B,,maybe\n", encoding="utf-8")
    return PREPARE


@trigger("diff-needs-two-builds")
def _(case):
    return ["diff"]


@trigger("diff-not-a-build")
def _(case):
    return ["diff", str(case), str(case)]


@trigger("results-not-a-results-file")
def _(case):
    out = case.parent / "out"
    (out / "reports" / "results").mkdir(parents=True)
    (out / "reports" / "results" / "formation.json").write_text('{"indicator": "formation"', encoding="utf-8")
    return ["diff", str(out), str(out)]


@trigger("coding-source-unknown")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T7,AGREEMENT,The agreement was signed in 2016,1,B,\n")
    return PREPARE


@trigger("coding-code-unknown")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T1,WEATHER,The agreement was signed in 2016,1,B,\n")
    return PREPARE


@trigger("quote-not-found")
def _(case):
    # The transcript was edited after coding: the coded words are gone.
    # Only coder A's quote holds the edited words (B coded the end of the sentence): one problem.
    _edit(case / "interviews" / "T2.txt", "We are far from each other", "We are not close")
    return PREPARE


@trigger("quote-not-found-quote-marks")
def _(case):
    # The text has a typographic apostrophe (’), the quote a straight one, as a spreadsheet may leave it.
    _append(case / "codings" / "coder-A.csv", "T2,MONEY,Bruno's office had no budget,1,A,\n")
    return PREPARE


@trigger("quote-ambiguous")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T1,MONEY,money,,B,\n")
    return PREPARE


@trigger("occurrence-out-of-range")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T1,MONEY,money,3,B,\n")
    return PREPARE


@trigger("quote-spans-units")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T1,AGREEMENT,\"It took a long time, honestly.\n\nAnd the problems?\",1,B,\n")
    return PREPARE


@trigger("coding-duplicate")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T2,MONEY,\"Money, of course.\",1,B,\n")
    return PREPARE


@trigger("transcript-wide-undecodable")
def _(case):
    path = case / "interviews" / "T2.txt"
    path.write_bytes(b"\xff\xfe" + path.read_text(encoding="utf-8").encode("utf-16-le") + b"\x00\xdc")  # a lone surrogate
    return PREPARE


@trigger("transcript-empty")
def _(case):
    (case / "interviews" / "T3.md").write_text("")
    return PREPARE


@trigger("informant-and-informants")
def _(case):
    _edit(case / "interviews" / "T2.txt", "informant: Bruno Tanaka", "informant: Bruno Tanaka\ninformants: [Bruno Tanaka]")
    return PREPARE


@trigger("informants-not-a-list")
def _(case):
    _edit(case / "interviews" / "T2.txt", "informant: Bruno Tanaka", "informants: Bruno Tanaka")
    return PREPARE


@trigger("informant-listed-twice")
def _(case):
    _edit(case / "interviews" / "T2.txt", "informant: Bruno Tanaka", "informants: [Bruno Tanaka, bruno tanaka]")
    return PREPARE


@trigger("speaker-label-inside-line")
def _(case):
    _edit(case / "interviews" / "T2.txt", "Interviewer: Tell me about it.\n\nBruno Tanaka: ",
          "Interviewer: Tell me about it. Bruno Tanaka: ")
    return PREPARE


@trigger("timestamp-invalid")
def _(case):
    _edit(case / "interviews" / "T2.txt", "Interviewer: Anything else?", "[12:75:99] Interviewer: Anything else?")
    return PREPARE


@trigger("codings-file-unknown")
def _(case):
    (case / "codings" / "coder-C.ods").write_bytes(b"PK\x03\x04")
    return PREPARE


@trigger("codings-xlsx-damaged")
def _(case):
    (case / "codings" / "coder-C.xlsx").write_bytes(b"PK\x03\x04 cut short")
    return PREPARE


@trigger("codings-row-too-long")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T2,MONEY,Money,1,B,a memo, with a comma\n")
    return PREPARE


@trigger("codings-row-too-short")
def _(case):
    _append(case / "codings" / "coder-B.csv", "T2,MONEY,Money,1\n")
    return PREPARE


@trigger("indicator-unknown")
def _(case):
    return ["indicator", "outcomes"]


@trigger("table-missing")
def _(case):
    return ["indicator", "setup"]


@trigger("results-missing")
def _(case):
    return ["conclusion"]


@trigger("table-damaged")
def _(case):
    out = case.parent / "out"
    assert main(["prepare", "--case", str(case), "--out", str(out)]) == 0
    (out / "processed" / "units.parquet").write_bytes(b"PAR1 damaged")  # a table damaged after it was written
    return ["indicator", "setup"]


@trigger("executed-notebook-missing")
def _(case):
    return ["assemble"]


@trigger("chapter-format-unknown")
def _(case):
    return ["assemble", "--formats", "html,rtf"]


@trigger("citation-unknown-document")
def _(case):
    # A case's own wording may cite register documents; this one cites a document the register lacks.
    (case / "templates" / "en").mkdir(parents=True)
    (case / "templates" / "en" / "findings_intro.md.j2").write_text("As reported [[cite:D9]].\n", encoding="utf-8")
    return ["build"]


@trigger("chapter-number-invalid")
def _(case):
    _edit(case / "case.yml", "chapter: {number: 4,", "chapter: {number: four,")
    return PREPARE


@trigger("identity-leak")
def _(case):
    reports = case.parent / "out" / "reports"
    reports.mkdir(parents=True)
    (reports / "notes.md").write_text("Draft.\nAs Pak Bruno told us.\n")
    return ["audit"]


@trigger("identity-leak-build")
def _(case):
    reports = case.parent / "out" / "reports"
    reports.mkdir(parents=True)
    (reports / "notes.md").write_text("Draft.\nAs Pak Bruno told us.\n")
    return ["manifest"]  # the last step of every build


@trigger("no-pdf-engine")
def _(case):
    chapter = case.parent / "out" / "reports" / "chapter"
    chapter.mkdir(parents=True)
    for name in ("findings", "conclusion", "appendix", "thesis"):
        (chapter / f"{name}.html").write_text("<html><body><p>Chapter</p></body></html>")
    return ["pdf"]


# --- REFI-QDA archives (untrusted input) ---

_QDE = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="p" '
        'origin="test"><CodeBook><Codes/></CodeBook></Project>')


def _qdpx(case: Path, entries: dict, extra: dict | None = None) -> list[str]:
    """Write ``project.qdpx`` beside the case from ``{name: text}`` and ``{ZipInfo: bytes}``; return the import."""
    archive = case.parent / "project.qdpx"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for info, data in (extra or {}).items():
            z.writestr(info, data)
    return ["import-qdpx", str(archive), "--case", str(case.parent / "imported")]


@trigger("qdpx-not-a-zip")
def _(case):
    (case.parent / "project.qdpx").write_bytes(b"<Project/>")
    return ["import-qdpx", str(case.parent / "project.qdpx"), "--case", str(case.parent / "imported")]


@trigger("qdpx-path-traversal")
def _(case):
    return _qdpx(case, {"project.qde": _QDE, "sources/../../evil.txt": "x"})


@trigger("qdpx-absolute-path")
def _(case):
    return _qdpx(case, {"project.qde": _QDE, "/etc/evil.txt": "x"})


@trigger("qdpx-symlink")
def _(case):
    link = zipfile.ZipInfo("sources/link.txt")
    link.external_attr = (0o120777 << 16)
    return _qdpx(case, {"project.qde": _QDE}, {link: b"/etc/passwd"})


@trigger("qdpx-zip-bomb")
def _(case):
    return _qdpx(case, {"project.qde": _QDE, "sources/big.txt": "0" * (20 * 2**20)})


@trigger("qdpx-entities")
def _(case):
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              '<Project xmlns="urn:QDA-XML:project:1.0">&b;</Project>')
    return _qdpx(case, {"project.qde": laughs})


@trigger("qdpx-xml-broken")
def _(case):
    return _qdpx(case, {"project.qde": "<Project><CodeBook>"})


@trigger("qdpx-no-project")
def _(case):
    return _qdpx(case, {"sources/a.txt": "text"})


@trigger("qdpx-target-not-empty")
def _(case):
    (case.parent / "imported").mkdir()
    (case.parent / "imported" / "notes.txt").write_text("mine")
    return _qdpx(case, {"project.qde": _QDE})


@trigger("threshold-not-key-value")
def _(case):
    return ["build", "--threshold", "min_informants"]


@trigger("threshold-unknown")
def _(case):
    return ["build", "--threshold", "min_people=3"]


@trigger("threshold-not-a-number")
def _(case):
    return ["build", "--threshold", "min_informants=two"]


@trigger("what-if-over-chapter")
def _(case):
    return ["build", "--threshold", "min_informants=3", "--reports", str(PROJECT_DIR / "reports")]


@trigger("what-if-without-thresholds")
def _(case):
    return ["what-if"]


# --- the tests ------------------------------------------------------------------------------------------

def test_every_catalogue_entry_has_a_trigger_and_every_trigger_an_entry():
    documented = set(_catalogue())
    assert len(documented) >= 40, "docs/errors.md lost its entries"
    assert sorted(documented - TRIGGERS.keys()) == [], "documented errors without a test"
    assert sorted(TRIGGERS.keys() - documented) == [], "tested errors missing from docs/errors.md"


def test_pattern_matching_can_fail():
    pattern = _pattern("error: <file>:<line>: [quote] quote not found")
    assert pattern.match("error: a/b.csv:3: [quote] quote not found")
    assert not pattern.match("error: a/b.csv:3: [quote] quote not found (hint: extra)")
    assert not pattern.match("Traceback (most recent call last):")


@pytest.mark.parametrize("entry", sorted(TRIGGERS))
def test_catalogued_error(entry, tmp_path, capsys, monkeypatch):
    case = tmp_path / "case"
    shutil.copytree(PROJECT_DIR / "tests" / "fixtures" / "mini", case)
    argv = TRIGGERS[entry](case)
    out = tmp_path / "out"
    if entry == "no-pdf-engine":  # a machine with neither xelatex nor Chromium
        monkeypatch.setattr(pdf_format, "PDF_ENGINES", [pdf_format.PdfEngine(e.name, lambda: None, e.run)
                                                    for e in pdf_format.PDF_ENGINES])
    if argv[0] == "import-qdpx":  # names its own target case folder
        code = main(argv)
    else:
        # The folders, for the commands that take them (--help lists what each does).
        folders = [f"--{name}={path}" for name, path in (("case", case), ("out", out))
                   if name in cli.FOLDERS[argv[0]]]
        code = main([argv[0], *folders, *argv[1:]])
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith(("INFO", "WARNING"))]
    assert code == 1
    assert len(err) >= 1 and err[-1].startswith("error: "), err
    shown = err[-1].replace(str(tmp_path) + "/", "")
    message = _catalogue()[entry]
    assert _pattern(message).match(shown), f"\n  shown:      {shown}\n  documented: {message}"
    assert "Traceback" not in "\n".join(err)
    assert not list(tmp_path.rglob("*.tmp")), "a half-written file was left behind"
