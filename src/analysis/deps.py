"""Which package files each build stage runs: the Makefile's prerequisite lists, from the imports.

A stage's entry is its function in :mod:`analysis.pipeline` (and, for a stage
that executes a notebook, the notebook's own imports). Its source list is
every module of the package reachable from there through ``import``
statements, those inside functions included (the package imports heavy
modules late, where they are used). The command-line modules that start
every stage (``__main__``, ``cli``, ``pipeline`` and their imports) are part
of every list: a change there can change any output.

``python -m analysis deps`` writes the lists as a makefile fragment, which
the Makefile includes and remakes whenever a file of the package changes, so
the lists never lag the code. Only the standard library is used (``ast``):
no module is imported to find its imports.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from pathlib import Path

from analysis.paths import NOTEBOOKS_DIR, PACKAGE_DIR, PROJECT_DIR

PACKAGE = "analysis"
# Makefile variable -> (its pipeline function, the notebook it executes or None).
STAGES: dict[str, tuple[str, str | None]] = {
    "LIST_SRC": ("indicator_ids", None),
    "PREPARE_SRC": ("prepare", None),
    "INDICATOR_SRC": ("indicator", "indicator.ipynb"),
    "CONCLUSION_SRC": ("conclusion", "conclusion.ipynb"),
    "ASSEMBLE_SRC": ("assemble", None),
    "PDF_SRC": ("pdf", None),
    "MANIFEST_SRC": ("manifest", None),
}
DISPATCH = ("analysis.__main__", "analysis.cli", "analysis.pipeline")  # how every recipe reaches its stage


def module_file(module: str) -> Path | None:
    """The file of a module of the package (``analysis.formats.pdf`` -> ``.../formats/pdf.py``), if there is one."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(node: ast.AST) -> set[str]:
    """The package modules an import statement loads (``from analysis import x`` may name module x;
    ``import analysis.formats.pdf`` loads ``analysis`` and ``analysis.formats`` too). The package
    uses absolute imports only."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        names.update(a.name for a in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        names.add(node.module)
        names.update(f"{node.module}.{a.name}" for a in node.names)
    found = {".".join(name.split(".")[:i]) for name in names for i in range(1, name.count(".") + 2)}
    return {n for n in found if module_file(n)}


def imports_of(tree: ast.AST) -> set[str]:
    """Every package module imported anywhere in ``tree`` (module level or inside a function)."""
    return {name for node in ast.walk(tree) for name in _imported(node)}


def _parse(module: str) -> ast.Module:
    path = module_file(module)
    if path is None:
        raise ValueError(f"{module} is not a module of the package")
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def closure(start: Iterable[str], lazy: bool = True) -> set[str]:
    """``start`` and every package module reachable from it through imports.

    Args:
        start: Module names.
        lazy: Follow imports inside functions too (a stage runs them); ``False``
            follows module-level imports only (what importing the module runs).
    """
    seen: set[str] = set()
    todo = list(start)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        tree = _parse(module)
        found = imports_of(tree) if lazy else {n for node in tree.body for n in _imported(node)}
        todo.extend(found - seen)
    return seen


def pipeline_entry(function: str) -> set[str]:
    """The modules a pipeline function imports itself (the pipeline's module-level ones come with the dispatch)."""
    for node in _parse("analysis.pipeline").body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return imports_of(node)
    raise ValueError(f"analysis.pipeline has no function {function!r}")


def notebook_imports(notebook: Path) -> set[str]:
    """The package modules a notebook's code cells import."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    found: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        # Cell magics and shell lines are not Python: leave them out of the parse.
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        found |= imports_of(tree)
    return found


def stage_modules(variable: str) -> set[str]:
    """The package modules the stage of a Makefile variable runs (see :data:`STAGES`)."""
    function, notebook = STAGES[variable]
    entry = pipeline_entry(function) | (notebook_imports(NOTEBOOKS_DIR / notebook) if notebook else set())
    # The command line reaches every stage's module only inside that command: its module level is the dispatch.
    return closure(entry) | closure(DISPATCH, lazy=False)


def stage_files(variable: str) -> list[str]:
    """The files of a stage's modules, relative to the project, sorted."""
    files = {module_file(m) for m in stage_modules(variable)}
    return sorted(p.relative_to(PROJECT_DIR).as_posix() for p in files if p is not None)


def makefile_fragment() -> str:
    """The generated makefile text: one ``VARIABLE := files`` line per stage."""
    lines = ["# Generated by `python -m analysis deps` from the package's imports; do not edit.",
             "# The Makefile remakes it whenever a file of the package changes."]
    for variable in STAGES:
        lines.append(f"{variable} := {' '.join(stage_files(variable))}")
    return "\n".join(lines) + "\n"
