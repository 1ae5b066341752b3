"""The chapter: the conclusion from the results files, and the assembly of the
executed notebooks into one numbered, self-contained document.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import text, whatif, wording
from analysis.atomic import write_bytes, write_json, write_text
from analysis.config import chapter_number, load_case, load_codebook
from analysis.crossref import number_chapters, ref  # ref: also imported from here by report.py
from analysis.errors import AnalysisError
from analysis.paths import TEMPLATES_DIR, CasePaths, in_project

if TYPE_CHECKING:  # for annotations only: imported lazily at run time (see assemble)
    import nbformat

HIDDEN_TAGS = {"notebook-only", "parameters", "injected-parameters"}


# Built by default; PDF needs xelatex or Chromium, so it is asked for (`make pdf`, --formats ...,pdf).
DEFAULT_FORMATS = ("html", "md", "docx")

def load_results(paths: CasePaths) -> list[dict[str, Any]]:
    """The per-indicator results files, in codebook order."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in results_files(paths)]


def results_files(paths: CasePaths) -> list[Path]:
    """The per-indicator results files, in codebook order; fails naming the first one missing."""
    out = []
    for ind in load_codebook(paths.codebook).indicators:
        path = paths.results / f"{ind.id}.json"
        if not path.is_file():
            raise AnalysisError("results of an indicator missing", path=path,
                                hint=f"run `python -m analysis indicator {ind.id}` (or `make`) first")
        out.append(path)
    return out


def conclusion(case_dir: str, reports_dir: str, language: str = "") -> str:
    """Write the conclusion and recommendations from the results files; return the Markdown."""
    paths = CasePaths.from_dirs(in_project(case_dir), None, in_project(reports_dir))
    case = load_case(paths.case_config)
    language = language or case["language"]
    results = load_results(paths)
    for r in results:
        for t in r["tables"]:
            t["ref"] = ref("tab", t["id"])
    from analysis import prose  # the wording of the conclusion lives in prose.py

    body = prose.conclusion(case, results, language, str(paths.case))
    write_json(paths.results / "conclusion.json", {"language": language, "markdown": body,
                                                    "indicators": [r["indicator"] for r in results],
                                                    "verdicts": [r["verdict"] for r in results]})
    return body


# The documents of the chapter, by role: each is written as <name>.html, .md, .docx (and .pdf).
# "thesis" is all of them in one document: findings, conclusion, one reference list, appendix.
ROLES = ("findings", "conclusion", "appendix")
DOCUMENTS = (*ROLES, "thesis")


@dataclass(frozen=True)
class Part:
    """One chapter of the thesis as the case configures it.

    Args:
        role: ``findings``, ``conclusion`` or ``appendix``.
        number: As the heading prints it ("III", "4"; a letter for the appendix).
        prefix: What figure and table numbers start with ("3" in "Tabel 3.2").
        title: The chapter title ("HASIL DAN PEMBAHASAN").
    """

    role: str
    number: str
    prefix: str
    title: str


def parts(case: dict, language: str) -> dict[str, Part]:
    """The chapters by role, from ``case.yml`` (``chapter``, ``chapter.findings``, ``chapter.appendix``).

    ``chapter.number``/``chapter.title`` are the conclusion chapter (as before
    chapters had roles); the findings chapter defaults to the number before it,
    the appendix to the letter A, both titled in the case's language.
    """
    words = text.labels(language)["chapters"]
    chapter = case["chapter"]
    number = chapter_number(chapter["number"])
    roman = not str(chapter["number"]).isdigit()
    findings = chapter.get("findings") or {}
    appendix = chapter.get("appendix") or {}
    f_number = findings.get("number", _roman(number - 1) if roman else number - 1)
    return {
        "findings": Part("findings", str(f_number), str(chapter_number(f_number)),
                         findings.get("title", words["findings"])),
        "conclusion": Part("conclusion", str(chapter["number"]), str(number), chapter["title"]),
        "appendix": Part("appendix", str(appendix.get("number", "A")), str(appendix.get("number", "A")),
                         appendix.get("title", words["appendix"])),
    }


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out or "0"


def assemble(paths: CasePaths, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """Merge the executed notebooks into the chapters of the thesis and export them.

    Writes, in ``paths.chapter``: ``findings.*`` (one section per indicator:
    its evidence tables, figures, quotes, contradicting evidence, sensitivity),
    ``conclusion.*`` (the conclusion and Saran), ``appendix.*`` (sources,
    reliability, provenance) and ``thesis.*`` (all three, with one reference
    list), plus ``references.json``, the register as CSL JSON. Figures and
    tables are numbered by the chapter that shows them ("Tabel 3.2" in BAB
    III), and a reference from another chapter uses the same number; code and
    prompts are hidden.
    """
    order = _ordered(formats)  # an unknown format fails before any work is done
    import nbformat  # here, not at the top: the notebooks import this module, and nbformat costs ~1 s to import

    from analysis import citations, schemas
    case = load_case(paths.case_config)
    codebook = load_codebook(paths.codebook)
    language = case["language"]
    words = text.labels(language)
    plan = parts(case, language)
    notebooks = [paths.executed / f"indicator-{i.id}.ipynb" for i in codebook.indicators]
    notebooks.append(paths.executed / "conclusion.ipynb")
    for source in notebooks:  # the notebooks first: a missing one is the likelier slip, and says what to run
        if not source.is_file():
            raise AnalysisError("executed notebook missing", path=source, hint="run `make` to execute it")
    documents = schemas.read_table(schemas.DOCUMENTS, paths.processed).to_dict("records")
    sources = schemas.read_table(schemas.SOURCES, paths.processed)
    interviews = set(sources.loc[sources["source_type"] == "interview", "source_id"])
    md = nbformat.v4.new_markdown_cell

    def heading(part: Part) -> Any:
        shown = {**case, "chapter": {**case["chapter"], "number": part.number, "title": part.title}}
        return md(text.render("chapter_heading", language, case_dir=str(paths.case), case=shown))

    what_if = whatif.notice(whatif.read_results(paths.results), language)  # a what-if chapter says so on its first page
    notice = [md(what_if)] if what_if else []
    findings = [heading(plan["findings"]), *notice]
    for k, ind in enumerate(codebook.indicators, start=1):
        cells = _notebook_cells(paths.executed / f"indicator-{ind.id}.ipynb")
        cells = [_with_sources(c, documents, interviews, words) for c in cells]
        label = ind.label.get(language, ind.id)
        findings.append(md(f"## {plan['findings'].prefix}.{k} {label}"))
        findings.append(md(text.render("findings_intro", language, case_dir=str(paths.case), label=label,
                                       tables=_placeholders(cells, "tab"), figures=_placeholders(cells, "fig"))))
        findings.extend(cells)
    conclusion_title = wording.section_titles(case, words)["conclusion"]
    conclusion = [heading(plan["conclusion"]), *notice, md(f"## {plan['conclusion'].prefix}.1 {conclusion_title}"),
                  *_notebook_cells(paths.executed / "conclusion.ipynb")]
    appendix_cells = [heading(plan["appendix"]), md(appendix_body(paths, case))]
    numbered = number_chapters([(findings, plan["findings"].prefix), (conclusion, plan["conclusion"].prefix),
                                (appendix_cells, plan["appendix"].prefix)], case["chapter"])
    chapters = dict(zip(ROLES, numbered))

    items = citations.csl_items(documents, language)
    groups = list(dict.fromkeys(m.group(1) for c in numbered for cell in c
                                for m in citations.CITE.finditer(json.dumps(cell, ensure_ascii=False))))
    rendered = citations.render(items, groups, language)

    def references(cells: list) -> list:
        cited_ids = set(citations.cited(json.dumps(cells, ensure_ascii=False)))
        entries = [e for key, e in rendered.entries.items() if key in cited_ids]
        if not entries:
            return []
        body = "\n\n".join(citations.to_markdown(e) for e in entries)
        return [md(f"# {words['chapters']['references']}\n\n{body}")]

    books = {
        "findings": chapters["findings"] + references(chapters["findings"]),
        "conclusion": chapters["conclusion"] + references(chapters["conclusion"]),
        "appendix": chapters["appendix"],
        "thesis": (chapters["findings"] + chapters["conclusion"]
                   + references(chapters["findings"] + chapters["conclusion"]) + chapters["appendix"]),
    }
    paths.chapter.mkdir(parents=True, exist_ok=True)
    write_json(paths.chapter / "references.json", items)
    from analysis import evidence  # here: it needs pandas, which the conclusion notebook does without

    # The evidence browser before the HTML, which links its quote ids into it.
    written = [paths.chapter / "references.json", evidence.build_site(paths)]
    for name, cells in books.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata = {"language_info": {"name": "python"}}
        nb.cells = [_cite(copy.deepcopy(c), rendered) for c in cells]
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{i:03d}"
        title = plan[name].title if name in plan else case["chapter"]["title"]
        for fmt in order:
            written.extend(EXPORTERS[fmt](nb, paths.chapter, {**case, "document": name, "document_title": title}))
    return written


def _notebook_cells(source: Path) -> list:
    """The cells of an executed notebook that the chapter shows (not those tagged notebook-only)."""
    import nbformat

    if not source.is_file():
        raise AnalysisError("executed notebook missing", path=source, hint="run `make` to execute it")
    return [c for c in nbformat.read(source, as_version=4).cells
            if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))]


def _placeholders(cells: list, kind: str) -> list[str]:
    """The figure or table placeholders the cells show, in order (each once)."""
    from analysis.crossref import _REF

    found = [m.group(0) for m in _REF.finditer(json.dumps(cells, ensure_ascii=False)) if m.group(1) == kind]
    return list(dict.fromkeys(found))


_ID_IN_CELL = re.compile(r"\b([A-Za-z]+[0-9]+)(?::[0-9]+-[0-9]+)?\b")


def _with_sources(cell: Any, documents: list[dict[str, Any]], interviews: set[str], words: dict[str, Any]) -> Any:
    """Cite the documents a table shows and put a "Sumber:" line under every table and figure.

    A table cell that is a document id gets its in-text citation ("D12 (Liputan ..., 2016)");
    the line under a table names the interviews it draws on and cites its documents; under the
    timeline it cites the documents whose milestones it draws.
    """
    from analysis.citations import cite

    if cell.get("cell_type") != "code":
        return cell
    doc_ids = {d["doc_id"] for d in documents}
    milestones = [d["doc_id"] for d in documents if d.get("milestone")]
    cell = copy.deepcopy(cell)
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        page = data.get("text/html", "")
        if 'class="caption"' not in page:
            continue
        if "<table>" in page:
            found = [m.group(1) for m in _ID_IN_CELL.finditer(re.sub(r"<[^>]+>", " ", page.split("</p>", 1)[1]))]
            docs = [d for d in dict.fromkeys(found) if d in doc_ids]
            talks = sorted({d for d in found if d in interviews})
            page = re.sub(r"<td>([A-Za-z]+[0-9]+)</td>",
                          lambda m: f"<td>{m.group(1)} {cite(m.group(1))}</td>" if m.group(1) in doc_ids
                          else m.group(0), page)
            if "text/markdown" in data:
                data["text/markdown"] = re.sub(r"(?<=\| )([A-Za-z]+[0-9]+)(?= \|)",
                                               lambda m: f"{m.group(1)} {cite(m.group(1))}" if m.group(1) in doc_ids
                                               else m.group(0), data["text/markdown"])
        else:
            is_timeline = "-timeline]]" in page
            docs, talks = (milestones if is_timeline else []), []
        line = _source_line(docs, talks, words)
        data["text/html"] = page + f'<p class="source">{html_escape(line)}</p>'
        if "text/markdown" in data:
            data["text/markdown"] += f"\n\n{line}"
    return cell


def _source_line(docs: list[str], talks: list[str], words: dict[str, Any]) -> str:
    from analysis.citations import cite

    said = words["chapters"]
    parts_ = [said["own_data"]]
    if talks:
        parts_.append(f"{said['interviews']} {', '.join(talks)}")
    if docs:
        parts_.append(cite(*docs))
    return f"{said['source']}: " + "; ".join(parts_) + "."


def _cite(cell: Any, rendered: Any) -> Any:
    """Resolve the citation placeholders of a cell, in the form each output type needs."""
    from analysis.citations import resolve

    if cell.get("cell_type") == "markdown":
        cell["source"] = resolve(cell["source"], rendered, "markdown")
        return cell
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        for mime, form in (("text/html", "html"), ("text/markdown", "markdown"), ("text/plain", "plain")):
            if isinstance(data.get(mime), str):
                data[mime] = resolve(data[mime], rendered, form)
    return cell


def _ordered(formats: tuple[str, ...]) -> list[str]:
    """The formats to export, HTML first: DOCX and PDF are converted from the HTML just written."""
    for fmt in formats:
        if fmt not in EXPORTERS:
            raise AnalysisError(f"unknown chapter format {fmt!r}; valid values: {', '.join(EXPORTERS)}")
    rest = [f for f in dict.fromkeys(formats) if f != "html"]
    return (["html"] if "html" in formats or FROM_HTML & set(rest) else []) + rest


def appendix(paths: CasePaths, case: dict, number: int | str, section: int) -> str:
    """The appendix: data sources, inter-coder reliability and provenance, from the processed tables."""
    from analysis import schemas
    from analysis.provenance import provenance
    from analysis.reliability import disagreement_counts, undefined_figures

    sources = schemas.read_table(schemas.SOURCES, paths.processed).drop(columns=["text"])
    reliability = schemas.read_table(schemas.RELIABILITY, paths.processed)
    disagreements = disagreement_counts(schemas.read_table(schemas.DISAGREEMENTS, paths.processed), reliability)
    documents = schemas.read_table(schemas.DOCUMENTS, paths.processed)
    codings = schemas.read_table(schemas.CODINGS, paths.processed)
    return text.render("appendix", case["language"], case_dir=str(paths.case), case=case, number=number,
                       section=section, sources=sources.to_dict("records"), stances=stance_counts(codings),
                       same_origin=same_origin(documents),
                       documents=documents.to_dict("records"), reliability=reliability.to_dict("records"),
                       disagreements=disagreements, undefined=undefined_figures(reliability),
                       provenance=provenance(paths))


def appendix_body(paths: CasePaths, case: dict) -> str:
    """The appendix as a chapter of its own: its sections one level up, under the chapter's heading.

    The wording (``appendix.md.j2``) starts with its own section heading, written for an appendix
    inside the conclusion chapter; the appendix document has the chapter heading instead.
    """
    body = appendix(paths, case, "A", 1)
    lines = body.split("\n")
    if lines and lines[0].startswith("## "):
        lines = lines[1:]
    return "\n".join("## " + line[4:] if line.startswith("### ") else line for line in lines).strip()


def stance_counts(codings: Any) -> list[dict[str, Any]]:
    """Per coder: codings, how many carry an explicit stance, how many of each stance, and caveat memos."""
    rows = []
    for coder, c in codings.groupby("coder", sort=True):
        rows.append({"coder": coder, "codings": len(c), "explicit": int(c["stance_explicit"].sum()),
                     **{s: int((c["stance"] == s).sum()) for s in ("supports", "contradicts", "context")},
                     "caveats": int(c["caveat"].sum())})
    return rows


def same_origin(documents: Any) -> list[list[str]]:
    """Groups of documents that share one origin (they count as one independent source)."""
    groups = documents.groupby("origin", sort=False)["doc_id"].apply(sorted)
    return sorted(g for g in groups if len(g) > 1)


def _export_html(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from nbconvert import HTMLExporter

    from analysis import evidence

    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")], template_name="chapter",
                            anchor_link_text="", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"chapter": {"lang": case["language"],
                                                                     "title": case["document_title"]}})
    body = evidence.link_chapter(body, folder)  # quote ids -> their spans in the evidence browser
    from analysis.formats.pandoc import break_after_underscores, column_widths

    target = folder / f"{case['document']}.html"
    write_text(target, break_after_underscores(column_widths(body)))
    return [target]


def _export_markdown(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from nbconvert import MarkdownExporter

    exporter = MarkdownExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, resources = exporter.from_notebook_node(nb, resources={"output_files_dir": f"{case['document']}_files"})
    written = []
    for name, data in sorted(resources.get("outputs", {}).items()):
        write_bytes(folder / name, data)
        written.append(folder / name)
    target = folder / f"{case['document']}.md"
    write_text(target, body)
    return [target, *written]


def _export_docx(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from analysis.formats.docx import export_docx

    name = case["document"]
    return [export_docx(folder / f"{name}.html", folder / f"{name}.docx")]


def _export_pdf(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from analysis.formats.pdf import export_pdf

    name = case["document"]
    return [export_pdf(folder / f"{name}.html", folder / f"{name}.pdf")]


def print_pdfs(paths: CasePaths) -> list[Path]:
    """Print every chapter document to PDF from its HTML, already built (``make pdf``)."""
    from analysis.formats.pdf import export_pdf

    return [export_pdf(paths.chapter / f"{name}.html", paths.chapter / f"{name}.pdf") for name in DOCUMENTS]


EXPORTERS = {"html": _export_html, "md": _export_markdown, "docx": _export_docx, "pdf": _export_pdf}
FROM_HTML = {"docx", "pdf"}  # converted from the HTML just written, so assemble writes it first
