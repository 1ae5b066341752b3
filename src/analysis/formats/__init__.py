"""Chapter formats: the DOCX and PDF exports of the chapter, converted from the HTML chapter.

The HTML chapter is the one rendering of the assembled notebooks: its tables
are real ``<table>`` elements and its figures are embedded data URIs, so a
converter that reads HTML gets real Word tables and embedded images without
a second rendering path to keep in step.

* DOCX: pandoc (shipped inside the ``pypandoc-binary`` wheel, so nothing to
  install outside PyPI) with a reference document laid out as Indonesian
  theses usually are: A4, margins 4 cm left and 3 cm top, right and bottom,
  Times New Roman 12 pt, 1.5 line spacing.
* PDF: a chain of engines tried in order (``PDF_ENGINES``): xelatex through
  pandoc, then headless Chromium printing the HTML chapter, whose CSS
  ``@page`` rule carries the same margins.

``python -m analysis pdf`` prints the PDF from the HTML chapter already
built (the Makefile's ``pdf`` target), without rewriting the HTML.

Modules: ``docx_reference`` (the thesis reference document), ``pandoc`` (running
pandoc), ``docx`` and ``pdf`` (the two formats). Not to be confused with
:mod:`analysis.qdpx`, the REFI-QDA export of the case.
"""

from analysis.formats.docx import export_docx
from analysis.formats.docx_reference import reference_docx
from analysis.formats.pandoc import source_date_epoch
from analysis.formats.pdf import INSTALL_HINT, PDF_ENGINES, PdfEngine, browser, export_pdf, screenshot

__all__ = ["INSTALL_HINT", "PDF_ENGINES", "PdfEngine", "browser", "export_docx", "export_pdf", "reference_docx",
           "screenshot", "source_date_epoch"]
