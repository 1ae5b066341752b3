"""The PDF chapter: a chain of engines (xelatex through pandoc, headless Chromium) and screenshots."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.atomic import atomic_path
from analysis.errors import AnalysisError
from analysis.formats.docx_reference import FONT
from analysis.formats.pandoc import _TIMEOUT, _for_pandoc, _pandoc, source_date_epoch
from analysis.log import logger

# --- PDF ------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfEngine:
    """One way to print the chapter to PDF.

    Args:
        name: Shown in messages.
        find: Returns the engine's executable, or ``None`` when it is not installed.
        run: ``run(executable, html_path, pdf_path)`` writes the PDF.
    """

    name: str
    find: Callable[[], str | None]
    run: Callable[[str, Path, Path], None]


def browser() -> str | None:
    """A headless-capable Chromium on the PATH, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


# The thesis layout for LaTeX, beyond what pandoc's template variables set: the
# chapter title centred, page numbers as in the DOCX, indented paragraphs, and
# tables in 10 pt, single-spaced, with the narrow padding the column widths assume.
_LATEX_HEADER = r"""
\usepackage{sectsty}
\sectionfont{\centering\large}
\subsectionfont{\normalsize}
\subsubsectionfont{\normalsize}
\usepackage{fancyhdr}
\pagestyle{fancy}
\fancyhf{}
\fancyhead[R]{\thepage}
\renewcommand{\headrulewidth}{0pt}
\fancypagestyle{plain}{\fancyhf{}\fancyfoot[C]{\thepage}\renewcommand{\headrulewidth}{0pt}}
\AtBeginDocument{\thispagestyle{plain}}
\setlength{\parindent}{1.25cm}
\setlength{\tabcolsep}{3pt}
\usepackage{etoolbox}
\AtBeginEnvironment{longtable}{\footnotesize\setstretch{1}}
"""
# Captions and figures are Divs with a Word style (see _for_pandoc); LaTeX ignores
# that attribute, so this filter centres them, keeps a figure with its caption,
# and moves a table caption to the next page when fewer than about twelve lines
# are left for it and the table's first rows (a caption alone at a page's foot).
_LATEX_FILTER = r"""
local function styled(block, name)
  return block.t == "Div" and block.attributes["custom-style"] == name
end

function Blocks(blocks)
  local out = pandoc.Blocks({})
  for i, block in ipairs(blocks) do
    if styled(block, "Caption") or styled(block, "Figure") then
      local following = blocks[i + 1]
      if styled(block, "Caption") and following and following.t == "Table" then
        out:insert(pandoc.RawBlock("latex", "\\par\\begingroup\\dimen0=\\pagegoal" ..
          "\\advance\\dimen0 by -\\pagetotal\\ifdim\\dimen0<12\\baselineskip\\newpage\\fi\\endgroup"))
      end
      out:insert(pandoc.RawBlock("latex", "\\begin{center}"))
      out:extend(block.content)
      out:insert(pandoc.RawBlock("latex", "\\end{center}\\nopagebreak"))
    else
      out:insert(block)
    end
  end
  return out
end
"""


def _xelatex(_: str, html_path: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="xelatex-") as tmp:
        header, lua = Path(tmp) / "thesis.tex", Path(tmp) / "thesis.lua"
        header.write_text(_LATEX_HEADER, encoding="utf-8")
        lua.write_text(_LATEX_FILTER, encoding="utf-8")
        args = ["--from", "html", "--to", "pdf", "--pdf-engine=xelatex", "--output", str(pdf),
                f"--include-in-header={header}", f"--lua-filter={lua}",
                "-V", "papersize=a4", "-V", "fontsize=12pt", "-V", "linestretch=1.5", "-V", "indent=true",
                "-V", "geometry:top=3cm,right=3cm,bottom=3cm,left=4cm"]
        font = _serif_font()
        if font:
            args += ["-V", f"mainfont={font}"]
        _pandoc(args, stdin=_for_pandoc(html_path.read_text(encoding="utf-8")))


def _serif_font() -> str | None:
    """Times New Roman or the closest Times clone fontconfig knows (xelatex fails on a missing font)."""
    if not shutil.which("fc-list"):
        return None
    for font in (FONT, "TeX Gyre Termes", "Liberation Serif", "Nimbus Roman"):
        try:
            out = subprocess.run(["fc-list", f"{font}:style=Regular", "family"], capture_output=True, text=True,
                                 timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None  # no font list: xelatex falls back to its default font
        if out.stdout.strip():
            return font
    return None


def _chromium(exe: str, html_path: Path, pdf: Path) -> None:
    from analysis.evidence import unlink_quote_ids

    # Printed from a copy without the links to the evidence browser (machine-specific addresses in a PDF).
    with tempfile.TemporaryDirectory(prefix="print-") as tmp:
        copy = Path(tmp) / html_path.name
        copy.write_text(unlink_quote_ids(html_path.read_text(encoding="utf-8")), encoding="utf-8")
        # Both spellings of "no header and footer": the first for Chromium >= 120, the second before it.
        _run_browser(exe, copy, [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", "--print-to-pdf-no-header"])


def _reproducible_pdf(pdf: Path) -> None:
    """Make a reprint byte-identical: the PDF's dates become ``source_date_epoch()``, its ID a content hash.

    Chromium stamps the print time; xdvipdfmx (xelatex) an ID from the time and
    pandoc's temporary file name. Nothing else changes between runs. The
    replacements have the lengths of what they replace, so the
    cross-reference offsets stay valid; a PDF whose fields look otherwise is
    left as it is.
    """
    stamp = time.strftime("D:%Y%m%d%H%M%S+00'00'", time.gmtime(int(source_date_epoch()))).encode()
    data = pdf.read_bytes()
    fixed = re.sub(rb"(/(?:CreationDate|ModDate) ?)\(D:\d{14}[+-]\d\d'\d\d'\)",
                   lambda m: m.group(1) + b"(" + stamp + b")", data)
    ids = re.compile(rb"/ID ?\[ ?<([0-9a-fA-F]{32})> ?<([0-9a-fA-F]{32})> ?\]")
    digest = hashlib.sha256(ids.sub(b"", fixed)).hexdigest()[:32].encode()
    fixed = ids.sub(lambda m: m.group(0).replace(m.group(1), digest).replace(m.group(2), digest), fixed)
    if len(fixed) == len(data):
        pdf.write_bytes(fixed)


def _run_browser(exe: str, html_path: Path, extra: list[str]) -> None:
    """Run headless Chromium on a local file, with a throw-away profile and no network chatter."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                f"--user-data-dir={profile}", *extra, html_path.resolve().as_uri()]
        try:
            out = subprocess.run(args, capture_output=True, timeout=_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise AnalysisError(f"{exe} did not finish within {_TIMEOUT} s") from exc
    if out.returncode != 0:
        raise AnalysisError(f"{exe} failed (exit {out.returncode}): "
                            f"{out.stderr.decode('utf-8', 'replace').strip()[-1500:]}")


PDF_ENGINES: list[PdfEngine] = [
    PdfEngine("xelatex", lambda: shutil.which("xelatex"), _xelatex),
    PdfEngine("chromium", browser, _chromium),
]
INSTALL_HINT = ("install one: Chromium (`apt-get install chromium`, or Google Chrome) or a TeX distribution with "
                "xelatex (`apt-get install texlive-xetex`, MacTeX, MiKTeX)")


def export_pdf(html_path: str | Path, target: str | Path, engines: Sequence[PdfEngine] | None = None) -> Path:
    """Print the HTML chapter to PDF with the first engine of ``PDF_ENGINES`` that is installed and works.

    Args:
        html_path: The chapter as written by the HTML exporter.
        target: Where to write the ``.pdf`` (atomically).
        engines: The engines to try, in order; default ``PDF_ENGINES``.

    Returns:
        The path written.

    Raises:
        AnalysisError: No engine is installed (the message says how to install
            one), or every installed engine failed.
    """
    html_path, target = Path(html_path), Path(target)
    if not html_path.is_file():
        raise AnalysisError("HTML chapter missing", path=html_path, hint="run `make chapter` first")
    failures = []
    for engine in PDF_ENGINES if engines is None else engines:
        exe = engine.find()
        if not exe:
            continue
        started = time.perf_counter()
        try:
            with atomic_path(target) as out:
                engine.run(exe, html_path, out)
                if not out.read_bytes().startswith(b"%PDF"):
                    raise AnalysisError(f"{engine.name} wrote no PDF")
                _reproducible_pdf(out)
        except AnalysisError as exc:
            # An installed engine can still fail (a missing LaTeX package, a broken
            # browser profile): say so and let the next engine try.
            logger.warning("PDF engine %s failed: %s", engine.name, exc)
            failures.append(f"{engine.name}: {exc}")
            continue
        logger.info("printed %s with %s in %.1f s", target, engine.name, time.perf_counter() - started)
        return target
    if failures:
        raise AnalysisError("every PDF engine failed: " + "; ".join(failures), hint=INSTALL_HINT)
    raise AnalysisError("no PDF engine found (neither xelatex nor Chromium is on the PATH)", hint=INSTALL_HINT)


def screenshot(html_path: str | Path, target: str | Path, width: int = 1000, height: int = 1400) -> Path:
    """A PNG of the top of the HTML chapter as headless Chromium renders it (for checks and reviews)."""
    exe = browser()
    if not exe:
        raise AnalysisError("no browser found for a screenshot", hint=INSTALL_HINT)
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="screenshot-") as tmp, atomic_path(target) as out:
        # Chromium picks the image format from the file name, so it writes "shot.png", not the ".tmp" file.
        shot = Path(tmp) / "shot.png"
        _run_browser(exe, Path(html_path), [f"--screenshot={shot}", f"--window-size={width},{height}"])
        if not shot.is_file():
            raise AnalysisError(f"{exe} wrote no screenshot")
        shutil.copyfile(shot, out)
    return target
