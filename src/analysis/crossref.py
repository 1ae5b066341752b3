"""Cross-references: placeholders for figure and table numbers, and their numbering in the chapter.

Notebooks and the report write a placeholder (:func:`ref`) where a number goes, because the
chapter number and the order of figures are known only when the chapter is assembled;
:func:`number_references` then replaces every placeholder, in order of first appearance.
"""

from __future__ import annotations

import re
from typing import Any

_REF = re.compile(r"\[\[(fig|tab):([A-Za-z0-9_.-]+)\]\]")


def ref(kind: str, ident: str) -> str:
    """A placeholder for a figure or table number, resolved at assembly."""
    return f"[[{kind}:{ident}]]"


def number_references(cells: list, number: int | str, chapter: dict) -> list:
    """Replace figure/table placeholders with chapter numbers, in order of first appearance."""
    return number_chapters([(cells, str(number))], chapter)[0]


def number_chapters(chapters: list[tuple[list, str]], chapter: dict) -> list[list]:
    """Number the figures and tables of several chapters, each by its own prefix.

    A figure or table takes the number of the chapter where it first appears
    ("Tabel 3.2" in BAB III), counted from 1 in each chapter; a later
    chapter that refers to it ("lihat Tabel 3.2") gets the same number. So the
    chapter that shows a table must come before the chapters that refer to it.

    Args:
        chapters: Per chapter, its cells and the prefix of its numbers ("3", "A").
        chapter: The case's ``chapter`` settings (``figure_label``, ``table_label``).

    Returns:
        The cells of each chapter, placeholders replaced.
    """
    labels = {"fig": chapter.get("figure_label", "Figure"), "tab": chapter.get("table_label", "Table")}
    seen: dict[tuple[str, str], str] = {}
    out = []
    for cells, prefix in chapters:
        counters = {"fig": 0, "tab": 0}

        def sub(m: re.Match, prefix: str = prefix, counters: dict[str, int] = counters) -> str:
            key = (m.group(1), m.group(2))
            if key not in seen:
                counters[key[0]] += 1
                seen[key] = f"{labels[key[0]]} {prefix}.{counters[key[0]]}"
            return seen[key]

        out.append(_walk(cells, sub))
    return out


def _walk(cells: list, sub: Any) -> list:
    """Apply ``sub`` to every placeholder in the cells' text (not in embedded images)."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _REF.sub(sub, value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return type(value)({k: (v if k in ("image/png", "image/jpeg") else walk(v)) for k, v in value.items()})
        return value

    return [walk(c) for c in cells]
