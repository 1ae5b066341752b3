"""Figures: seaborn/matplotlib, rendered without a display, saved with deterministic bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from analysis.atomic import atomic_path  # noqa: E402

FORMATS = ("png", "svg")
# Fixed salt and no timestamps: the same figure gives the same bytes.
plt.rcParams.update({"svg.hashsalt": "analysis", "svg.fonttype": "none", "savefig.dpi": 150, "figure.dpi": 100,
                     "font.family": "DejaVu Sans"})
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def save(fig: plt.Figure, folder: str | Path, name: str) -> list[Path]:
    """Save a figure as PNG and SVG under ``folder`` atomically; close it."""
    out = []
    for fmt in FORMATS:
        target = Path(folder) / f"{name}.{fmt}"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, metadata=_METADATA[fmt], bbox_inches="tight")
        out.append(target)
    plt.close(fig)
    return out


def discard(folder: str | Path, name: str) -> None:
    """Remove a figure's files from an earlier build: a figure left out must not linger beside the chapter."""
    for fmt in FORMATS:
        (Path(folder) / f"{name}.{fmt}").unlink(missing_ok=True)


def evidence_bars(table: pd.DataFrame, title: str, labels: dict[str, str]) -> plt.Figure | None:
    """Horizontal bars per code: one bar per count column of ``table`` that ``labels`` names (e.g. informants).

    Returns:
        The figure, or None when every count is zero (no code has evidence):
        bars of zeros say nothing, and the chapter says so in words instead.
    """
    kinds = [k for k in labels if k in table.columns and k != "label"]
    if table.empty or not table[kinds].to_numpy().sum():
        return None
    long = table.melt(id_vars=["label"], value_vars=kinds, var_name="kind", value_name="n")
    long = long.assign(kind=long["kind"].map(labels))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.4))
    # Support in two greens, contradiction in red: the reader must not take one for the other.
    colours = dict(zip(kinds, ("#6aa58e", "#2e6f62", "#c0504d")))
    palette = {labels[k]: colours[k] for k in kinds}
    sns.barplot(data=long, y="label", x="n", hue="kind", ax=ax, palette=palette, orient="h")
    ax.set(xlabel=labels["count"], ylabel="", title=title)
    ax.legend(title="", loc="lower right")
    ax.xaxis.get_major_locator().set_params(integer=True)
    sns.despine(fig)
    return fig


HEATMAP_MAX_ROWS = 40  # informants drawn at most; a heatmap of hundreds of rows is unreadable and slow to save


def top_rows(matrix: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The ``limit`` rows with the largest totals (ties: the first), in their order; all when fewer.

    Args:
        matrix: Rows (e.g. informants) by columns of counts.
        limit: How many rows to keep at most.

    Returns:
        The kept rows of ``matrix``, in their original order.
    """
    if len(matrix) <= limit:
        return matrix
    totals = matrix.sum(axis=1).to_numpy()
    keep = sorted(sorted(range(len(matrix)), key=lambda i: -totals[i])[:limit])
    return matrix.iloc[keep]


def heatmap(matrix: pd.DataFrame, title: str, xlabel: str) -> plt.Figure | None:
    """Informants x codes heatmap of coded units.

    Returns:
        The figure, or None when no informant was coded with any code (no
        interviews, or none coded for this indicator): seaborn cannot scale
        colours on an empty matrix, and a grid of zeros says nothing.
    """
    if matrix.empty or not matrix.to_numpy().sum():
        return None
    fig, ax = plt.subplots(figsize=(0.8 * max(len(matrix.columns), 3) + 2, 0.4 * max(len(matrix), 3) + 1.2))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="crest", cbar=False, linewidths=0.5, ax=ax)
    ax.set(title=title, xlabel=xlabel, ylabel="")
    return fig


def timeline(documents: pd.DataFrame, title: str, legend: dict[str, str]) -> plt.Figure | None:
    """Milestones of the document register on a date axis; uncertain dates drawn hollow.

    Args:
        documents: Rows with ``date`` (YYYY, YYYY-MM or YYYY-MM-DD), ``milestone`` and ``uncertain``.
        title: Figure title.
        legend: Words for "certain" and "uncertain" dates.

    Returns:
        The figure, or None when no document marks a milestone (nothing to place on the axis).
    """
    rows = documents[documents["milestone"].str.len() > 0]
    if rows.empty:
        return None
    when = pd.to_datetime(rows["date"].map(_full_date))
    rows = rows.assign(when=when).sort_values(["when", "doc_id"])
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    y = list(range(len(rows)))[::-1]
    for yy, row in zip(y, rows.itertuples(index=False)):
        ax.plot([row.when], [yy], marker="o", markersize=7, color="#2a6f97",
                markerfacecolor="white" if row.uncertain else "#2a6f97")
        ax.annotate(f"{row.milestone} ({row.date})", (row.when, yy), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks([])
    ax.set_title(title)
    ax.plot([], [], "o", color="#2a6f97", label=legend["certain"])
    ax.plot([], [], "o", color="#2a6f97", markerfacecolor="white", label=legend["uncertain"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    lo, hi = rows["when"].min(), rows["when"].max()
    ax.set_xlim(lo - pd.Timedelta(days=180), hi + (hi - lo) * 0.45 + pd.Timedelta(days=180))
    sns.despine(fig, left=True)
    return fig


def _full_date(date: str) -> str:
    parts = str(date).split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))
