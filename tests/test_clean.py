import pytest

from analysis.clean import decode, normalise, paragraphs, remove_fillers, turns
from analysis.errors import AnalysisError


@pytest.mark.parametrize("data", [
    b"Pak Budi: ikan segar",
    "\ufeffPak Budi: ikan segar".encode("utf-8"),
])
def test_decode_utf8_with_and_without_bom(data):
    assert decode(data, "f.txt") == "Pak Budi: ikan segar"


def test_decode_falls_back_to_cp1252():
    assert decode("caf\u00e9 \u2013 ok".encode("cp1252"), "f.txt") == "caf\u00e9 \u2013 ok"


def test_decode_repairs_mojibake():
    broken = "kerja sama \u2013 MoU".encode("utf-8").decode("cp1252").encode("utf-8")
    assert decode(broken, "f.txt") == "kerja sama \u2013 MoU"


def test_decode_refuses_binary_naming_the_file():
    with pytest.raises(AnalysisError) as err:
        decode(b"\x89PNG\x00\x00", "x/photo.txt")
    assert "x/photo.txt" in str(err.value) and "binary" in str(err.value)


def test_normalise_nfc_line_ends_and_spaces():
    assert normalise("Cafe\u0301\r\n  a \t b  \rc") == "Caf\u00e9\na b\nc"


def test_paragraphs_keep_first_line_numbers():
    assert paragraphs("a\nb\n\n\nc", first_line=10) == [(10, "a b"), (14, "c")]


def test_turns_bold_timestamp_and_continuation():
    paras = [(1, "[00:01] **Ana Lee:** first"), (2, "more of it"), (3, "Q: next?"),
             (4, "[01:02:03] Ana Lee: last")]
    got = turns(paras, {"Ana Lee", "Q"}, "t.md")
    assert [(t.speaker, t.text, t.timestamp, t.line) for t in got] == [
        ("Ana Lee", "first\n\nmore of it", "00:00:01", 1), ("Q", "next?", "", 3),
        ("Ana Lee", "last", "01:02:03", 4)]


def test_turns_keep_colons_inside_text():
    got = turns([(1, "Q: ratio: 3:1 as said")], {"Q"}, "t.md")
    assert got[0].text == "ratio: 3:1 as said"


def test_turns_unknown_speaker_after_timestamp_is_an_error_with_line():
    with pytest.raises(AnalysisError) as err:
        turns([(1, "Q: hi"), (7, "[00:10] Bob: hello")], {"Q"}, "t.md")
    assert "t.md:7" in str(err.value) and "Bob" in str(err.value)


def test_text_before_first_turn_is_an_error():
    with pytest.raises(AnalysisError, match="before the first speaker"):
        turns([(3, "no label here")], {"Q"}, "t.md")


def test_remove_fillers_whole_words_only():
    assert remove_fillers("eh, jadi ehm kami... eh", ["eh", "ehm"]) == "jadi kami..."
    assert remove_fillers("pehak", ["eh"]) == "pehak"
