"""Benchmark: extraction and cleaning of a long PDF (default 1,000 pages; target: under 60 s).

A synthetic report is written with the package's PDF writer: every page has
a running head, a numbered foot, about 40 lines of text in paragraphs, one
word hyphenated across a line end and one paragraph running on to the next
page. The measured step is what ``prepare`` does with a PDF document:
:func:`analysis.readers.documents.read_document` (pypdf text layer, running
heads and feet and page numbers removed, paragraphs rebuilt, hyphenation
joined, encoding repair, NFC). The result is checked (no head or page
number left, paragraphs on every page), then the time is written to
``pdf_pages.md`` and ``pdf_pages.json`` in ``--out``.

Usage::

    .venv/bin/python benchmarks/pdf_pages.py --pages 1000 --out build/bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from analysis.readers.documents import read_document
from analysis.readers.pdfwrite import wrap, write_pdf

TARGET_SECONDS = 60.0
HEAD = "Regional cooperation report, synthetic benchmark edition"
WORDS = ("the towns agreed on a plan for the cooperation of their ports and fisheries offices, "
         "with visits, training of staff, shared equipment and a yearly review of what was done").split()


def page_lines(n: int) -> list[str]:
    """About forty lines: paragraphs of varying length, a hyphenated word, the last line running on."""
    lines = [HEAD, ""]
    k = n
    while len(lines) < 40:
        size = 25 + (k * 7) % 40
        text = " ".join(WORDS[(k + i) % len(WORDS)] for i in range(size)).capitalize() + "."
        lines += wrap(text, 90) + [""]
        k += 1
    lines = lines[:40]
    while not lines[-1]:
        lines.pop()
    # A paragraph broken mid-word at the foot of the page; its words differ from page to page, as body text does.
    closing = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(8))
    return [*lines, "", f"Last of all {closing} and the coop-", f"eration continues with {closing}."]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("build/bench"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        start = time.perf_counter()
        write_pdf(path, [page_lines(n) for n in range(args.pages)],
                  footers=[f"Page {n + 1} of {args.pages}" for n in range(args.pages)])
        written = time.perf_counter() - start
        size = path.stat().st_size
        start = time.perf_counter()
        doc = read_document(path)
        seconds = time.perf_counter() - start
    text = "\n".join(b.text for b in doc.blocks)
    pages_seen = {b.page for b in doc.blocks}
    assert HEAD not in text and "Page " not in text, "running heads or page numbers left in the text"
    assert "coop- eration" not in text and text.count("cooperation continues") == args.pages, "hyphenation not joined"
    assert len(pages_seen) == args.pages, f"paragraphs on {len(pages_seen)} of {args.pages} pages"
    result = {"pages": args.pages, "pdf_bytes": size, "paragraphs": len(doc.blocks), "seconds": round(seconds, 2),
              "pages_per_second": round(args.pages / seconds, 1), "target_seconds": TARGET_SECONDS,
              "met": seconds <= TARGET_SECONDS, "write_seconds": round(written, 2), "cpus": os.cpu_count(),
              "python": platform.python_version()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pdf_pages.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "pdf_pages.md").write_text(
        f"# PDF extraction and cleaning\n\n{args.pages:,} pages ({size / 1e6:.1f} MB, {len(doc.blocks):,} paragraphs): "
        f"**{seconds:.1f} s** ({args.pages / seconds:.0f} pages/s) on {os.cpu_count()} CPU(s); "
        f"target {TARGET_SECONDS:.0f} s: {'met' if result['met'] else 'NOT met'}.\n", encoding="utf-8")
    print(json.dumps(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
