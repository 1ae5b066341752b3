"""Web pages: the article's main text, without navigation, menus, footers and other boilerplate.

Python's own HTML parser walks the page; no third-party dependency. What is
kept: the text inside ``<main>`` or ``<article>`` when the page has one
(else the whole ``<body>``), minus elements that are page furniture by their
tag (``nav``, ``header``, ``footer``, ``aside``, ``form``, scripts), their
ARIA role, or a class or id such as ``menu``, ``sidebar``, ``cookie``,
``share``, ``related``; and minus one-line teasers such as "Baca juga: ..." or
"Read more". Headings are metadata, as in every document. The page title,
author and publication date come from its ``<title>``/``<meta>`` tags.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from analysis.clean import decode, normalise
from analysis.readers.documents import Block, DocumentText, document_reader, split_front

_FURNITURE_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
                   "button", "iframe", "select", "figure", "head"}
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "dialog"}
_FURNITURE_WORDS = {"nav", "navbar", "menu", "footer", "header", "sidebar", "cookie", "cookies", "share", "social",
                    "breadcrumb", "breadcrumbs", "comment", "comments", "advert", "ads", "ad", "related", "subscribe",
                    "newsletter", "promo", "popup", "banner", "tags", "byline", "dateline"}
_BLOCK_TAGS = {"p", "div", "li", "blockquote", "pre", "td", "th", "dd", "dt", "section", "article", "main", "body",
               "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TEASER = re.compile(r"^(?:baca juga|lihat juga|read more|read also|see also|related|advertisement|iklan|"
                     r"share|bagikan|follow us|ikuti kami)\b", re.IGNORECASE)
_TEASER_LENGTH = 160  # a teaser is a line, not a paragraph: longer text that opens so is kept
_AUTHOR_KEYS = {"author", "article:author", "dc.creator", "dcterms.creator", "byl"}
_DATE_KEYS = {"article:published_time", "date", "dc.date", "dcterms.date", "dc.date.issued", "pubdate",
              "publish-date", "datepublished"}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []  # open furniture elements, innermost last
        self.main_depth = 0
        self.heading = ""
        self.buffer: list[str] = []
        self.blocks: list[tuple[str, bool, bool]] = []  # (text, is heading, inside main/article)
        self.has_main = False
        self.title, self.og_title, self.author, self.published, self.time = "", "", "", "", ""
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            self._meta(values)
            return
        if tag == "title":
            self.in_title = True
        if tag == "time" and not self.time:
            self.time = values.get("datetime", "")
        if tag in _VOID:
            if tag == "br":
                self.buffer.append(" ")
            return
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.append(tag)
            return
        if tag != "head" and _is_furniture(tag, values):
            self.flush()
            self.skipping.append(tag)
            return
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag in ("main", "article"):
            self.main_depth += 1
            self.has_main = True
        if tag in _HEADINGS:
            self.heading = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag in _HEADINGS:
            self.heading = ""
        if tag in ("main", "article") and self.main_depth:
            self.main_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skipping:
            self.buffer.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text:
            self.blocks.append((text, bool(self.heading), self.main_depth > 0))

    def _meta(self, values: dict[str, str]) -> None:
        key = (values.get("name") or values.get("property") or values.get("itemprop") or "").lower()
        content = values.get("content", "").strip()
        if not content:
            return
        if key == "og:title":
            self.og_title = content
        elif key in _AUTHOR_KEYS and not self.author:
            self.author = content
        elif key in _DATE_KEYS and not self.published:
            self.published = content


def _is_furniture(tag: str, attrs: dict[str, str]) -> bool:
    if tag in _FURNITURE_TAGS or attrs.get("role", "").lower() in _FURNITURE_ROLES:
        return True
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    words = set(re.split(r"[\s_-]+", f"{attrs.get('class', '')} {attrs.get('id', '')}".lower()))
    return bool(words & _FURNITURE_WORDS)


@document_reader("html", ".html", ".htm", ".xhtml")
def read_html(path: Path, data: bytes) -> DocumentText:
    """Read a saved web page: main-text paragraphs numbered in order, with title, author and date."""
    text = decode(data, path)
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    parser.flush()
    chosen = [(t, heading) for t, heading, inside in parser.blocks if inside or not parser.has_main]
    headings = [normalise(t) for t, heading in chosen if heading]
    blocks = [Block(normalise(t), None, n) for n, (t, heading) in enumerate(chosen, start=1)
              if not heading and not (len(t) <= _TEASER_LENGTH and _TEASER.match(t))]
    body, _, notices = split_front(blocks, markdown_headings=False)
    title = normalise(parser.og_title or (headings[0] if headings else "") or parser.title)
    return DocumentText(path, "html", body, title=title, author=normalise(parser.author),
                        published=(parser.published or parser.time)[:10], headings=tuple(headings),
                        notices=tuple(notices))
