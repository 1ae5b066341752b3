"""Evidence browser: a static HTML site from every quote of the chapter to its place in its source.

Built with the chapter into ``<reports>/evidence/``: an index, one page per
source (its pseudonymised text, unit by unit, with the raw file's line number
beside each unit and every coded span highlighted in its category's colour)
and one page per category (all its evidence, by stance). Plain HTML and CSS,
no script and no server: it opens from ``file://`` and from a shared folder.
:func:`link_quote_ids` turns the quote ids of an HTML chapter into links to
their highlighted spans.

The texts come from the processed tables, which are pseudonymised; the
privacy audit reads this folder like every other output.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import schemas
from analysis.atomic import write_text
from analysis.config import Codebook, load_case, load_codebook
from analysis.paths import CasePaths

if TYPE_CHECKING:
    import pandas as pd

EVIDENCE_DIR = "evidence"
ANCHORS = "anchors.txt"  # every span id of the site, one per line: what a chapter's quote ids may link to
# Colourblind-safe pastel backgrounds (Okabe-Ito hues, lightened), one per category in codebook order.
PALETTE = ("#f9d9a6", "#bde3f5", "#b7e4d5", "#fbf3a5", "#b3cfe8", "#f7c8a8", "#e8c6dc", "#d9d9d9")
STANCE_MARKS = {"supports": "+", "contradicts": "\u2212", "context": "\u00b7"}  # shown before a stance word
WORDS = {
    "en": {"lang": "en", "sources": "Sources", "categories": "Categories", "line": "line", "paragraph": "paragraph",
           "coder": "coder", "memo": "memo", "stance": "stance", "quote": "quote", "source": "source",
           "evidence": "Evidence browser", "back": "index", "codings": "codings", "units": "units",
           "no_codings": "No coding of this category.", "file": "raw file",
           "stances": {"supports": "supports", "contradicts": "contradicts", "context": "context"},
           "intro": "Every coded passage of the case, in its source. Texts are pseudonymised; "
                    "line numbers are those of the raw file."},
    "id": {"lang": "id", "sources": "Sumber", "categories": "Kategori", "line": "baris", "paragraph": "paragraf",
           "coder": "pengode", "memo": "memo", "stance": "sikap", "quote": "kutipan", "source": "sumber",
           "evidence": "Penjelajah bukti", "back": "indeks", "codings": "pengodean", "units": "unit",
           "no_codings": "Tidak ada pengodean untuk kategori ini.", "file": "berkas mentah",
           "stances": {"supports": "mendukung", "contradicts": "membantah", "context": "konteks"},
           "intro": "Setiap bagian yang dikode dalam kasus ini, di dalam sumbernya. Teks sudah dipseudonimkan; "
                    "nomor baris adalah nomor baris berkas mentah."},
}
_QUOTE_ID = re.compile(r"(?<![\w:/#.-])([A-Za-z0-9][\w.-]*:\d+-\d+)(?![\w:-])")


@dataclass(frozen=True)
class Category:
    """A code of the codebook as the site shows it."""

    code: str
    indicator: str
    label: str
    colour: str
    page: str  # file name under categories/


def source_page(source_id: str) -> str:
    """The file name of a source's page (under ``sources/``)."""
    return f"{_slug(source_id)}.html"


def span_link(excerpt_id: str) -> str:
    """Where a quote id points, relative to the evidence folder: its source page and span."""
    return f"sources/{source_page(excerpt_id.rsplit(':', 1)[0])}#{excerpt_id}"


def build_site(paths: CasePaths) -> Path:
    """Write the evidence browser of a built case into ``<reports>/evidence/``; pages no longer built are removed.

    Returns:
        The site's entry page, ``index.html``.
    """
    case = load_case(paths.case_config)
    words = WORDS.get(case["language"], WORDS["en"])
    codebook = load_codebook(paths.codebook)
    categories = _categories(codebook, case["language"])
    sources = schemas.read_table(schemas.SOURCES, paths.processed)
    units = schemas.read_table(schemas.UNITS, paths.processed)
    codings = schemas.read_table(schemas.CODINGS, paths.processed)
    codings = codings[codings["code"].isin(categories)].sort_values(
        ["source_id", "start", "end", "code", "coder"], kind="stable")
    lines = dict(zip(units["unit_id"], units["line"]))
    folder = paths.reports / EVIDENCE_DIR
    pages: dict[Path, str] = {folder / "style.css": _STYLE + "".join(
        f".cat-{i} {{ background: {c.colour}; }}\n" for i, c in enumerate(categories.values()))}
    pages[folder / "index.html"] = _index(case, sources, codings, categories, words)
    for source in sources.itertuples(index=False):
        mine = codings[codings["source_id"] == source.source_id]
        pages[folder / "sources" / source_page(source.source_id)] = _source(
            source, units[units["source_id"] == source.source_id], mine, categories, words)
    for cat in categories.values():
        mine = codings[codings["code"] == cat.code]
        pages[folder / "categories" / cat.page] = _category(cat, mine, sources, lines, categories, words)
    pages[folder / ANCHORS] = "".join(f"{x}\n" for x in sorted(set(codings["excerpt_id"])))
    for path, body in pages.items():
        write_text(path, body)
    for stale in sorted(p for p in folder.rglob("*") if p.is_file() and p not in pages):
        stale.unlink()  # a source or category removed from the case: its page goes too
    return folder / "index.html"


def link_quote_ids(page: str, page_dir: str | Path, evidence_dir: str | Path, known: set[str]) -> str:
    """Turn every known quote id in the text of an HTML page into a link to its span in the evidence browser.

    Only text outside tags and outside existing links is touched, and only ids
    of ``known`` (the codings' excerpt ids): a time such as ``10:15-20`` in a
    quote stays text.

    Args:
        page: The HTML.
        page_dir: The folder the page is written to (links are relative, so the site works from ``file://``).
        evidence_dir: The evidence browser's folder.
        known: The excerpt ids that have a span.
    """
    base = Path(os.path.relpath(evidence_dir, page_dir)).as_posix()
    parts = re.split(r"(<[^>]*>)", page)
    inside_link = False
    for i, part in enumerate(parts):
        if part.startswith("<"):
            if re.match(r"<a[\s>]", part, re.I):
                inside_link = True
            elif re.match(r"</a\s*>", part, re.I):
                inside_link = False
            continue
        if inside_link or part == "" or ":" not in part:
            continue
        if i > 0 and re.match(r"<(script|style)[\s>]", parts[i - 1], re.I):
            continue
        parts[i] = _QUOTE_ID.sub(lambda m: (f'<a class="quote-id" href="{base}/{span_link(m.group(1))}">'
                                            f"{m.group(1)}</a>") if m.group(1) in known else m.group(1), part)
    return "".join(parts)


def unlink_quote_ids(page: str) -> str:
    """The page with the links :func:`link_quote_ids` made turned back into text.

    For the PDF: Chromium turns a relative link into an absolute ``file://``
    address of the machine that printed it, so a reprint elsewhere would
    differ, and the address would be dead on any other machine anyway.
    """
    return re.sub(r'<a class="quote-id" href="[^"]*">([^<]*)</a>', r"\1", page)


def link_chapter(page: str, page_dir: Path) -> str:
    """Link the quote ids of a chapter page written to ``page_dir`` (a folder of the reports) into the evidence
    browser beside it; a page with no browser built beside it is returned as it is."""
    folder = Path(page_dir).parent / EVIDENCE_DIR
    anchors = folder / ANCHORS
    if not anchors.is_file():
        return page
    return link_quote_ids(page, page_dir, folder, set(anchors.read_text(encoding="utf-8").split()))


def _categories(codebook: Codebook, language: str) -> dict[str, Category]:
    out = {}
    for i, code in enumerate(c for ind in codebook.indicators for c in ind.codes):
        out[code.id] = Category(code.id, code.indicator, code.label.get(language, code.id),
                                PALETTE[i % len(PALETTE)], f"{_slug(code.id)}.html")
    return out


def _slug(name: str) -> str:
    """A file-name-safe form of an id (ids are short, but may hold spaces or slashes)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _page(title: str, body: str, depth: int, lang: str) -> str:
    up = "../" * depth
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n"
            f'<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n{body}\n</body>\n</html>\n')


def _index(case: dict[str, Any], sources: pd.DataFrame, codings: pd.DataFrame,
           categories: dict[str, Category], words: dict[str, Any]) -> str:
    counts = codings.groupby("source_id").size()
    rows = "".join(
        f'<tr><td><a href="sources/{source_page(s.source_id)}">{html.escape(s.source_id)}</a></td>'
        f"<td>{html.escape(s.doc_type)}</td><td>{html.escape(s.speaker)}</td><td>{html.escape(s.date)}</td>"
        f"<td>{s.n_units}</td><td>{int(counts.get(s.source_id, 0))}</td></tr>\n"
        for s in sources.itertuples(index=False))
    per_code = codings.groupby("code").size()
    cats = "".join(
        f'<li><span class="swatch cat-{i}"></span><a href="categories/{c.page}">{html.escape(c.label)}</a> '
        f"<code>{html.escape(c.code)}</code> ({int(per_code.get(c.code, 0))})</li>\n"
        for i, c in enumerate(categories.values()))
    body = (f"<h1>{html.escape(words['evidence'])}: {html.escape(str(case['chapter']['title']))}</h1>\n"
            f"<p>{html.escape(words['intro'])}</p>\n<h2>{html.escape(words['sources'])}</h2>\n"
            f"<table><thead><tr><th>id</th><th>type</th><th>{html.escape(words['source'])}</th><th>date</th>"
            f"<th>{html.escape(words['units'])}</th><th>{html.escape(words['codings'])}</th></tr></thead>"
            f"<tbody>\n{rows}</tbody></table>\n<h2>{html.escape(words['categories'])}</h2>\n"
            f'<ul class="legend">\n{cats}</ul>')
    return _page(words["evidence"], body, 0, case["language"])


def _source(source: Any, units: pd.DataFrame, codings: pd.DataFrame, categories: dict[str, Category],
            words: dict[str, Any]) -> str:
    index = {c: i for i, c in enumerate(categories)}
    spans = list(dict.fromkeys(codings["excerpt_id"]))  # one anchor per span, whoever coded it and with what
    number = {x: k for k, x in enumerate(spans)}
    where = words["paragraph"] if source.format == "docx" else words["line"]
    rows = []
    for unit in units.sort_values("seq").itertuples(index=False):
        inside = codings[(codings["start"] < unit.end) & (codings["end"] > unit.start)]
        text = _highlight(source.text, unit.start, unit.end, inside, index, number)
        own = codings[codings["unit_id"] == unit.unit_id]  # a span's card sits beside the unit it was coded in
        cards = "".join(_card(x, own[own["excerpt_id"] == x], categories, words)
                        for x in dict.fromkeys(own["excerpt_id"]))
        speaker = f'<span class="speaker">{html.escape(unit.speaker)}:</span> ' if unit.speaker else ""
        rows.append(f'<tr class="unit" id="{html.escape(unit.unit_id)}"><td class="line" title="{where}">'
                    f"{unit.line}</td><td class=\"text\">{speaker}{text}</td>"
                    f'<td class="codings"><ul>{cards}</ul></td></tr>')
    # Per span, a rule that outlines its highlighted words when its card is the link's target.
    targets = "".join(f'.unit:has([id="{html.escape(x)}"]:target) .x-{k} {{ outline: 2px solid #c00000; }}\n'
                      for x, k in number.items())
    legend = "".join(f'<li><span class="swatch cat-{index[c]}"></span><a href="../categories/{categories[c].page}">'
                     f"{html.escape(categories[c].label)}</a></li>"
                     for c in categories if c in set(codings["code"]))
    marks = " ".join(f"{m} {html.escape(words['stances'][s])}" for s, m in STANCE_MARKS.items())
    body = (f'<p class="nav"><a href="../index.html">{html.escape(words["back"])}</a></p>\n'
            f"<h1>{html.escape(source.source_id)}</h1>\n<p>{html.escape(source.doc_type)}"
            f"{' · ' + html.escape(source.speaker) if source.speaker else ''}"
            f"{' · ' + html.escape(source.date) if source.date else ''} · {html.escape(words['file'])}: "
            f"<code>{html.escape(source.path)}</code> ({where})</p>\n"
            f'<ul class="legend">{legend}</ul>\n<p class="marks">{words["stance"]}: {marks}</p>\n'
            f"<style>\n{targets}</style>\n<table class=\"source\"><tbody>\n" + "\n".join(rows) + "\n</tbody></table>")
    return _page(source.source_id, body, 1, words["lang"])


def _highlight(text: str, start: int, end: int, codings: pd.DataFrame, index: dict[str, int],
               number: dict[str, int]) -> str:
    """A unit's text with every coded span marked: one ``mark`` per stretch covered by the same codings."""
    spans = [(max(int(c.start), start), min(int(c.end), end), c.code, c.stance, c.excerpt_id)
             for c in codings.itertuples(index=False)]
    cuts = sorted({start, end, *(s for s, _, _, _, _ in spans), *(e for _, e, _, _, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b])
        over = [s for s in spans if s[0] <= a and s[1] >= b]
        if not over:
            out.append(piece)
            continue
        classes = dict.fromkeys([f"cat-{index[over[0][2]]}", *(f"stance-{s[3]}" for s in over),
                                 *(f"x-{number[s[4]]}" for s in over)])
        title = "; ".join(dict.fromkeys(f"{s[2]} ({s[3]})" for s in over))
        out.append(f'<mark class="{" ".join(classes)}" title="{html.escape(title)}">{piece}</mark>')
    return "".join(out)


def _card(excerpt_id: str, codings: pd.DataFrame, categories: dict[str, Category], words: dict[str, Any]) -> str:
    """The codings of one span beside its unit: category, stance, coder, memo; the link target of its quote id."""
    items = []
    for c in codings.itertuples(index=False):
        cat = categories[c.code]
        memo = f'<div class="memo">{html.escape(words["memo"])}: {html.escape(c.memo)}</div>' if c.memo else ""
        items.append(f'<div class="coding stance-{c.stance}"><span class="swatch cat-{list(categories).index(c.code)}">'
                     f'</span><a href="../categories/{cat.page}">{html.escape(cat.label)}</a> '
                     f'<span class="stance">{STANCE_MARKS.get(c.stance, "")} '
                     f'{html.escape(words["stances"].get(c.stance, c.stance))}</span> · '
                     f'{html.escape(words["coder"])} {html.escape(c.coder)}{memo}</div>')
    return f'<li class="span" id="{html.escape(excerpt_id)}"><code>{html.escape(excerpt_id)}</code>{"".join(items)}</li>'


def _category(cat: Category, codings: pd.DataFrame, sources: pd.DataFrame, lines: dict[str, int],
              categories: dict[str, Category], words: dict[str, Any]) -> str:
    formats = dict(zip(sources["source_id"], sources["format"]))
    sections = []
    for stance, mark in STANCE_MARKS.items():
        mine = codings[codings["stance"] == stance]
        if mine.empty:
            continue
        rows = "".join(
            f'<tr><td><a href="../{span_link(c.excerpt_id)}">{html.escape(c.excerpt_id)}</a></td>'
            f"<td>{words['paragraph'] if formats.get(c.source_id) == 'docx' else words['line']} "
            f"{lines.get(c.unit_id, '')}</td><td>{html.escape(c.coder)}</td>"
            f'<td class="quote stance-{stance}">{html.escape(c.quote)}</td><td>{html.escape(c.memo)}</td></tr>\n'
            for c in mine.itertuples(index=False))
        sections.append(f"<h2>{mark} {html.escape(words['stances'][stance])} ({len(mine)})</h2>\n"
                        f"<table><thead><tr><th>id</th><th>{words['line']}</th><th>{words['coder']}</th>"
                        f"<th>{words['quote']}</th><th>{words['memo']}</th></tr></thead><tbody>\n{rows}</tbody></table>")
    body = (f'<p class="nav"><a href="../index.html">{html.escape(words["back"])}</a></p>\n'
            f'<h1><span class="swatch cat-{list(categories).index(cat.code)}"></span>{html.escape(cat.label)}</h1>\n'
            f"<p><code>{html.escape(cat.indicator)} / {html.escape(cat.code)}</code></p>\n"
            + ("\n".join(sections) or f"<p>{html.escape(words['no_codings'])}</p>"))
    return _page(cat.label, body, 1, words["lang"])


_STYLE = """body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 75em; line-height: 1.45; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
td.line { color: #666; font-variant-numeric: tabular-nums; text-align: right; width: 3em; }
td.codings { width: 22em; font-size: 0.85em; }
td.codings ul, ul.legend { list-style: none; margin: 0; padding: 0; }
ul.legend li { display: inline-block; margin-right: 1em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; border: 1px solid #999; }
.speaker { font-weight: bold; }
mark { color: inherit; }
mark.stance-contradicts { text-decoration: underline wavy #c00000; }
mark.stance-context { text-decoration: underline dotted #555; }
li.span { margin-bottom: 0.4em; padding: 0.2em; }
li.span:target { background: #fff3b0; outline: 2px solid #c00000; }
.memo { color: #444; font-style: italic; }
.stance-contradicts .stance { color: #c00000; }
"""
