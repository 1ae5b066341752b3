"""Citations: the document register as a bibliography, cited through pandoc's citeproc.

Text anywhere in the chapter (templates, table cells, "Sumber:" lines) cites a
document of the register with a placeholder, ``[[cite:D07]]`` or
``[[cite:D12;D13]]`` (:func:`cite`). When the chapter is assembled, the
register becomes CSL JSON (:func:`csl_items`, written next to the chapter as
``references.json``), pandoc's citeproc formats every distinct citation and
the reference list once, in the style shipped in ``csl/apa.csl`` (APA 7), and
:func:`resolve` puts the formatted text in place of each placeholder.

Interviews are not bibliography entries: the register holds only public
documents, and an illustrative interview is cited in the text by its id
("wawancara I03"), as personal communications are in APA.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from analysis.errors import AnalysisError
from analysis.paths import PACKAGE_DIR

CSL_STYLE = PACKAGE_DIR / "csl" / "apa.csl"
CITE = re.compile(r"\[\[cite:([A-Za-z0-9_.;-]+)\]\]")
# The CSL locale citeproc uses for each chapter language ("n.d." becomes "t.t." in Indonesian).
LOCALES = {"id": "id-ID", "en": "en-US"}
# Register document types as CSL item types: what citeproc needs to format each kind as APA does.
CSL_TYPES = {"news": "article-newspaper", "regulation": "legislation", "agreement": "document",
             "institutional": "webpage", "academic": "article-magazine", "reference": "entry-encyclopedia"}


def cite(*doc_ids: str) -> str:
    """A placeholder citing register documents, formatted when the chapter is assembled."""
    return f"[[cite:{';'.join(doc_ids)}]]"


def cited(text: str) -> list[str]:
    """The document ids cited in ``text``, in order of first citation."""
    return list(dict.fromkeys(d for m in CITE.finditer(text) for d in m.group(1).split(";")))


def csl_items(documents: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """CSL JSON items for the register's documents (the rows of the processed ``documents`` table).

    The register names no author, so APA puts the title first; the web site
    (the host of ``source_url``) stands as the container, and the date keeps
    the precision the register gives it (year, month or day). The register's
    titles are written in the chapter's language (a Vietnamese article gets an
    Indonesian title in an Indonesian thesis), so every item carries the
    chapter's language: citeproc then title-cases English titles only.
    """
    items = []
    for doc in documents:
        item: dict[str, Any] = {"id": doc["doc_id"], "type": CSL_TYPES.get(doc["type"], "document"),
                                "title": doc["title"]}
        parts = [int(p) for p in str(doc.get("date") or "").split("-") if p.isdigit()]
        if parts:
            item["issued"] = {"date-parts": [parts]}
        url = doc.get("source_url") or ""
        if url:
            item["URL"] = url
            host = urlparse(url).netloc.lower()
            item["container-title"] = re.sub(r"^(www|m)\.", "", host)
        item["language"] = LOCALES.get(language, language)
        items.append(item)
    return items


@dataclass
class Rendered:
    """Citations and reference-list entries as citeproc formatted them (HTML fragments)."""

    citations: dict[str, str] = field(default_factory=dict)  # "D12;D13" -> "(<em>Title</em>, 2016)"
    entries: dict[str, str] = field(default_factory=dict)    # "D12" -> the entry, in reference-list order


def render(items: list[dict[str, Any]], groups: list[str], language: str) -> Rendered:
    """Format every citation group (``"D12;D13"``) and the reference list with one citeproc run.

    Raises:
        AnalysisError: A cited id is not in the register (the hint names the known ids).
    """
    known = {item["id"] for item in items}
    unknown = sorted({d for g in groups for d in g.split(";")} - known)
    if unknown:
        raise AnalysisError(f"citation of a document not in the register: {', '.join(unknown)}",
                            field="cite", hint=f"cite one of the register's doc_id values ({', '.join(sorted(known))})")
    if not groups:
        return Rendered()
    from analysis.formats.pandoc import _pandoc

    # One paragraph per citation group, then the reference list: the paragraphs come back in order.
    source = "\n\n".join("[" + "; ".join(f"@{d}" for d in g.split(";")) + "]" for g in groups)
    source += "\n\n::: {#refs}\n:::\n"
    with tempfile.TemporaryDirectory(prefix="citeproc-") as tmp:
        bib = Path(tmp) / "references.json"
        bib.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        out = _pandoc(["--from", "markdown", "--to", "html", "--wrap=none", "--citeproc",
                       f"--csl={CSL_STYLE}", f"--bibliography={bib}",
                       "--metadata", f"lang={LOCALES.get(language, language)}",
                       "--metadata", "link-citations=false"], stdin=source).stdout.decode("utf-8")
    body, _, refs = out.partition('<div id="refs"')
    paragraphs = re.findall(r"<p>(.*?)</p>", body, flags=re.S)
    if len(paragraphs) != len(groups):
        raise AnalysisError(f"citeproc returned {len(paragraphs)} citations for {len(groups)}")
    entries = {m.group(1): m.group(2).strip()
               for m in re.finditer(r'<div id="ref-([^"]+)"[^>]*>(.*?)</div>', refs, flags=re.S)}
    return Rendered(dict(zip(groups, (p.strip() for p in paragraphs))), entries)


def to_markdown(fragment: str) -> str:
    """A citeproc HTML fragment as Markdown: italics kept, links as their text, entities decoded."""
    text = re.sub(r"</?(em|i)>", "*", fragment)
    text = re.sub(r"<a\b[^>]*>(.*?)</a>", r"\1", text, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    return html_lib.unescape(text)


def to_plain(fragment: str) -> str:
    """A citeproc HTML fragment as plain text (for HTML attributes and escaped table cells)."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment))


def resolve(value: str, rendered: Rendered, form: str) -> str:
    """Replace every citation placeholder in ``value``.

    Args:
        value: Text holding ``[[cite:...]]`` placeholders.
        rendered: What :func:`render` returned for the chapter's citations.
        form: ``"html"`` (the fragment as formatted), ``"markdown"`` or ``"plain"``.
    """
    convert = {"html": lambda s: s, "markdown": to_markdown, "plain": to_plain}[form]
    return CITE.sub(lambda m: convert(rendered.citations[m.group(1)]), value)
