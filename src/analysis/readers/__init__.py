"""Readers for the files students bring: document originals and transcript exports.

Documents (``documents.py``): PDF (``pdf.py``), HTML (``html.py``), Word and
plain or Markdown text, each read into blocks (paragraphs) with the page or
line they start on. Transcripts (``transcripts.py``): WebVTT, SRT,
transcription-service text and Word tables, registered with the transcript
readers of :mod:`analysis.ingest`. ``layout.py`` holds the cleaning that
paged text needs (running heads, page numbers, hyphenation).
"""

# Importing the format modules registers their readers.
from analysis.readers import documents, html, pdf  # noqa: E402,F401
