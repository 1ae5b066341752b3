"""Auto-coding: keyword rules from the codebook, as machine-made suggestions.

Suggestions are kept in their own table (``origin = auto``), never merged
into the manual codings; they are compared with the primary coder (a
reliability row "A vs auto") and listed where no human coded them (possible
misses). Indonesian words are stemmed with Sastrawi, English words with a
light suffix stripper, so "pengawetan" matches the keyword "awet" and
"trainings" matches "training".
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analysis.config import Codebook
from analysis.progress import progress

SUGGESTION_COLUMNS = ["unit_id", "source_id", "indicator", "code", "keyword", "origin"]
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_EN_SUFFIXES = ("ing", "ed", "es", "s")


def suggest(units: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One suggestion per (unit, code) whose keyword occurs in the unit, first keyword kept.

    Interviewer turns are not coded. Keywords of every language are tried on
    every unit, stemmed the way the unit's language is: informants mix
    languages ("action plan" in Indonesian talk).
    """
    rules = [(code.indicator, code.id, kw, {lang: _stem_phrase(kw, lang) for lang in STEMMERS})
             for code in codebook.codes.values() for words in code.keywords.values() for kw in words]
    # Per language, each stemmed phrase and the rules (by position) it triggers. A phrase without a space
    # occurs in " stems " exactly when it is one of the space-separated stems: a set lookup per unit
    # instead of a scan per rule; the hits are then taken in rule order, as a scan of every rule would.
    by_phrase: dict[str, dict[str, list[int]]] = {lang: {} for lang in STEMMERS}
    for k, (_, _, _, phrases) in enumerate(rules):
        for lang, phrase in phrases.items():
            if phrase:
                by_phrase[lang].setdefault(phrase, []).append(k)
    words = {lang: {p for p in ps if " " not in p} for lang, ps in by_phrase.items()}
    spaced = {lang: [p for p in ps if " " in p] for lang, ps in by_phrase.items()}
    rows = []
    codable = units[units["speaker_role"] != "interviewer"]
    for unit in progress(codable.itertuples(index=False), "auto-coding", total=len(codable), unit="unit"):
        lang = unit.language if unit.language in STEMMERS else "en"
        stemmed = _stem_phrase(unit.text, lang)
        stems = " " + stemmed + " "
        hits = [*(words[lang] & set(stemmed.split(" "))), *(p for p in spaced[lang] if f" {p} " in stems)]
        seen = set()
        for k in sorted(k for p in hits for k in by_phrase[lang][p]):
            indicator, code, kw, _ = rules[k]
            if code not in seen:
                seen.add(code)
                rows.append({"unit_id": unit.unit_id, "source_id": unit.source_id, "indicator": indicator,
                             "code": code, "keyword": kw, "origin": "auto"})
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)


def possible_misses(suggestions: pd.DataFrame, codings: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Suggestions on units the coder did not code with that code."""
    coded = set(zip(codings.loc[codings["coder"] == coder, "unit_id"], codings.loc[codings["coder"] == coder, "code"]))
    keep = pd.Series([(u, c) not in coded for u, c in zip(suggestions["unit_id"], suggestions["code"])],
                     index=suggestions.index, dtype=bool)  # a Series, so no suggestions still keeps the columns
    return suggestions[keep].reset_index(drop=True)


def as_codings(suggestions: pd.DataFrame) -> pd.DataFrame:
    """Suggestions shaped like codings (coder "auto"), for the reliability comparison only."""
    return suggestions.assign(coder="auto")[["unit_id", "source_id", "code", "coder"]]


def _stem_phrase(phrase: str, language: str) -> str:
    stem = STEMMERS[language]
    return " ".join(stem(t) for t in _TOKEN.findall(phrase.casefold()))


@lru_cache(maxsize=100_000)
def _stem_id(word: str) -> str:
    return _indonesian().stem(word) if word.isalpha() else word


@lru_cache(maxsize=100_000)
def _stem_en(word: str) -> str:
    for suffix in _EN_SUFFIXES:  # "trainings" -> "training" -> "train", as "training" -> "train"
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return _stem_en(word[: -len(suffix)])
    return word


# Units in other languages (e.g. Vietnamese) fall back to the English rules: no stemming but plurals.
STEMMERS = {"id": _stem_id, "en": _stem_en}


@lru_cache(maxsize=1)
def _indonesian():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()
