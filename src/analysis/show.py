"""Display helpers for the notebooks: captioned tables and figures whose
numbers are filled in when the chapter is assembled.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from IPython.display import Image, display

from analysis.crossref import ref
from analysis.text import labels
from analysis.wording import number

if TYPE_CHECKING:  # pandas only for the annotations: the conclusion notebook does not need it
    import pandas as pd


def markdown(text: str) -> None:
    """Show Markdown text (rendered by the chapter's exporters)."""
    display({"text/markdown": text}, raw=True)


def table(df: pd.DataFrame, ident: str, caption: str, language: str) -> None:
    """Show a captioned table as HTML (for the HTML chapter) and Markdown."""
    words = labels(language)
    shown = df.rename(columns=lambda c: words["columns"].get(c, c))
    shown = shown.apply(lambda col: col.map(lambda v: _cell(v, words, language)))
    title = f"{ref('tab', ident)}. {caption}"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in shown.itertuples(index=False))
    html_table = (f'<p class="caption"><b>{html.escape(title)}</b></p>'
                  f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    md_rows = ["| " + " | ".join(str(c) for c in shown.columns) + " |",
               "|" + "---|" * len(shown.columns)]
    md_rows += ["| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in r) + " |"
                for r in shown.itertuples(index=False)]
    display({"text/html": html_table, "text/markdown": f"**{title}**\n\n" + "\n".join(md_rows)}, raw=True)


def _cell(value: object, words: dict, language: str) -> object:
    """A table cell in the chapter's words: yes/no for booleans, the language's decimal mark for fractions."""
    if value is True or value is False:
        return words["true_word"] if value else words["false_word"]
    if isinstance(value, float):
        return number(value, language)
    return value


def figure(png: Path, ident: str, caption: str) -> None:
    """Show a saved figure (embedded) with its caption below."""
    display(Image(filename=str(png)), metadata={"alt": caption})  # the caption, read out by screen readers
    title = f"{ref('fig', ident)}. {caption}"
    display({"text/html": f'<p class="caption"><b>{html.escape(title)}</b></p>',
             "text/markdown": f"**{title}**"}, raw=True)
