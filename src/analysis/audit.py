"""Privacy audit: no identity from the private key in any output."""

from __future__ import annotations

from pathlib import Path

from analysis.config import load_identity_key
from analysis.paths import CasePaths
from analysis.pseudonymise import identity_pattern

BINARY_SUFFIXES = {".png", ".parquet", ".jpg", ".jpeg", ".pdf", ".docx", ".zip"}


def audit(paths: CasePaths) -> list[str]:
    """Return one ``file:line: identity`` message per leak under processed and reports.

    Binary files are scanned as bytes decoded leniently, so a name inside a
    Parquet page or PNG text chunk is still found.
    """
    pattern = identity_pattern(load_identity_key(paths.identity_key))
    leaks = []
    for folder in (paths.processed, paths.reports):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            text = path.read_bytes().decode("utf-8", errors="replace")
            for n, line in enumerate(text.splitlines(), start=1):
                for m in pattern.finditer(line):
                    leaks.append(f"{path}:{n}: identity {m.group(0)!r} from the private key")
    return leaks
