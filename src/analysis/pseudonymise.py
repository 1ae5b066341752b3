"""Pseudonymisation: every name and alias in the private key becomes a pseudonym.

Matching ignores case, tolerates Indonesian honorifics (Pak, Bu, ...) before a
name and enclitics (-nya, -lah, ...) after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from analysis.config import Identity

HONORIFICS = ("bapak", "pak", "ibu", "bu", "mas", "mbak", "uda", "uni", "bang", "kak",
              "mr", "mrs", "ms", "madam", "dr", "drs")
ENCLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
_WORD = re.compile(r"\w+")
# The non-ASCII letters that re.IGNORECASE matches to an ASCII letter (Kelvin sign, long s, dotless i,
# dotted capital I): folded to it, so a word folds to an ASCII name's first word whenever re would match it.
_ASCII_FOLD = str.maketrans({"\u212a": "k", "\u017f": "s", "\u0131": "i", "\u0130": "i"})


def pseudonymiser(identities: Iterable[Identity]) -> Callable[[str], str]:
    """Return a function replacing every identity in a text by its pseudonym.

    Longer names are tried first, so "Pak Budi Santoso" is replaced whole,
    not as "Pak Budi" followed by a stray surname.
    """
    table: dict[str, str] = {}
    for ident in identities:
        for name in ident.names:
            # Both foldings: re's (İ -> i, the name as written) and casefold's (ß -> ss, the usual
            # respelling), so that either spelling of the name in a text is found and replaced.
            for key in (_fold(_bare(name)), _bare(name).casefold()):
                table.setdefault(key, ident.pseudonym)
    if not table:
        return lambda text: text
    names = sorted(table, key=len, reverse=True)
    honor = "|".join(HONORIFICS)

    @lru_cache(maxsize=4096)
    def pattern(subset: tuple[str, ...]) -> re.Pattern[str]:
        return re.compile(
            rf"(?<!\w)(?:(?:{honor})\.?\s+)?(?P<name>{'|'.join(_flexible(n) for n in subset)})"
            rf"(?P<suffix>{'|'.join(ENCLITICS)})?(?!\w)",
            re.IGNORECASE,
        )

    # One alternation of every name is slow on a large key (each is tried at every word), so each text
    # is matched against only the names that can occur in it, in the same order: the same replacements.
    # An ASCII name can match only where a word of the text folds to its first word (plus an enclitic);
    # other names are always tried.
    order = {n: k for k, n in enumerate(names)}
    always: list[str] = []
    by_word: dict[str, set[str]] = {}  # a folded word of a text -> the names that may start there
    for n in names:
        head = _WORD.match(n)
        if n.isascii() and head:
            for word in (head.group(), *(head.group() + e for e in ENCLITICS)):
                by_word.setdefault(word, set()).add(n)
        else:
            always.append(n)

    def candidates(text: str) -> tuple[str, ...]:
        found = set(always)
        for word in by_word.keys() & set(_WORD.findall(text.translate(_ASCII_FOLD).lower())):
            found |= by_word[word]
        return tuple(sorted(found, key=order.__getitem__))

    def replace(text: str) -> str:
        subset = candidates(text)
        if not subset:
            return text
        return pattern(subset).sub(lambda m: _lookup(table, m.group("name")) + (m.group("suffix") or ""), text)

    return replace


def identity_pattern(identities: Iterable[Identity]) -> re.Pattern[str]:
    """A pattern that finds any name or alias of the key (for the audit).

    A name equal to its own pseudonym is skipped: it is no identity (a case
    imported from already pseudonymised text, e.g. a REFI-QDA round trip).
    """
    names = sorted({_bare(n) for i in identities for n in i.names
                    if _bare(n).casefold() != i.pseudonym.casefold()}, key=len, reverse=True)
    if not names:
        return re.compile(r"(?!)")
    return re.compile(rf"(?<!\w)(?:{'|'.join(_flexible(n) for n in names)})(?!\w)", re.IGNORECASE)


def identity_finder(identities: Iterable[Identity]) -> Callable[[str], Iterator[re.Match[str]]]:
    """``identity_pattern(identities).finditer``, fast on a large key (for the audit of every build).

    One alternation of thousands of names is tried at every position of every
    text: minutes on a large case. As in :func:`pseudonymiser`, each text is
    searched only for the names that can occur in it (an ASCII name only
    where a word of the text folds to its first word); the matches are the
    same, in the same order.
    """
    names = sorted({_bare(n) for i in identities for n in i.names
                    if _bare(n).casefold() != i.pseudonym.casefold()}, key=len, reverse=True)
    order = {n: k for k, n in enumerate(names)}
    always: list[str] = []
    by_word: dict[str, set[str]] = {}
    for n in names:
        head = _WORD.match(n)
        if n.isascii() and head:
            by_word.setdefault(head.group().lower(), set()).add(n)
        else:
            always.append(n)

    @lru_cache(maxsize=4096)
    def pattern(subset: tuple[str, ...]) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w)(?:{'|'.join(_flexible(n) for n in subset)})(?!\w)", re.IGNORECASE)

    def find(text: str) -> Iterator[re.Match[str]]:
        found = set(always)
        # The words of a long text: split on spaces (fast) and cut only the distinct tokens into words.
        tokens = set(text.translate(_ASCII_FOLD).lower().split())
        words = {t for t in tokens if t.isalnum()}
        for token in tokens - words:
            words.update(_WORD.findall(token))
        for word in by_word.keys() & words:
            found |= by_word[word]
        if not found:
            return iter(())
        return pattern(tuple(sorted(found, key=order.__getitem__))).finditer(text)

    return find


def _lookup(table: dict[str, str], found: str) -> str:
    found = _squash(found)
    return table[_fold(found)] if _fold(found) in table else table[found.casefold()]


def _fold(name: str) -> str:
    """A name folded the way re.IGNORECASE compares letters.

    ``str.casefold`` alone turns "İ" into "i" plus a combining dot and "ß"
    into "ss": a pattern built from such a key never matches the name as the
    key writes it.
    """
    return name.translate(_ASCII_FOLD).lower()


def _bare(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").casefold() in HONORIFICS:
        words = words[1:]
    return " ".join(words)


def _flexible(name: str) -> str:
    return r"\s+".join(re.escape(w) for w in name.split())


def _squash(name: str) -> str:
    return " ".join(name.split())
