import zipfile

import pytest

from analysis.errors import AnalysisError
from analysis.ingest import READERS, read_transcripts

DOC = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
       'wordprocessingml/2006/main"><w:body>{}</w:body></w:document>')


def para(*runs):
    return "<w:p>" + "".join(f"<w:r><w:t xml:space=\"preserve\">{r}</w:t></w:r>" for r in runs) + "</w:p>"


def make_docx(path, paragraphs):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", DOC.format("".join(paragraphs)))


def test_registry_covers_the_documented_formats():
    assert {".md", ".txt", ".docx"} <= set(READERS)


def test_docx_with_sidecar(tmp_path):
    make_docx(tmp_path / "I1.docx", [para("Q", ": hello"), para("", ""), para("Ana: ", "caf\u00e9 ", "ok")])
    (tmp_path / "I1.yml").write_text("id: I1\ninformant: Ana\n", encoding="utf-8")
    [t] = read_transcripts(tmp_path)
    assert t.format == "docx" and t.meta["id"] == "I1"
    assert [p for _, p in t.paragraphs] == ["Q: hello", "Ana: caf\u00e9 ok"]


def test_truncated_docx_is_a_clear_error(tmp_path):
    make_docx(tmp_path / "I1.docx", [para("Q: hi")])
    data = (tmp_path / "I1.docx").read_bytes()
    (tmp_path / "I1.docx").write_bytes(data[: len(data) // 2])
    (tmp_path / "I1.yml").write_text("id: I1\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"I1.docx: not a readable .docx"):
        read_transcripts(tmp_path)


def test_unknown_format_is_never_skipped(tmp_path):
    (tmp_path / "I1.pdf").write_bytes(b"%PDF")
    with pytest.raises(AnalysisError, match="no reader for .pdf"):
        read_transcripts(tmp_path)


def test_missing_metadata_names_the_fix(tmp_path):
    (tmp_path / "I1.txt").write_text("Q: hi\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="I1.txt: no metadata"):
        read_transcripts(tmp_path)


def test_front_matter_yaml_error_gives_line(tmp_path):
    (tmp_path / "I1.md").write_text("---\nid: I1\nbad: [unclosed\n---\nQ: hi\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"I1.md:\d+: YAML error in front matter"):
        read_transcripts(tmp_path)


def test_body_line_numbers_count_from_file_start(tmp_path):
    (tmp_path / "I1.md").write_text("---\nid: I1\n---\n\nQ: hi\n", encoding="utf-8")
    [t] = read_transcripts(tmp_path)
    assert t.paragraphs == [(5, "Q: hi")]
