"""The one error type users meet, with where it happened and how to fix it."""

from __future__ import annotations

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
