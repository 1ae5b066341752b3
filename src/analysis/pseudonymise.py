"""Pseudonymisation: every name and alias in the private key becomes a pseudonym.

Matching ignores case, tolerates Indonesian honorifics (Pak, Bu, ...) before a
name and enclitics (-nya, -lah, ...) after it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from analysis.config import Identity

HONORIFICS = ("bapak", "pak", "ibu", "bu", "mas", "mbak", "uda", "uni", "bang", "kak",
              "mr", "mrs", "ms", "madam", "dr", "drs")
ENCLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")


def pseudonymiser(identities: Iterable[Identity]) -> Callable[[str], str]:
    """Return a function replacing every identity in a text by its pseudonym.

    Longer names are tried first, so "Pak Rahmat Hidayat" is replaced whole.
    """
    table: dict[str, str] = {}
    for ident in identities:
        for name in ident.names:
            table[_bare(name).casefold()] = ident.pseudonym
    if not table:
        return lambda text: text
    names = sorted(table, key=len, reverse=True)
    honor = "|".join(HONORIFICS)
    pattern = re.compile(
        rf"(?<!\w)(?:(?:{honor})\.?\s+)?(?P<name>{'|'.join(_flexible(n) for n in names)})"
        rf"(?P<suffix>{'|'.join(ENCLITICS)})?(?!\w)",
        re.IGNORECASE,
    )

    def replace(text: str) -> str:
        return pattern.sub(lambda m: table[_squash(m.group("name")).casefold()]
                           + (m.group("suffix") or ""), text)

    return replace


def identity_pattern(identities: Iterable[Identity]) -> re.Pattern[str]:
    """A pattern that finds any name or alias of the key (for the audit)."""
    names = sorted({_bare(n) for i in identities for n in i.names}, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(_flexible(n) for n in names)})(?!\w)", re.IGNORECASE)


def _bare(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").casefold() in HONORIFICS:
        words = words[1:]
    return " ".join(words)


def _flexible(name: str) -> str:
    return r"\s+".join(re.escape(w) for w in name.split())


def _squash(name: str) -> str:
    return " ".join(name.split())
