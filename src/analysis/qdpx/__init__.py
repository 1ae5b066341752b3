"""REFI-QDA interoperability: import a ``.qdpx`` project into a case folder, export one.

REFI-QDA is the exchange standard of QualCoder, NVivo, ATLAS.ti, MAXQDA and
others: a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``)
and the plain texts of the sources under ``sources/``. Codings are
``PlainTextSelection`` elements with ``startPosition``/``endPosition`` in
Unicode code points of the plain text; ours are anchored by quote. The import
turns one into the other and verifies every coding with the pipeline's own
anchoring; the export computes offsets into the pseudonymised texts it writes.

Liberal in what is accepted (any name for the ``.qde``, paths with or without
``internal://``, ``\\r\\n`` line ends, text inline or in files), strict in what
is written (valid against the official schemas, deterministic bytes). The
archive is untrusted: see :func:`open_archive`. The mapping is documented in
``docs/refi-qda.md``.

Modules, one seam each: ``archive`` (safety of an untrusted zip), ``model``
(namespaces, XML helpers, the in-memory project), ``read`` (XML to the model),
``codebook``, ``anchoring`` and ``importer`` (the model to a case folder),
``exporter`` (a case folder to ``.qdpx``/``.qdc``).
"""

from analysis.atomic import ZIP_DATE
from analysis.qdpx.archive import MAX_ENTRIES, MAX_RATIO, MAX_TOTAL_BYTES, RATIO_FLOOR, Archive, open_archive
from analysis.qdpx.exporter import export_qdc, export_qdpx
from analysis.qdpx.importer import ImportReport, import_qdpx
from analysis.qdpx.model import CASE_NOTE, CODEBOOK_NOTE, CODEBOOK_NS, ORIGIN, PROJECT_NS, split_stance, stance_memo

__all__ = [
    "CASE_NOTE", "CODEBOOK_NOTE", "CODEBOOK_NS", "MAX_ENTRIES", "MAX_RATIO", "MAX_TOTAL_BYTES", "ORIGIN",
    "PROJECT_NS", "RATIO_FLOOR", "ZIP_DATE", "Archive", "ImportReport", "export_qdc", "export_qdpx",
    "import_qdpx", "open_archive", "split_stance", "stance_memo",
]
