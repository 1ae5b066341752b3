"""The fast paths give exactly what the plain forms give.

Pseudonymisation, quote anchoring, language detection and auto-coding were
rewritten for large cases (see docs/performance.md). Each is checked here
against the straightforward version it replaced, on random input: the same
result, or the same error.
"""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis import autocode, coding, indicators
from analysis.config import Code, Codebook, Identity, Indicator
from analysis.errors import AnalysisError
from analysis.language import _VI_LETTERS, _WORD, FUNCTION_WORDS, detect
from analysis.pseudonymise import _ASCII_FOLD, ENCLITICS, HONORIFICS, _bare, _flexible, _lookup, pseudonymiser

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WHERE = {"path": "codings/x.csv", "line": 3}


# --- pseudonymisation: one alternation of every name, the form replaced ---------------------------------

def plain_pseudonymiser(identities):
    # One alternation of every name, each name keyed under both foldings (as the module does since İ/ß
    # names were found unreplaced): the reference for "same replacements", not for the folding itself.
    table = {}
    for i in identities:
        for n in i.names:
            for key in (_bare(n).translate(_ASCII_FOLD).lower(), _bare(n).casefold()):
                table.setdefault(key, i.pseudonym)
    names = sorted(table, key=len, reverse=True)
    pattern = re.compile(rf"(?<!\w)(?:(?:{'|'.join(HONORIFICS)})\.?\s+)?(?P<name>{'|'.join(_flexible(n) for n in names)})"
                         rf"(?P<suffix>{'|'.join(ENCLITICS)})?(?!\w)", re.IGNORECASE)
    return lambda text: pattern.sub(lambda m: _lookup(table, m.group("name")) + (m.group("suffix") or ""), text)


KEY = (Identity("1", "P-1", ("Budi Santoso", "Pak Budi", "Budi")), Identity("2", "P-2", ("Nguyễn Văn Anh", "Anh")),
       Identity("3", "P-3", ("O'Neil", "Santi", "Kim")), Identity("4", "P-4", ("Iwan", "Strauß")),
       Identity("5", "P-5", ("Rahmat Hidayat", "Rahmat", "Hidayat")), Identity("6", "P-6", ("9Budi", "'Ali")))
_name_piece = st.sampled_from(["Budi", "budi", "BUDI", "Budinya", "Santoso", "Pak", "Bu", "Dr.", "Nguyễn", "Văn",
                               "Anh", "O'Neil", "ſanti", "Santi", "\u212aim", "ıwan", "Iwan", "Rahmat Hidayat",
                               "rahmatlah", "Hidayatpun", "Strauss", "Strauß", "'Ali", "9Budi", "Budi_", "-nya",
                               " ", "  ", "\n", "\n\n", ",", ".", "x"])


def _outcome(func, text):
    try:
        return func(text)
    except Exception as exc:  # noqa: BLE001 - the same failure is the same outcome
        return type(exc).__name__


@SETTINGS
@given(st.lists(st.one_of(_name_piece, st.text(max_size=4)), max_size=12).map("".join))
@example("Kata Pak Rahmat Hidayat dan bu rahmat, Budinya, \u212aim dan ſanti.")
def test_pseudonymiser_matches_one_alternation_of_every_name(text):
    assert _outcome(pseudonymiser(KEY), text) == _outcome(plain_pseudonymiser(KEY), text)


# --- anchoring: the regex "w1\s+w2..." at every position, the form replaced ------------------------------

def plain_find(text, quote, occurrence):
    words = quote.split()
    if not words:
        return "empty"
    spans = [(m.start(1), m.end(1)) for m in
             re.finditer("(?=(" + r"\s+".join(re.escape(w) for w in words) + "))", text)]
    if not spans:
        return "not found"
    if occurrence == 0:
        if len(spans) > 1:
            return "ambiguous"
        occurrence = 1
    return spans[occurrence - 1] if occurrence <= len(spans) else "too few"


_text = st.lists(st.sampled_from(["a", "b", "ab", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2003", "é", "\x85"]),
                 max_size=25).map("".join)


@SETTINGS
@given(_text, st.data(), st.integers(0, 3))
def test_find_matches_the_regex_form(text, data, occurrence):
    if text and data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(text)))
        quote = text[start:data.draw(st.integers(start, len(text)))]
    else:
        quote = data.draw(_text)
    try:
        got = coding._find(text, quote, occurrence, WHERE)
    except AnalysisError as exc:
        got = next(k for k in ("empty", "not found", "ambiguous", "time(s)") if k in str(exc))
        got = "too few" if got == "time(s)" else got
    assert got == plain_find(text, quote, occurrence)


# --- language: per-word counting, the form replaced --------------------------------------------------------

def plain_detect(text, fallback="und", minimum=3):
    words = [w.casefold() for w in _WORD.findall(text)]
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in FUNCTION_WORDS.items()}
    scores["vi"] += sum(ch in _VI_LETTERS for ch in text.casefold()) // 3
    best = max(sorted(scores), key=lambda k: scores[k])
    return best if scores[best] >= minimum else fallback


_words = st.sampled_from(["yang", "dan", "the", "and", "của", "và", "İdan", "THE", "ăâđ", "ß", "x", " ", ".", "\n"])


@SETTINGS
@given(st.lists(st.one_of(_words, st.text(max_size=3)), max_size=30).map(" ".join))
def test_detect_matches_per_word_counting(text):
    assert detect(text, fallback="id") == plain_detect(text, fallback="id")


# --- auto-coding: every rule tried on every unit, the form replaced ---------------------------------------

def plain_suggest(units, codebook):
    rules = [(code.indicator, code.id, kw, {lang: autocode._stem_phrase(kw, lang) for lang in autocode.STEMMERS})
             for code in codebook.codes.values() for words in code.keywords.values() for kw in words]
    rows = []
    for unit in units[units["speaker_role"] != "interviewer"].itertuples(index=False):
        lang = unit.language if unit.language in autocode.STEMMERS else "en"
        stems = " " + autocode._stem_phrase(unit.text, lang) + " "
        seen = set()
        for indicator, code, kw, phrases in rules:
            if code not in seen and phrases[lang] and f" {phrases[lang]} " in stems:
                seen.add(code)
                rows.append({"unit_id": unit.unit_id, "source_id": unit.source_id, "indicator": indicator,
                             "code": code, "keyword": kw, "origin": "auto"})
    return pd.DataFrame(rows, columns=autocode.SUGGESTION_COLUMNS)


BOOK = Codebook((Indicator("i", "criteria", {"en": "I"}, (
    Code("A", "i", {"en": "A"}, "", {"en": ["plan", "action plan", "training"], "id": ["rencana aksi", "pelatihan"]}),
    Code("B", "i", {"en": "B"}, "", {"en": ["budget", "plan of action"], "id": ["anggaran", "dana"]}),
    Code("C", "i", {"en": "C"}, "", {"en": ["trainings", "covid"], "id": ["pandemi", "rencana"]}),
)),))
_unit_words = st.sampled_from(["plan", "plans", "action", "of", "budget", "trainings", "training", "covid", "rencana",
                               "aksi", "pelatihan", "anggaran", "dananya", "pandemi", "dan", "yang", "-", "x"])


@SETTINGS
@given(st.lists(st.tuples(st.lists(_unit_words, max_size=12).map(" ".join), st.sampled_from(["en", "id", "vi"]),
                          st.sampled_from(["informant", "interviewer", "document"])), max_size=6))
def test_suggest_matches_trying_every_rule(rows):
    units = pd.DataFrame([{"unit_id": f"U{k}", "source_id": "S", "text": t, "language": lang, "speaker_role": role}
                          for k, (t, lang, role) in enumerate(rows)],
                         columns=["unit_id", "source_id", "text", "language", "speaker_role"])
    pd.testing.assert_frame_equal(autocode.suggest(units, BOOK), plain_suggest(units, BOOK))


# --- the heatmap of a large study: the informants with the most coded turns, in their order -----------------

def test_heatmap_rows_are_capped_to_the_informants_with_most_coded_turns():
    from analysis.figures import top_rows

    matrix = pd.DataFrame({"A": [1, 0, 5, 2, 0], "B": [0, 0, 1, 2, 3]}, index=list("pqrst"))
    assert top_rows(matrix, 10) is matrix
    assert list(top_rows(matrix, 3).index) == ["r", "s", "t"]  # totals 6, 4, 3; p (1) and q (0) left out
    assert list(top_rows(matrix, 2).index) == ["r", "s"]


# --- evidence counts: one pass into sets, the pandas form replaced ---------------------------------------

def plain_evidence(indicator, rows, language):
    def side(r):
        docs = r[r["source_type"] == "document"]
        return {"units": int(r["unit_id"].nunique()),
                "informants": int(r.loc[r["speaker_role"] == "informant", "speaker"].nunique()),
                "documents": int(docs["source_id"].nunique()), "independent": int(docs["doc_origin"].nunique())}
    out = []
    for code in indicator.codes:
        c = rows[rows["code"] == code.id]
        sup, con = side(c[c["stance"] == "supports"]), side(c[c["stance"] == "contradicts"])
        out.append({"code": code.id, "label": code.label.get(language, code.id), "required": code.required,
                    **sup, **{f"contra_{k}": v for k, v in con.items()},
                    "context_units": int(c.loc[c["stance"] == "context", "unit_id"].nunique())})
    return pd.DataFrame(out, columns=indicators.EVIDENCE_COLUMNS)


_MAYBE = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
_CODED = st.tuples(st.sampled_from(["X", "Y", "Z"]), st.sampled_from(["supports", "contradicts", "context", "other"]),
                   st.sampled_from(["u1", "u2", "u3", "u4"]), st.sampled_from(["informant", "interviewer", None]),
                   _MAYBE, st.sampled_from(["interview", "document", None]), _MAYBE, _MAYBE)


@SETTINGS
@given(st.lists(_CODED, max_size=30), st.booleans())
def test_evidence_matches_the_pandas_counts(rows, arrow_strings):
    columns = ["code", "stance", "unit_id", "speaker_role", "speaker", "source_type", "source_id", "doc_origin"]
    frame = pd.DataFrame(rows, columns=columns)
    if arrow_strings:  # the processed tables are read with pyarrow-backed strings
        frame = frame.astype("string[pyarrow]")
    ind = Indicator("i", "criteria", {"en": "I"}, tuple(Code(c, "i", {"en": c}, "", {}, required=c == "X") for c in "XY"))
    assert indicators.evidence(ind, frame, "en").equals(plain_evidence(ind, frame, "en"))
