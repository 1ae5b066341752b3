"""Property-based tests: random input never ends in anything but our own error.

Readers get random bytes and random near-valid files; anchoring gets random
texts, random quotes and random edits. Every outcome must be either a result
that is right, or an AnalysisError that names where the problem is.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from analysis.clean import decode, normalise, paragraphs, turns
from analysis.coding import _find
from analysis.config import load_case, load_codebook
from analysis.errors import AnalysisError
from analysis.ingest import READERS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WHERE = {"path": "codings/x.csv", "line": 7}

# Text that looks like transcripts: words, names, colons, brackets, line breaks, accents, and some noise.
_piece = st.sampled_from(["Interviewer:", "Budi:", "**Budi:**", "[00:01:02]", "---", "id: T1", "MoU", "kerja sama",
                          "ya,", "the agreement", "é", "—", ":", "\n", "\n\n", "\r\n", " ", "\t", "\ufeff", "’"])
transcript_like = st.lists(st.one_of(_piece, st.text(max_size=8)), max_size=40).map("".join)


@SETTINGS
@given(st.binary(max_size=400))
@example(b"\xef\xbb\xbfhello")            # UTF-8 with BOM
@example(b"caf\xe9")                      # cp1252
@example(b"\x81\x8d\x8f\x90\x9d")         # bytes cp1252 leaves undefined
def test_decode_returns_normalised_text_or_our_error(data):
    try:
        text = decode(data, "t.txt")
    except AnalysisError as exc:
        assert exc.path == "t.txt"
        return
    assert "\r" not in text and "\ufeff" not in text[:1]
    assert normalise(text) == text  # decoding is idempotent with cleaning


@SETTINGS
@given(body=transcript_like, front=st.booleans())
def test_text_reader_on_random_files(tmp_path_factory, body, front):
    folder = tmp_path_factory.mktemp("t")
    path = folder / "T1.md"
    path.write_text(("---\nid: T1\ninformant: Budi\n---\n" if front else "") + body, encoding="utf-8",
                    errors="surrogatepass")
    try:
        raw = READERS[".md"](path)
    except AnalysisError as exc:
        assert exc.path == str(path)
        return
    for line, para in raw.paragraphs:
        assert line >= 1 and para.strip() == para and para


@SETTINGS
@given(st.binary(max_size=300))
def test_docx_reader_on_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("d") / "T1.docx"
    path.write_bytes(data)
    path.with_suffix(".yml").write_text("id: T1\n")
    with pytest.raises(AnalysisError) as exc:
        READERS[".docx"](path)
    assert exc.value.path == str(path)


@SETTINGS
@given(st.text(max_size=200))
def test_docx_reader_on_random_document_xml(tmp_path_factory, xml):
    path = tmp_path_factory.mktemp("d") / "T1.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", xml)
    path.write_bytes(buf.getvalue())
    path.with_suffix(".yml").write_text("id: T1\n")
    try:
        READERS[".docx"](path)
    except AnalysisError as exc:
        assert exc.path == str(path)


@SETTINGS
@given(transcript_like)
def test_turns_on_random_paragraphs(text):
    paras = paragraphs(normalise(text))
    try:
        out = turns(paras, {"Interviewer", "Budi"}, "T1.md")
    except AnalysisError as exc:
        assert exc.line is not None and exc.path == "T1.md"
        return
    assert all(t.speaker in {"Interviewer", "Budi"} for t in out)
    lines = {line for line, _ in paras}
    assert len(out) <= len(paras) and all(t.line in lines for t in out)
    # Nothing is lost: a paragraph that opens no turn is carried in full by the turn before it.
    joined = "\n\n".join(t.text for t in out)
    opened = {t.line for t in out}
    assert all(p in joined for line, p in paras if line not in opened)


_yaml_piece = st.sampled_from(["indicators:", "  - id: a", "    kind: criteria", "    kind: ranking",
                               "    label: {en: A}", "    codes:", "      - id: C1", "        label: {en: C}",
                               "        keywords: {en: [x]}", "        keywords: x", "  - id: a", ": :", "- [",
                               "{", "language: en", "chapter: {number: IV, title: T}", "rules: {default: 2}",
                               "rules: {default: {min_informants: x}}", "id: c", "\t", "&a", "*a", "!!python/none"])
yaml_like = st.lists(st.one_of(_yaml_piece, st.text(max_size=6)), max_size=25).map("\n".join)


@SETTINGS
@given(yaml_like)
def test_codebook_and_case_loaders_on_random_yaml(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("y") / "f.yml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for loader in (load_codebook, load_case):
        try:
            loader(path)
        except AnalysisError as exc:
            assert exc.path == str(path)


# --- anchoring ---------------------------------------------------------------------------------

words = st.lists(st.sampled_from(["kerja", "sama", "MoU", "Padang", "ya", "dan", "the", "plan", "of", "action",
                                  "2019", "—", "é", "kapal"]), min_size=1, max_size=60)
separators = st.sampled_from([" ", " ", " ", "\n", "\n\n", ", "])


@st.composite
def text_and_quote(draw):
    ws = draw(words)
    seps = [draw(separators) for _ in ws]
    text = "".join(w + s for w, s in zip(ws, seps)).strip()
    tokens = text.split()
    i = draw(st.integers(0, len(tokens) - 1))
    j = draw(st.integers(i + 1, len(tokens)))
    return text, " ".join(tokens[i:j])


def _occurrences(text: str, quote: str) -> int:
    import re
    return len(re.findall("(?=(" + r"\s+".join(re.escape(w) for w in quote.split()) + "))", text))


@SETTINGS
@given(text_and_quote(), st.integers(0, 4))
def test_a_quote_from_the_text_anchors_to_those_words_or_fails_clearly(tq, occurrence):
    text, quote = tq
    n = _occurrences(text, quote)
    assert n >= 1
    try:
        start, end = _find(text, quote, occurrence, WHERE)
    except AnalysisError as exc:
        assert (exc.path, exc.line) == (WHERE["path"], WHERE["line"])
        assert (occurrence == 0 and n > 1) or occurrence > n  # fails only when it should
        return
    assert text[start:end].split() == quote.split()  # exactly the quoted words, whatever the spacing
    assert occurrence <= n and (occurrence or n == 1)


@st.composite
def edited(draw):
    text, quote = draw(text_and_quote())
    pos = draw(st.integers(0, len(text)))
    cut = draw(st.integers(0, 5))
    insert = draw(st.sampled_from(["", "x", " ", "\n\n", "MoU ", "é"]))
    return text[:pos] + insert + text[pos + cut:], quote


@SETTINGS
@given(edited(), st.integers(0, 3))
def test_after_a_random_edit_a_coding_verifies_exactly_or_fails_clearly(eq, occurrence):
    text, quote = eq
    assume(quote.strip())
    try:
        start, end = _find(text, quote, occurrence, WHERE)
    except AnalysisError as exc:
        assert exc.field in ("quote", "occurrence") and exc.line == WHERE["line"]
        return
    assert text[start:end].split() == quote.split()


def test_property_checks_can_fail():
    """The anchoring property is not vacuous: a wrong span would be caught."""
    text = "the plan of action and the plan"
    start, end = _find(text, "the plan", 2, WHERE)
    assert text[start:end] == "the plan" and start == len("the plan of action and ")
    with pytest.raises(AnalysisError):
        _find(text, "the plan", 0, WHERE)
    assert Path(__file__).name == "test_properties.py"
