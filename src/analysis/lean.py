"""Lean start-up: keep the commands from importing what the pipeline never uses.

nbformat (imported by papermill and nbconvert) imports jsonschema, which
imports ``rfc3987_syntax`` when it is installed (JupyterLab brings it) to
check the "iri" string format. That import builds a Lark grammar: about
0.8 s in every process that runs a notebook, for a format nbformat's schema
never uses. Marking the module absent before jsonschema loads makes
jsonschema skip that one checker; nothing else changes.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)


def skip_unused_imports() -> None:
    """Mark the modules of :data:`UNUSED` as absent, unless already imported (call before nbformat)."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None in sys.modules means "not installed"
