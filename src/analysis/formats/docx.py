"""The DOCX chapter: pandoc converts the HTML chapter with the thesis reference document."""

from __future__ import annotations

import tempfile
from pathlib import Path

from analysis.atomic import atomic_path
from analysis.formats.docx_reference import reference_docx
from analysis.formats.pandoc import _for_pandoc, _pandoc

# --- DOCX -----------------------------------------------------------------------


def export_docx(html_path: str | Path, target: str | Path, reference: str | Path | None = None) -> Path:
    """Convert the HTML chapter to DOCX with pandoc.

    Tables become Word tables and data-URI figures embedded pictures. Pandoc
    stamps the document with a date: ``SOURCE_DATE_EPOCH`` (taken from the
    environment, else the time of the last commit, else 0) fixes it, so two
    exports of the same chapter are byte-identical.

    Args:
        html_path: The chapter as written by the HTML exporter.
        target: Where to write the ``.docx`` (atomically).
        reference: A pandoc reference document; ``None`` makes the thesis one
            (``reference_docx``) in a temporary folder.

    Returns:
        The path written.
    """
    html_path, target = Path(html_path), Path(target)
    html = _for_pandoc(html_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="docx-") as tmp:
        ref = Path(reference) if reference else reference_docx(Path(tmp) / "reference.docx")
        with atomic_path(target) as out:
            # Not --sandbox: in the sandbox pandoc ignores SOURCE_DATE_EPOCH and dates the
            # document 1970. Nothing is fetched anyway: the figures are data URIs already.
            _pandoc(["--from", "html", "--to", "docx", f"--reference-doc={ref}", "--output", str(out)], stdin=html)
    return target
