"""The one error type users meet, with where it happened and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


class CaseProblems(AnalysisError):
    """Several problems found in one pass over a case, reported together, grouped by file.

    With one problem it reads (and carries ``path``, ``line``, ``field`` and
    ``hint``) exactly as that problem does, so a single mistake looks the same
    whether it was found alone or by a full check.

    Args:
        problems: The problems, in the order they were found (at least one).
        case: The case folder, so file names can be shown relative to it.
    """

    def __init__(self, problems: list[AnalysisError], case: str | Path | None = None) -> None:
        first = problems[0]
        super().__init__(first.message, path=first.path, line=first.line, field=first.field, hint=first.hint)
        self.problems = list(problems)
        self.case = Path(case) if case is not None else None

    def by_file(self) -> dict[str, list[AnalysisError]]:
        """The problems grouped by the file they concern (``""`` for none), files in the order first met."""
        groups: dict[str, list[AnalysisError]] = {}
        for problem in self.problems:
            groups.setdefault(self._name(problem.path), []).append(problem)
        return groups

    def _name(self, path: str | None) -> str:
        if not path:
            return ""
        if self.case is not None:
            try:
                return Path(path).resolve().relative_to(self.case.resolve()).as_posix()
            except ValueError:
                pass
        return path

    def summary(self) -> str:
        """One line: how many problems, in how many files."""
        files = [name for name in self.by_file() if name]
        where = f" of {self.case}" if self.case is not None else ""
        return (f"{_count(len(self.problems), 'problem')} in {_count(len(files), 'file')}{where}, listed above; "
                "nothing was written (hint: fix them all, then run `python -m analysis check` again)")

    def listing(self) -> list[str]:
        """Every problem, one line each, under the name of its file (relative to the case)."""
        lines = []
        for name, problems in self.by_file().items():
            lines.append(name or "(no file)")
            for p in problems:
                where = f"line {p.line}: " if p.line else ""
                field = f"[{p.field}] " if p.field else ""
                hint = f" (hint: {p.hint})" if p.hint else ""
                lines.append(f"  {where}{field}{p.message}{hint}")
        return lines

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return "\n".join([*self.listing(), self.summary()])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _Item:
    """One item checked under a :class:`ProblemCollector`; ``failed`` tells, after the block, whether it failed."""

    failed = False


class ProblemCollector:
    """Collects problems instead of stopping at the first, where going on is safe.

    A validator wraps each independent item (a file, a row, a key) in
    ``with problems.item():``. An :class:`AnalysisError` raised inside is
    recorded and the item skipped; anything else still propagates. A
    collector made with ``lazy=False`` re-raises at once, which is what every
    validator does when it is given no collector (the behaviour of a single
    command that stops at the first problem).

    Args:
        lazy: Record and go on (True) or raise the first problem (False).
    """

    def __init__(self, lazy: bool = True) -> None:
        self.lazy = lazy
        self.problems: list[AnalysisError] = []

    def __len__(self) -> int:
        return len(self.problems)

    def add(self, error: AnalysisError) -> None:
        """Record a problem (a :class:`CaseProblems` adds each of its problems)."""
        if not self.lazy:
            raise error
        self.problems.extend(error.problems if isinstance(error, CaseProblems) else [error])

    @contextmanager
    def item(self) -> Iterator[_Item]:
        """Check one item: a problem inside is recorded (lazy) and the rest of the block skipped."""
        state = _Item()
        try:
            yield state
        except AnalysisError as exc:
            state.failed = True
            self.add(exc)

    def raise_if_any(self, case: str | Path | None = None) -> None:
        """Raise the recorded problem (with its own traceback, for ``--debug``), or all of them as
        :class:`CaseProblems`, if there is any."""
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise CaseProblems(self.problems, case)


STRICT = ProblemCollector(lazy=False)  # the default of every validator: stop at the first problem
