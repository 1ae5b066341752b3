"""The chapter: the conclusion from the results files, and the assembly of the
executed notebooks into one numbered, self-contained document.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import text, whatif, wording
from analysis.atomic import write_bytes, write_json, write_text
from analysis.config import chapter_number, load_case, load_codebook
from analysis.crossref import number_references, ref  # ref: also imported from here by report.py
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


def assemble(paths: CasePaths, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """Merge the executed notebooks into the chapter and export it.

    Sections: heading, one per indicator (codebook order), the conclusion.
    Figure and table placeholders are numbered by chapter in order of first
    appearance ("Gambar 4.1"); code and prompts are hidden.
    """
    order = _ordered(formats)  # an unknown format fails before any work is done
    import nbformat  # here, not at the top: the notebooks import this module, and nbformat costs ~1 s to import
    case = load_case(paths.case_config)
    codebook = load_codebook(paths.codebook)
    language = case["language"]
    words = text.labels(language)
    number = chapter_number(case["chapter"]["number"])
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"language_info": {"name": "python"}}
    cells = [nbformat.v4.new_markdown_cell(text.render("chapter_heading", language, case_dir=str(paths.case),
                                                       case=case))]
    what_if = whatif.notice(whatif.read_results(paths.results), language)  # a what-if chapter says so on its first page
    if what_if:
        cells.append(nbformat.v4.new_markdown_cell(what_if))
    sections = [(f"indicator-{i.id}.ipynb", i.label.get(language, i.id)) for i in codebook.indicators]
    sections.append(("conclusion.ipynb", wording.section_titles(case, words)["conclusion"]))
    for k, (name, title) in enumerate(sections, start=1):
        source = paths.executed / name
        if not source.is_file():
            raise AnalysisError("executed notebook missing", path=source, hint="run `make` to execute it")
        cells.append(nbformat.v4.new_markdown_cell(f"## {number}.{k} {title}"))
        cells.extend(c for c in nbformat.read(source, as_version=4).cells
                     if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", [])))
    cells.append(nbformat.v4.new_markdown_cell(appendix(paths, case, number, len(sections) + 1)))
    nb.cells = number_references(copy.deepcopy(cells), number, case["chapter"])
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
    paths.chapter.mkdir(parents=True, exist_ok=True)
    from analysis import evidence  # here: it needs pandas, which the conclusion notebook does without

    written = [evidence.build_site(paths)]  # before the HTML, which links its quote ids into it
    for fmt in order:
        written.extend(EXPORTERS[fmt](nb, paths.chapter, case))
    return written


def _ordered(formats: tuple[str, ...]) -> list[str]:
    """The formats to export, HTML first: DOCX and PDF are converted from the HTML just written."""
    for fmt in formats:
        if fmt not in EXPORTERS:
            raise AnalysisError(f"unknown chapter format {fmt!r}; valid values: {', '.join(EXPORTERS)}")
    rest = [f for f in dict.fromkeys(formats) if f != "html"]
    return (["html"] if "html" in formats or FROM_HTML & set(rest) else []) + rest


def appendix(paths: CasePaths, case: dict, number: int, section: int) -> str:
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
                                                                     "title": case["chapter"]["title"]}})
    body = evidence.link_chapter(body, folder)  # quote ids -> their spans in the evidence browser
    target = folder / "chapter.html"
    write_text(target, body)
    return [target]


def _export_markdown(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from nbconvert import MarkdownExporter

    exporter = MarkdownExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, resources = exporter.from_notebook_node(nb, resources={"output_files_dir": "chapter_files"})
    written = []
    for name, data in sorted(resources.get("outputs", {}).items()):
        write_bytes(folder / name, data)
        written.append(folder / name)
    target = folder / "chapter.md"
    write_text(target, body)
    return [target, *written]


def _export_docx(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from analysis.formats.docx import export_docx

    return [export_docx(folder / "chapter.html", folder / "chapter.docx")]


def _export_pdf(nb: nbformat.NotebookNode, folder: Path, case: dict) -> list[Path]:
    from analysis.formats.pdf import export_pdf

    return [export_pdf(folder / "chapter.html", folder / "chapter.pdf")]


EXPORTERS = {"html": _export_html, "md": _export_markdown, "docx": _export_docx, "pdf": _export_pdf}
FROM_HTML = {"docx", "pdf"}  # converted from chapter.html, so assemble writes it first
