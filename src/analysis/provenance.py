"""Provenance: what went into a build (input hashes, package versions, commit)."""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from typing import Any

from analysis.paths import PROJECT_DIR, CasePaths

PACKAGES = ("pandas", "pyarrow", "matplotlib", "seaborn", "papermill", "nbconvert", "nbformat", "ipykernel",
            "jinja2", "pyyaml", "ftfy")


def provenance(paths: CasePaths) -> dict[str, Any]:
    """Input files with sha256 (private key excluded by name), versions and the git commit."""
    inputs = []
    for p in sorted(q for q in paths.case.rglob("*") if q.is_file() and not q.name.startswith(".")):
        rel = p.relative_to(paths.case).as_posix()
        if rel.startswith("private/"):
            rel = "private/(identity key, not shown)"
        inputs.append({"path": rel, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()})
    return {"inputs": inputs, "packages": {name: _version(name) for name in PACKAGES}, "commit": _commit()}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12", "--exclude=*"],
                             cwd=PROJECT_DIR, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
