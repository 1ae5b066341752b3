"""The one error type users meet, with where it happened and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class AnalysisError(Exception):
    """A problem in the user's input or environment, reported without a traceback.

    Args:
        message: What is wrong, in one sentence.
        path: The file concerned, if any.
        line: 1-based line (or CSV row) in that file, if known.
        field: The field, column or key concerned, if any.
        hint: What the user can do about it.
    """

    def __init__(self, message: str, *, path: str | Path | None = None,
                 line: int | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        field = f"[{self.field}] " if self.field else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


EXCERPT_LIMIT = 40  # characters of a user's value quoted in a message: enough to recognise it, never a flood


def excerpt(value: object, limit: int = EXCERPT_LIMIT) -> str:
    """A value quoted for a message (``repr``), cut to ``limit`` characters with ``…``.

    A value may be huge (a pasted document, an expanded YAML structure): the
    message must stay one readable line whatever it holds. Strings are cut
    before ``repr`` so that a long one is never copied whole.
    """
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + "…"
    if isinstance(value, (dict, list, tuple, set)):
        # Containers are described, not printed: printing one walks all of it.
        return f"a {type(value).__name__} of {len(value)} item(s)"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def did_you_mean(word: object, choices: Iterable[str], fallback: str) -> str:
    """A hint naming the closest valid choice to a misspelt ``word``, or ``fallback`` when none is close.

    Args:
        word: What was written (a key, a column, an id).
        choices: The valid spellings.
        fallback: The hint when nothing is close (e.g. where the choices are documented).
    """
    choices = list(choices)
    text = str(word)[:EXCERPT_LIMIT]
    folded = {c.casefold(): c for c in choices}
    close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.6)
    return f"did you mean {folded[close[0]]!r}?" if close else fallback
