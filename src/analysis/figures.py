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
DPI = 300  # print resolution; the caption and the page, not the plot, give the size
# Fixed salt and no timestamps: the same figure gives the same bytes.
plt.rcParams.update({"svg.hashsalt": "analysis", "svg.fonttype": "none", "savefig.dpi": DPI, "figure.dpi": 100,
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


def evidence_bars(table: pd.DataFrame, labels: dict[str, str]) -> plt.Figure | None:
    """Horizontal bars per category: one bar per count column of ``table`` that ``labels`` names.

    Drawn for print: no title (the caption carries it), every bar labelled
    with its count so that a zero reads as 0 and not as a missing bar, the
    legend above the plot (never over a bar), and fills that differ in
    lightness and pattern, so the three kinds stay apart in greyscale.

    Returns:
        The figure, or None when every count is zero (no code has evidence):
        bars of zeros say nothing, and the chapter says so in words instead.
    """
    kinds = [k for k in labels if k in table.columns and k != "label"]
    if table.empty or not table[kinds].to_numpy().sum():
        return None
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(table) * max(len(kinds), 1) / 2 + 1.2))
    height = 0.8 / len(kinds)
    positions = range(len(table))
    for k, kind in enumerate(kinds):
        style = BAR_STYLES[k % len(BAR_STYLES)]
        ys = [p - 0.4 + height * (k + 0.5) for p in positions]
        bars = ax.barh(ys, table[kind], height=height, label=labels[kind], color=style["color"],
                       hatch=style["hatch"], edgecolor="black", linewidth=0.6)
        ax.bar_label(bars, padding=2, fontsize=7)
    ax.set_yticks(list(positions), [_wrap(str(v)) for v in table["label"]])
    ax.invert_yaxis()  # the first category on top, as in the table
    ax.set(xlabel=labels["count"], ylabel="")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(1, table[kinds].to_numpy().max()) * 1.12)  # room for the count labels
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(kinds), frameon=False, fontsize=7,
              handlelength=1.5, columnspacing=1.0)
    sns.despine(fig)
    return fig


# Fills of the bars: distinct in lightness (greyscale print) and by pattern, support apart from contradiction.
BAR_STYLES = ({"color": "#d9d9d9", "hatch": ""}, {"color": "#636363", "hatch": ""}, {"color": "white", "hatch": "///"})


def _wrap(label: str, width: int = 28) -> str:
    """A long category label over two or more lines, so the plot keeps its width."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


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


def heatmap(matrix: pd.DataFrame, xlabel: str) -> plt.Figure | None:
    """Informants x categories heatmap of coded units.

    Zero cells are left blank (white, no number): only evidence is shaded.
    A one-hue scale that darkens with the count reads the same in greyscale.
    No title: the caption carries it.

    Returns:
        The figure, or None when no informant was coded with any code (no
        interviews, or none coded for this indicator): seaborn cannot scale
        colours on an empty matrix, and a grid of zeros says nothing.
    """
    if matrix.empty or not matrix.to_numpy().sum():
        return None
    shown = matrix.rename(columns=lambda c: _wrap(str(c), 16))
    fig, ax = plt.subplots(figsize=(0.9 * max(len(matrix.columns), 3) + 1.6, 0.35 * max(len(matrix), 3) + 1.4))
    sns.heatmap(shown, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, linecolor="#bdbdbd",
                mask=shown == 0, vmin=0, ax=ax, annot_kws={"fontsize": 8})
    ax.set(xlabel=xlabel, ylabel="")
    ax.tick_params(axis="x", labelsize=7, rotation=0)
    ax.tick_params(axis="y", labelsize=7, rotation=0)
    for side in ("top", "right", "bottom", "left"):  # a frame, so blank cells still sit inside a grid
        ax.spines[side].set_visible(True)
        ax.spines[side].set_color("#bdbdbd")
    return fig


def timeline(documents: pd.DataFrame, legend: dict[str, str]) -> plt.Figure | None:
    """Milestones of the document register on a date axis; uncertain dates drawn hollow.

    The axis spans the milestones and no more; labels of the later half sit
    to the left of their marker, so none runs off the plot. No title: the
    caption carries it.

    Args:
        documents: Rows with ``date`` (YYYY, YYYY-MM or YYYY-MM-DD), ``milestone`` and ``uncertain``.
        legend: Words for "certain" and "uncertain" dates.

    Returns:
        The figure, or None when no document marks a milestone (nothing to place on the axis).
    """
    rows = documents[documents["milestone"].str.len() > 0]
    if rows.empty:
        return None
    when = pd.to_datetime(rows["date"].map(_full_date))
    rows = rows.assign(when=when).sort_values(["when", "doc_id"])
    lo, hi = rows["when"].min(), rows["when"].max()
    middle = lo + (hi - lo) / 2
    fig, ax = plt.subplots(figsize=(6.3, 0.28 * len(rows) + 1.0))
    y = list(range(len(rows)))[::-1]
    for yy, row in zip(y, rows.itertuples(index=False)):
        ax.plot([row.when], [yy], marker="o", markersize=6, color="black",
                markerfacecolor="white" if row.uncertain else "black")
        right = row.when <= middle
        ax.annotate(f"{row.milestone} ({row.date})", (row.when, yy), xytext=(6 if right else -6, 0),
                    textcoords="offset points", va="center", ha="left" if right else "right", fontsize=7)
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(rows) - 0.2)
    ax.plot([], [], "o", color="black", label=legend["certain"])
    ax.plot([], [], "o", color="black", markerfacecolor="white", label=legend["uncertain"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=7, frameon=False)
    pad = max((hi - lo) * 0.03, pd.Timedelta(days=60))
    ax.set_xlim(lo - pad, hi + pad)
    ax.tick_params(axis="x", labelsize=7)
    sns.despine(fig, left=True)
    return fig


def _full_date(date: str) -> str:
    parts = str(date).split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))
