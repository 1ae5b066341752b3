"""Cleaning paged text: running heads and feet, page numbers, paragraphs, hyphenation.

A PDF gives lines with their height on the page; this module turns them into
paragraphs a reader would recognise. Pure functions, no file access.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

# Lines that hold nothing but a page number: "3", "- 3 -", "Page 3", "hlm. 3", "3 of 12", "Halaman 3 dari 12".
_PAGE_NUMBER = re.compile(r"^(?:(?:page|p\.|hlm\.?|halaman|trang)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?"
                          r"(?:\s*(?:of|dari|/)\s*\d{1,4})?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
EDGE = 2  # lines at the top and at the bottom of a page where running heads, feet and page numbers sit
GAP_FACTOR = 1.4  # a vertical gap this many times the usual line spacing separates paragraphs
_SENTENCE_END = ('.', '?', '!', ':', ';', '"', '”', '’', ')', ']')
_HYPHENATED = re.compile(r"(?P<head>\w+)-$")
_TAIL = re.compile(r"^(?P<tail>[^\W\d_][\w]*)")


@dataclass(frozen=True)
class Line:
    """One line of a page as extracted.

    Args:
        text: The line's text (spaces normalised).
        y: Its baseline's height on the page (points from the bottom; larger is higher).
        number: Its position among the page's lines, from 1.
        size: The largest font size on its page, in points (0 when unknown).
    """

    text: str
    y: float
    number: int
    size: float = 0.0


@dataclass(frozen=True)
class Paragraph:
    """A paragraph rebuilt from lines: its text, the page it starts on and its first line there."""

    text: str
    page: int
    line: int


def running_lines(pages: list[list[Line]]) -> set[str]:
    """The shapes (digits as ``#``) of lines repeated at the top or bottom of many pages.

    A line counts when it sits among the :data:`EDGE` first or last lines of
    a page; it is a running head or foot when its shape recurs on at least
    half the pages (and on two pages at least), as a report title or a
    "Page 3 of 12" does.
    """
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({shape(line.text) for line in lines[:EDGE] + lines[-EDGE:]})
    need = max(2, math.ceil(len(pages) / 2))
    return {s for s, n in seen.items() if n >= need}


def shape(text: str) -> str:
    """A line with its numbers blurred, so "Page 3" and "Page 4" compare equal."""
    return _DIGITS.sub("#", text.casefold()).strip()


def strip_page_furniture(pages: list[list[Line]]) -> tuple[list[list[Line]], int]:
    """Remove running heads and feet and page numbers from the top and bottom lines of every page.

    Returns:
        The pages without them, and how many lines were removed.
    """
    repeated = running_lines(pages)
    out, removed = [], 0
    for lines in pages:
        edge = {id(line) for line in lines[:EDGE] + lines[-EDGE:]}
        kept = [line for line in lines
                if id(line) not in edge or not (shape(line.text) in repeated or _PAGE_NUMBER.match(line.text))]
        removed += len(lines) - len(kept)
        out.append(kept)
    return out, removed


SPACING_PER_POINT = 1.2  # line spacing of ordinary text, per point of font size


def usual_spacing(pages: list[list[Line]]) -> float:
    """The line spacing of body text: the most common distance between consecutive baselines.

    A text too short to show one (no distance seen twice) is taken to be set
    with the usual spacing of its font size.
    """
    gaps: Counter[float] = Counter()
    for lines in pages:
        for above, below in zip(lines, lines[1:]):
            gap = round(above.y - below.y, 1)
            if gap > 0:
                gaps[gap] += 1
    common = gaps.most_common(1)
    if common and common[0][1] >= 2:
        return common[0][0]
    size = max((line.size for lines in pages for line in lines), default=0.0)
    return SPACING_PER_POINT * size if size else (common[0][0] if common else 0.0)


def build_paragraphs(pages: list[list[Line]]) -> list[Paragraph]:
    """Group lines into paragraphs and join their words, hyphenation undone.

    A new paragraph starts after a vertical gap wider than the usual line
    spacing (:data:`GAP_FACTOR`), when the text moves up the page (a new
    column), and at the top of a page when the previous page ended a sentence;
    otherwise a paragraph runs on across the page break and takes the page it
    starts on.
    """
    spacing = usual_spacing(pages)
    groups: list[tuple[int, int, list[str]]] = []
    for page_no, lines in enumerate(pages, start=1):
        for n, line in enumerate(lines):
            if n == 0:
                fresh = not groups or groups[-1][2][-1].endswith(_SENTENCE_END)
            else:
                gap = lines[n - 1].y - line.y
                fresh = gap <= 0 or (spacing > 0 and gap > GAP_FACTOR * spacing)
            if fresh:
                groups.append((page_no, line.number, [line.text]))
            else:
                groups[-1][2].append(line.text)
    vocabulary = _vocabulary(line.text for lines in pages for line in lines)
    return [Paragraph(join_lines(texts, vocabulary), page, first) for page, first, texts in groups]


def _vocabulary(lines: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for text in lines:
        words.update(w.casefold() for w in re.findall(r"\w+(?:-\w+)*", text))
    return words


def join_lines(lines: list[str], vocabulary: Collection[str] = ()) -> str:
    """Join a paragraph's lines with spaces, undoing hyphenation at line ends.

    ``coop-`` + ``eration`` becomes ``cooperation``. The hyphen stays when it
    belongs to the word: an Indonesian reduplication (``kota-`` + ``kota``,
    ``masing-`` + ``masing``), or a compound the document writes with a
    hyphen elsewhere (``waste-`` + ``collection`` when *waste-collection*
    appears on another line). A line ending in a hyphen before a capital or
    a digit keeps it as well (``Rio-`` + ``Grande``).
    """
    out = ""
    for line in lines:
        if not out:
            out = line
            continue
        head = _HYPHENATED.search(out)
        tail = _TAIL.match(line)
        if head and tail and tail["tail"][0].islower():
            first, second = head["head"], tail["tail"]
            compound = f"{first}-{second}".casefold()
            keep = second.casefold().startswith(first.casefold()) or compound in vocabulary
            out = out + line if keep else out[:-1] + line
        else:
            out = f"{out} {line}"
    return out
