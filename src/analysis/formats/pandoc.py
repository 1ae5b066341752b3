"""Running pandoc (shipped in the ``pypandoc-binary`` wheel) on the HTML chapter, reproducibly dated."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence

from analysis.errors import AnalysisError
from analysis.paths import PROJECT_DIR

_TIMEOUT = 300  # seconds; a converter that hangs must not hang `make`


def _for_pandoc(html: str) -> str:
    """Prepare the HTML chapter for pandoc: styles for figures and captions, no title block.

    pandoc drops the classes of ``<p>`` and ``<img>``, but its HTML reader
    turns ``data-custom-style`` on a ``<div>`` into the paragraph style of its
    content: captions get "Caption" (centred) and figures "Figure" (centred,
    kept with their caption) instead of the body text's first-line indent.
    """
    html = _alt_from_captions(html)
    html = re.sub(r'<p class="caption">(.*?)</p>', r'<div data-custom-style="Caption"><p>\1</p></div>', html, flags=re.S)
    html = re.sub(r'<p class="source">(.*?)</p>', r'<div data-custom-style="Source"><p>\1</p></div>', html, flags=re.S)
    html = re.sub(r'(<img\b[^>]*>)', r'<div data-custom-style="Figure">\1</div>', html)
    html = column_widths(html)
    # The <title> would become a title block above the chapter's own heading, repeating it.
    html = re.sub(r"<title>.*?</title>", "", html, count=1, flags=re.S)
    return html


def _alt_from_captions(html: str) -> str:
    """Give every figure its caption as alt text (the figure's description in Word, read out by screen readers).

    nbconvert's alt text says nothing ("No description has been provided"), and with none pandoc
    describes the picture by its source: the whole image again, as base64.
    """
    import html as html_lib

    out, last = [], 0
    for m in re.finditer(r"<img\b[^>]*>", html):
        caption = re.search(r'<p class="caption">(.*?)</p>', html[m.end():], flags=re.S)
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", caption.group(1))).strip() if caption else ""
        tag = re.sub(r'\salt="[^"]*"', "", m.group(0))
        out += [html[last:m.start()], tag[:4], f' alt="{html_lib.escape(text)}"', tag[4:]]
        last = m.end()
    return "".join(out) + html[last:]


def column_widths(html: str) -> str:
    """Give every table of ``html`` column widths from its text (see :func:`_colgroup`).

    The HTML chapter gets them too: a browser printing a wide table then breaks lines between
    words, as the widths allow, rather than inside them.
    """
    return re.sub(r"<table>(.*?)</table>", lambda m: "<table>" + _colgroup(m.group(1)) + m.group(1) + "</table>",
                  html, flags=re.S)


def _colgroup(table: str) -> str:
    """Column widths from the cells' text, as a ``<colgroup>`` pandoc reads.

    Without widths pandoc gives every column the same share of the page, so
    a quote column gets as narrow as a count column and codes break mid-word.
    As a browser does, each column first gets its longest word (so no word
    breaks), then the room left is shared in proportion to how much more its
    longest text (capped: long quotes wrap anyway) would need.
    """
    import html as html_lib

    rows = [[html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table, flags=re.S)]
    if not rows or len({len(r) for r in rows}) != 1 or "colspan" in table or "<colgroup" in table:
        return ""  # merged cells or ragged rows: leave the widths to pandoc
    # A header row is set in bold: a quarter wider.
    scale = [1.25 if i == 0 and "<th" in table.split("</tr>")[0] else 1.0 for i in range(len(rows))]
    low, high = [], []
    for column in zip(*rows):
        low.append(max((_text_width(w) * k for text, k in zip(column, scale) for w in _words(text)), default=1)
                   + _CELL_PADDING)
        high.append(max(low[-1], min(max(_text_width(text) * k for text, k in zip(column, scale)), 60)
                        + _CELL_PADDING))
    if sum(high) <= _TEXT_WIDTH or sum(low) >= _TEXT_WIDTH:
        widths = high if sum(high) <= _TEXT_WIDTH else low
    else:
        share = (_TEXT_WIDTH - sum(low)) / (sum(high) - sum(low))
        widths = [lo + (hi - lo) * share for lo, hi in zip(low, high)]
    total = sum(widths)
    # Rounded down, so that the shares never add up to more than the text width.
    return "<colgroup>" + "".join(f'<col style="width: {int(1000 * w / total) / 10:.1f}%">' for w in widths) + "</colgroup>"


# Widths in units of a 10 pt Times lowercase letter (about 4.5 pt): the text width
# between the thesis margins (14 cm), a cell's padding (2 x CELL_MARGIN) and its border.
_TEXT_WIDTH = 88
_CELL_PADDING = 1.5


def _words(text: str) -> list[str]:
    """The pieces a line may not break inside: words, and code ids split after their underscores (see
    :func:`break_after_underscores`)."""
    return [piece for word in text.split() for piece in re.split(r"(?<=_)", word) if piece]


def break_after_underscores(html: str) -> str:
    """Let a browser break a code id such as ``CODE_NAME`` after its underscores inside tables (``<wbr>``)."""
    return re.sub(r"<table>.*?</table>", lambda t: re.sub(r">([^<]*_[^<]*)<", lambda m: ">" + m.group(1).replace(
        "_", "_<wbr>") + "<", t.group(0)), html, flags=re.S)


def _text_width(text: str) -> float:
    """Rough width of ``text`` in table cells: capitals, digits and underscores are wider than lowercase."""
    return sum(1.5 if c.isupper() or c == "_" else 1.1 if c.isdigit() else 1.0 for c in text)


def source_date_epoch() -> str:
    """The date to stamp into documents: ``$SOURCE_DATE_EPOCH``, else the last commit's time, else 0.

    A fixed date (rather than now) is what makes a rebuild byte-identical;
    the commit time is the date of the sources the chapter was built from.
    """
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=PROJECT_DIR, capture_output=True,
                             text=True, timeout=10)
        stamp = out.stdout.strip()
        return stamp if out.returncode == 0 and stamp.isdigit() else "0"
    except (OSError, subprocess.SubprocessError):
        return "0"


def _pandoc(args: Sequence[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the pandoc that ships with ``pypandoc-binary`` (or ``$PYPANDOC_PANDOC``)."""
    try:
        import pypandoc
        exe = pypandoc.get_pandoc_path()
    except (ImportError, OSError) as exc:
        raise AnalysisError(f"pandoc is not available ({exc})",
                            hint="install the pinned environment: `make env` (pypandoc-binary ships pandoc)") from exc
    # Our own subprocess rather than pypandoc.convert_*: the environment is set per call
    # (SOURCE_DATE_EPOCH) without touching os.environ, and a hang ends at a timeout.
    env = {**os.environ, "SOURCE_DATE_EPOCH": source_date_epoch()}
    try:
        out = subprocess.run([exe, *args], input=stdin.encode("utf-8") if stdin is not None else None,
                             capture_output=True, env=env, timeout=_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AnalysisError(f"pandoc did not finish within {_TIMEOUT} s") from None
    except OSError as exc:
        raise AnalysisError(f"pandoc could not be started ({exc.strerror})", path=exe) from None
    if out.returncode != 0:
        raise AnalysisError(f"pandoc failed: {out.stderr.decode('utf-8', 'replace').strip()[-1500:]}")
    return out
