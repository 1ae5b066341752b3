"""How the chapter writes numbers, dates, lists and terms in its language.

The templates hold the sentences; this module holds the small rules of
typography an examiner checks line by line: a decimal comma in Indonesian,
dates written out ("31 Mei 2016"), lists joined once ("a, b, dan c", or
"... serta c" when an item already holds "dan"), category labels in lower
case in running text unless they begin with a name, an acronym or a foreign
term, and foreign terms in italics. The case supplies its foreign terms and
the wording of its titles (``case.yml``, see docs/case-format.md).
"""

from __future__ import annotations

import re
from typing import Any

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
DECIMAL = {"id": ",", "en": "."}
THOUSANDS = {"id": ".", "en": ","}
# The word that joins the last item of a list, and the one used instead when an item holds the first
# ("perbedaan bahasa dan budaya"): "a, b, serta c" reads as three items, "a, b dan c dan d" does not.
AND = {"id": ("dan", "serta"), "en": ("and", "and")}
# "ketiga indikator" (all three), "both indicators": a count that means "all of them".
ALL_OF = {"id": {2: "kedua", 3: "ketiga", 4: "keempat", 5: "kelima", 6: "keenam", 7: "ketujuh", 8: "kedelapan",
                 9: "kesembilan", 10: "kesepuluh"},
          "en": {2: "both", 3: "all three", 4: "all four", 5: "all five", 6: "all six", 7: "all seven",
                 8: "all eight", 9: "all nine", 10: "all ten"}}


def number(value: Any, language: str, digits: int | None = None) -> str:
    """A number as the language writes it: ``0,98`` in Indonesian, ``0.98`` in English.

    Args:
        value: An int or a float (NaN gives "—", the mark the tables use for "not defined").
        language: "id" or "en".
        digits: Decimals to show for a float; two when not given. Whole numbers keep none.

    Returns:
        The number as text; thousands grouped from 10 000 on ("12.500" in Indonesian).
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "—"
        out = f"{value:,.{2 if digits is None else digits}f}"
    elif isinstance(value, int):
        out = f"{value:,d}" if abs(value) >= 10_000 else str(value)
    else:
        return str(value)
    if abs(value) < 10_000:
        out = out.replace(",", "")
    # Swap the two marks through a placeholder: "12,500.5" -> "12.500,5".
    return out.replace(",", "\0").replace(".", DECIMAL.get(language, ".")).replace("\0", THOUSANDS.get(language, ","))


def localise_numbers(text: str, language: str) -> str:
    """Decimal points of numbers in a finished text written with the language's decimal mark.

    For text built by code that formats numbers with Python's ``%.2f``
    (a table cell "0.98 [0.64, 1.00]"). Only digit.digit is touched, so
    versions ("1.2.3") and section numbers ("4.1") must not pass through it.
    """
    if DECIMAL.get(language, ".") == ".":
        return text
    return re.sub(r"(?<![\d.])(-?\d+)\.(\d+)(?![\d.])", lambda m: f"{m.group(1)},{m.group(2)}", text)


def date(iso: str, language: str, precision: str = "") -> str:
    """A register date written out: "31 Mei 2016", "Mei 2017", "2016" (English: "31 May 2016").

    Args:
        iso: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
        language: "id" or "en".
        precision: The register's ``date_precision`` ("year", "month", "day"); from ``iso`` when empty.
    """
    parts = str(iso).split("-")
    keep = {"year": 1, "month": 2, "day": 3}.get(precision, len(parts))
    parts = parts[:keep]
    months = MONTHS.get(language, MONTHS["en"])
    if len(parts) == 1 or not parts[1].isdigit():
        return parts[0]
    month = months[int(parts[1]) - 1]
    if len(parts) == 2 or not parts[2].isdigit():
        return f"{month} {parts[0]}"
    return f"{int(parts[2])} {month} {parts[0]}"


def join(items: list[str], language: str) -> str:
    """A list in running text: "a dan b", "a, b, dan c"; "a, b, serta c" when an item holds "dan".

    English uses the serial comma ("a, b, and c"), so an item "language and
    culture" never runs into the next.
    """
    items = [str(i) for i in items]
    plain, alternative = AND.get(language, AND["en"])
    word = alternative if any(re.search(rf"\b{plain}\b", i) for i in items) else plain
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {word} {items[1]}"
    return f"{', '.join(items[:-1])}, {word} {items[-1]}"


def all_of(n: int, language: str, numbers: dict[int, str]) -> str:
    """The word for "all n" ("ketiga", "all three"; "both"); for one, the plain number word."""
    return ALL_OF.get(language, {}).get(int(n)) or numbers.get(int(n), str(n))


def running_label(label: str, keep: tuple[str, ...] = ()) -> str:
    """A category label as it reads mid-sentence: lower-case first letter, unless it starts with a name.

    A label keeps its capital when its first word is an acronym ("DPRD",
    "MoU") or when it begins with one of ``keep`` (the case's foreign terms:
    "Letter of Intent (LOI)" is the name of a document).
    """
    for term in keep:
        if term and label.startswith(term):
            return label
    first = label.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return label
    return label[:1].lower() + label[1:]


def italicise(markdown: str, terms: tuple[str, ...] | list[str]) -> str:
    """Put each foreign term of the case in italics (Markdown ``*term*``), whatever its case in the text.

    Longer terms first, so "Plan of Action" wins over "Action". A term already
    in italics, inside a link or code, or inside a placeholder (``[[...]]``)
    is left alone.
    """
    ordered = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not ordered:
        return markdown
    pattern = re.compile(r"(?<![\w*/\[-])(" + "|".join(re.escape(t) for t in ordered) + r")(?![\w*/\]-])",
                         re.IGNORECASE)
    protected = re.compile(r"(\[\[[^\]]*\]\]|`[^`]*`|\]\([^)]*\)|<[^>]+>|https?://\S+)")
    pieces = protected.split(markdown)
    out = []
    for k, piece in enumerate(pieces):
        out.append(piece if k % 2 else pattern.sub(lambda m: f"*{m.group(1)}*", piece))
    return "".join(out)


def localised(value: Any, language: str, fallback: str = "") -> str:
    """A text the case gives per language (``{id: ..., en: ...}``) or once (a plain string)."""
    if isinstance(value, dict):
        return str(value.get(language) or fallback)
    return str(value) if value not in (None, "") else fallback


SECTION_ROLES = ("conclusion", "limitations", "recommendations", "practical", "academic")


def section_titles(case: dict[str, Any], words: dict[str, Any]) -> dict[str, str]:
    """Titles of the conclusion chapter's sections: the case's ``sections`` over the language's defaults.

    Args:
        case: The loaded ``case.yml``.
        words: The language's labels (``labels.yml``), whose ``sections`` hold the defaults.

    Returns:
        A title per role of :data:`SECTION_ROLES`.
    """
    language = case["language"]
    given = case.get("sections") or {}
    titles = {role: localised(given.get(role), language, words["sections"][role]) for role in SECTION_ROLES}
    chapter = str((case.get("chapter") or {}).get("title", ""))
    if titles["conclusion"].casefold() == chapter.casefold():  # "BAB IV KESIMPULAN" over "4.1 Kesimpulan"
        titles["conclusion"] = words["sections"]["summary"]
    return titles


def short_title(case: dict[str, Any], language: str) -> str:
    """The case's name in running text (e.g. after "Berdasarkan hasil penelitian tentang").

    ``short_title`` when the case gives one; otherwise its ``title`` with a
    lower-case first letter (unless it starts with an acronym).
    """
    given = localised(case.get("short_title"), language)
    return given or running_label(localised(case.get("title"), language, case.get("id", "")))
