"""Manifest and verification: what a build produced, and whether a rebuild agrees.

The manifest lists every output (processed tables, executed notebooks,
results, figures, chapter) with its sha256, the inputs with theirs, the
notebook parameters and the package versions. ``verify`` rebuilds the case
into a scratch folder and reports every output that differs, with a
readable diff for tables, results and notebooks, so that a change in coding
decisions shows as a change in evidence, not just as a hash.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.atomic import write_json
from analysis.paths import PROJECT_DIR, CasePaths
from analysis.provenance import provenance
from analysis.whatif import what_if_entry

MANIFEST = "manifest.json"
# Files whose bytes legitimately depend on where the build ran: compared without that part.
_PARAMETER_TAGS = {"injected-parameters"}


def write_manifest(paths: CasePaths) -> Path:
    """Write ``<reports>/manifest.json`` for the current outputs of a case."""
    prov = provenance(paths)
    data = {
        "inputs": {i["path"]: i["sha256"] for i in prov["inputs"]},
        "outputs": {**_hashes(paths.processed, "processed"), **_hashes(paths.reports, "reports")},
        "packages": prov["packages"],
        "commit": prov["commit"],
        "parameters": {"case": _shown(paths.case), "processed": _shown(paths.processed),
                       "reports": _shown(paths.reports)},
        **what_if_entry(paths.results),
        "notes": ["executed notebooks hold their parameters (output folders); verify compares them without "
                  "the injected-parameters cell",
                  "the chapter's .docx and .pdf files are dated with SOURCE_DATE_EPOCH (from the environment, else the "
                  "time of the last commit): a rebuild at another commit differs in those dates only"],
    }
    target = paths.reports / MANIFEST
    write_json(target, data)
    return target


def verify(paths: CasePaths, build: Callable[[CasePaths], object]) -> list[str]:
    """Rebuild into a scratch folder with ``build`` and list every output that differs.

    Args:
        paths: The case and its current outputs.
        build: Builds the case into the scratch folders it is given, manifest
            included: :func:`analysis.pipeline.verify` passes :func:`analysis.pipeline.build`
            with the formats the current outputs hold. (Passed in, not imported: the
            manifest stage of the Makefile does not depend on the whole pipeline.)

    Returns:
        Human-readable problems, empty when the rebuild matches byte for byte
        (notebooks: apart from their parameter cell).
    """
    scratch_root = PROJECT_DIR / "build"
    scratch_root.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verify-", dir=scratch_root) as tmp:
        fresh = CasePaths(paths.case, Path(tmp) / "processed", Path(tmp) / "reports")
        build(fresh)
        from analysis import diff

        # Findings first: a reviewer asks whether a verdict, count or quote changed, then which bytes.
        findings = diff.compare((paths.processed, paths.reports), (fresh.processed, fresh.reports))
        problems = [] if not findings.headline and not findings.findings and not findings.inputs else [
            "findings-level summary (current outputs → fresh rebuild):\n" + diff.render_text(
                diff.Difference(findings.headline, findings.findings, findings.inputs)).rstrip()]
        for label, old_dir, new_dir in (("processed", paths.processed, fresh.processed),
                                        ("reports", paths.reports, fresh.reports)):
            old, new = _files(old_dir), _files(new_dir)
            for rel in sorted(old.keys() - new.keys()):
                problems.append(f"{label}/{rel}: not produced by the rebuild (stale output?)")
            for rel in sorted(new.keys() - old.keys()):
                problems.append(f"{label}/{rel}: missing from the current outputs (run `make`)")
            for rel in sorted(old.keys() & new.keys()):
                diff = _difference(old[rel], new[rel])
                if diff:
                    problems.append(f"{label}/{rel}: differs from the rebuild\n{diff}")
        shutil.rmtree(tmp, ignore_errors=True)
    return problems


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    # Hidden entries are not outputs: .gitkeep, and a staging folder left by a killed build (atomic.staged_dirs).
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def _hashes(folder: Path, label: str) -> dict[str, str]:
    return {f"{label}/{rel}": hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in _files(folder).items()}


def _difference(old: Path, new: Path) -> str:
    a, b = old.read_bytes(), new.read_bytes()
    if a == b:
        return ""
    suffix = old.suffix.lower()
    if suffix == ".ipynb":
        a_text, b_text = _notebook_text(a), _notebook_text(b)
        return "" if a_text == b_text else _unified(a_text, b_text)
    if suffix in (".csv", ".json", ".md", ".svg", ".html", ".txt"):
        return _unified(a.decode("utf-8", "replace"), b.decode("utf-8", "replace"))
    return (f"    sha256 {hashlib.sha256(a).hexdigest()[:16]} (current) != "
            f"{hashlib.sha256(b).hexdigest()[:16]} (rebuild)")


def _notebook_text(data: bytes) -> str:
    nb: dict[str, Any] = json.loads(data)
    nb["cells"] = [c for c in nb.get("cells", []) if not _PARAMETER_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for c in nb["cells"]:
        c.pop("id", None)
    papermill = nb.get("metadata", {}).get("papermill", {})
    for key in ("parameters", "output_path"):  # the output folders, as the parameter cell
        papermill.pop(key, None)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)


def _unified(a: str, b: str, limit: int = 40) -> str:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "current", "rebuild", lineterm="", n=1))
    shown = [f"    {line[:200]}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"    ... {len(lines) - limit} more diff lines")
    return "\n".join(shown)


def _shown(path: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(PROJECT_DIR).as_posix() if resolved.is_relative_to(PROJECT_DIR) else str(path)
