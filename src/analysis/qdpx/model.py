"""The REFI-QDA project shared by import and export: namespaces, the stance tag, XML helpers, the
in-memory project read from a ``.qde``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from analysis.log import logger
from analysis.qdpx.archive import Archive

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "analysis compendium (REFI-QDA 1.0 export)"
CASE_NOTE = "analysis: case.yml"
CODEBOOK_NOTE = "analysis: codebook.yml"

# A coding's stance travels in its selection's Description (the memo QDA tools show and edit), as a tag
# before the memo: "[stance: contradicts] caveat: no LOI text found". See docs/refi-qda.md.
STANCE_TAG = re.compile(r"^\s*\[\s*stance\s*:\s*([^\]]*?)\s*\]\s*", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    found = _children(elem, name)
    return found[0] if found else None


def _members(elem: ET.Element, group: str, name: str) -> list[ET.Element]:
    """The ``name`` children of the ``group`` child of ``elem`` (none when it is missing)."""
    g = _child(elem, group)
    return _children(g, name) if g is not None else []


def _text_of(elem: ET.Element, name: str) -> str:
    c = _child(elem, name)
    return (c.text or "") if c is not None else ""


def _guid(elem: ET.Element, attr: str = "guid") -> str:
    return (elem.get(attr) or "").strip("{}").upper()


# --- the project model --------------------------------------------------------


@dataclass
class _Code:
    guid: str
    name: str
    description: str
    codable: bool
    children: list[_Code] = field(default_factory=list)


@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    name: str
    memo: str
    codings: list[tuple[str, str]]  # (code guid, user guid)


@dataclass
class _Source:
    guid: str
    name: str
    description: str
    text: str | None
    created: str
    selections: list[_Selection] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Project:
    name: str
    creator: str
    users: dict[str, str]
    codes: list[_Code]
    sources: list[_Source]
    cases: list[dict[str, Any]]
    notes: dict[str, str]
    warnings: list[str]


@dataclass
class _Context:
    archive: Archive
    variables: dict[str, str]  # guid -> name
    warnings: list[str]


SourceReader = Callable[[ET.Element, _Context], list[_Source]]
SelectionReader = Callable[[ET.Element, _Context, str], "_Selection | None"]


@dataclass
class _Line:
    start: int      # span in the source text that becomes unit text
    end: int
    unit: int       # 0-based unit (turn or paragraph) of the source
    written: str    # the paragraph as written to the case file



def stance_memo(stance: str, memo: str) -> str:
    """A selection's Description: the stance tag (when the coding states one), then the memo.

    Args:
        stance: ``supports``, ``contradicts``, ``context``, or empty (not stated: supports).
        memo: The coding's memo (a caveat memo starts with ``caveat:``).

    Returns:
        E.g. ``[stance: contradicts] caveat: no LOI text found``; the memo alone without a stance.
    """
    return " ".join(part for part in (f"[stance: {stance}]" if stance else "", memo) if part)


def split_stance(description: str) -> tuple[str, str]:
    """The stance tag at the start of a selection's Description, and the memo after it.

    Args:
        description: The Description text, whitespace already collapsed.

    Returns:
        (stance as written, lower-cased; empty without a tag), the rest as memo.
    """
    m = STANCE_TAG.match(description)
    if not m:
        return "", description
    return m.group(1).lower(), description[m.end():]


def _quiet(func: Callable, *args: Any) -> Any:
    level = logger.level
    logger.setLevel("WARNING")
    try:
        return func(*args)
    finally:
        logger.setLevel(level)


def _short(quote: str, limit: int = 100) -> str:
    return quote if len(quote) <= limit else quote[:limit - 1].rstrip() + "…"
