"""The evidence browser: pages per source and category, highlighted spans, quote ids linked from the chapter."""

from __future__ import annotations

import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis import evidence, schemas
from analysis.audit import audit
from analysis.chapter import assemble
from analysis.cli import main
from analysis.formats.pdf import browser


class Anchors(HTMLParser):
    """Every id and every link of a page, and the classes of the marks each span id covers."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.marks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "mark":
            self.marks.append(str(a.get("class")))


def _parse(path: Path) -> Anchors:
    p = Anchors()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_link_quote_ids_links_known_ids_only_outside_tags_and_links(tmp_path):
    page = ('<p>See I05:10-20 and I05:10-200.</p><a href="x">I05:10-20</a>'
            '<td title="I05:10-20">at 10:15-20</td><style>.I05:10-20{}</style>')
    out = evidence.link_quote_ids(page, tmp_path / "reports" / "chapter", tmp_path / "reports" / "evidence",
                                  {"I05:10-20"})
    assert out.count('href="../evidence/sources/I05.html#I05:10-20"') == 1
    assert "I05:10-200." in out and '<a href="x">I05:10-20</a>' in out
    assert 'title="I05:10-20"' in out and "at 10:15-20" in out and ".I05:10-20{}" in out


def test_site_has_a_page_per_source_and_category_with_every_span(prepared_mini):
    mini_case = prepared_mini.paths  # prepared once per session, copied
    index = evidence.build_site(mini_case)
    folder = index.parent
    sources = schemas.read_table(schemas.SOURCES, mini_case.processed)
    codings = schemas.read_table(schemas.CODINGS, mini_case.processed)
    units = schemas.read_table(schemas.UNITS, mini_case.processed)
    assert {p.stem for p in (folder / "sources").glob("*.html")} == set(sources["source_id"])
    assert {p.stem for p in (folder / "categories").glob("*.html")} == {"AGREEMENT", "COUNCIL", "MONEY", "DISTANCE"}
    for sid, mine in codings.groupby("source_id"):
        page = _parse(folder / "sources" / f"{sid}.html")
        assert set(mine["excerpt_id"]) <= page.ids  # every span is a link target
        assert set(units.loc[units["source_id"] == sid, "unit_id"]) <= page.ids
        for k, x in enumerate(dict.fromkeys(mine.sort_values(["start", "end"], kind="stable")["excerpt_id"])):
            assert any(f"x-{k}" in m.split() for m in page.marks), x  # its words are highlighted
    assert set((folder / evidence.ANCHORS).read_text().split()) == set(codings["excerpt_id"])
    # the raw file's line number beside each unit: the line where the turn starts in the transcript
    raw = (mini_case.case / sources.loc[sources["source_id"] == "T1", "path"].iloc[0]).read_text().split("\n")
    for u in units[units["source_id"] == "T1"].itertuples():
        assert u.text.split()[0].rstrip(":,.") in raw[u.line - 1], (u.unit_id, u.line)


def test_category_page_lists_every_coding_with_stance_coder_and_memo(prepared_mini):
    mini_case = prepared_mini.paths  # prepared once per session, copied
    folder = evidence.build_site(mini_case).parent
    codings = schemas.read_table(schemas.CODINGS, mini_case.processed)
    mine = codings[codings["code"] == "AGREEMENT"]
    page = (folder / "categories" / "AGREEMENT.html").read_text(encoding="utf-8")
    links = _parse(folder / "categories" / "AGREEMENT.html").links
    for c in mine.itertuples():
        assert f"../sources/{c.source_id}.html#{c.excerpt_id}" in links
    assert page.count("<tr>") == len(mine) + mine["stance"].nunique()  # one header row per stance section
    memos = [m for m in mine["memo"] if m]
    assert all(m.replace("'", "&#x27;").replace('"', "&quot;") in page for m in memos)


def test_removed_source_loses_its_page(prepared_mini):
    mini_case = prepared_mini.paths  # prepared once per session, copied
    folder = evidence.build_site(mini_case).parent
    stale = folder / "sources" / "GONE.html"
    stale.write_text("old")
    evidence.build_site(mini_case)
    assert not stale.exists()


def test_privacy_audit_reads_the_evidence_site(prepared_mini):
    mini_case = prepared_mini.paths  # prepared once per session, copied
    folder = evidence.build_site(mini_case).parent
    assert audit(mini_case) == []
    key = (mini_case.identity_key).read_text(encoding="utf-8")
    name = re.search(r"name: ([^,]+),", key).group(1)
    page = folder / "sources" / "T1.html"
    page.write_text(page.read_text(encoding="utf-8") + name, encoding="utf-8")
    assert any("evidence/sources/T1.html" in leak for leak in audit(mini_case))


def _chapter_links(chapter: Path) -> list[str]:
    return [h for h in _parse(chapter).links if "evidence/" in h]


@pytest.fixture
def built(mini_case):
    assert main(["build", "--case", str(mini_case.case), "--processed", str(mini_case.processed),
                 "--reports", str(mini_case.reports)]) == 0
    return mini_case


@pytest.mark.e2e
def test_every_quote_id_of_the_chapter_links_to_an_existing_anchor(built):
    chapter = built.chapter / "thesis.html"
    quoted = set(re.findall(r"\b[A-Z]+\d*:\d+-\d+\b", re.sub(r"<[^>]+>", " ", chapter.read_text(encoding="utf-8"))))
    links = _chapter_links(chapter)
    assert quoted and {h.rsplit("#", 1)[1] for h in links} == quoted
    for href in links:
        page, anchor = href.split("#")
        assert anchor in _parse((chapter.parent / page).resolve()).ids, href
    assemble(built)  # the links are made again on every assembly, and only once
    assert _chapter_links(chapter) == links


_HARNESS = """<!DOCTYPE html><html><body><pre id="result"></pre><script>
const links = %s; const out = [];
function next(i) {
  if (i >= links.length) { document.getElementById("result").textContent = out.join("\\n") + "\\nDONE"; return; }
  const f = document.createElement("iframe"); f.width = 800; f.height = 600;
  f.onload = () => {
    const d = f.contentDocument; const target = d.querySelector(":target");
    const k = target ? [...d.styleSheets].length : 0;
    const marks = target ? [...target.closest("tr").querySelectorAll("mark")]
      .filter(m => getComputedStyle(m).outlineStyle !== "none") : [];
    out.push(links[i] + " target=" + (target ? target.id : "none") + " outlined=" + marks.length + " sheets=" + k);
    f.remove(); next(i + 1);
  };
  f.src = links[i]; document.body.appendChild(f);
}
next(0);
</script></body></html>"""


@pytest.mark.e2e
@pytest.mark.skipif(browser() is None, reason="needs Chromium (apt-get install chromium)")
def test_quote_links_resolve_and_highlight_in_headless_chromium(built):
    """Open each linked span from file:// in Chromium: the anchor is the page's target and its words are outlined."""
    chapter = built.chapter / "thesis.html"
    links = [(chapter.parent / h.split("#")[0]).resolve().as_uri() + "#" + h.split("#")[1]
             for h in _chapter_links(chapter)]
    with tempfile.TemporaryDirectory() as tmp:
        harness = Path(tmp) / "harness.html"
        harness.write_text(_HARNESS % repr(links), encoding="utf-8")
        out = subprocess.run([browser(), "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                              f"--user-data-dir={tmp}/profile", "--virtual-time-budget=20000", "--dump-dom",
                              harness.as_uri()], capture_output=True, text=True, timeout=180)
    lines = re.search(r'<pre id="result">(.*?)</pre>', out.stdout, re.S)
    assert lines and lines.group(1).strip().endswith("DONE"), out.stdout[-2000:] + out.stderr[-2000:]
    results = lines.group(1).strip().splitlines()[:-1]
    assert len(results) == len(links)
    for link, line in zip(links, results):
        anchor = link.rsplit("#", 1)[1]
        assert f"target={anchor} " in line, line
        assert int(re.search(r"outlined=(\d+)", line).group(1)) > 0, line


def test_unlink_quote_ids_undoes_the_links(tmp_path):
    page = "<td>I05:10-20, and I05:30-40</td>"
    linked = evidence.link_quote_ids(page, tmp_path / "c", tmp_path / "e", {"I05:10-20", "I05:30-40"})
    assert linked != page and evidence.unlink_quote_ids(linked) == page
