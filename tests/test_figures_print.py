"""Figures drawn for print: no in-plot title, zero left blank, labels not ids, 300 dpi PNG plus SVG."""

from __future__ import annotations

import pandas as pd
from PIL import Image

from analysis import figures

LEGEND = {"informants": "Supporting informants", "documents": "Supporting documents",
          "contradicting": "Contradicting sources", "count": "Count"}


def bars_table():
    return pd.DataFrame({"label": ["Agreement", "Training"], "informants": [3, 0], "documents": [1, 0],
                         "contradicting": [0, 2]})


def test_bars_have_no_title_a_count_on_every_bar_and_the_legend_above_the_data():
    fig = figures.evidence_bars(bars_table(), LEGEND)
    ax = fig.axes[0]
    assert ax.get_title() == "" and not fig.texts
    counts = [t.get_text() for t in ax.texts]
    assert counts.count("0") == 3 and len(counts) == 6  # a zero is written, not a missing bar
    legend = ax.get_legend()
    fig.canvas.draw()
    box, plot = legend.get_window_extent(), ax.get_window_extent()
    assert box.y0 >= plot.y1 - 1  # above the plotting area: it can hide no bar
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Agreement", "Training"]
    fills = {p.get_facecolor() for p in ax.patches}
    assert len({round(0.299 * r + 0.587 * g + 0.114 * b, 2) for r, g, b, _ in fills}) == 3  # apart in grey
    figures.plt.close(fig)


def test_heatmap_leaves_zero_blank_and_names_categories():
    matrix = pd.DataFrame({"Agreement": [2, 0], "Council approval": [0, 1]}, index=["Informant-01", "Informant-02"])
    fig = figures.heatmap(matrix, "Category")
    ax = fig.axes[0]
    assert ax.get_title() == ""
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2"]  # no "0" drawn
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Agreement", "Council approval"]
    figures.plt.close(fig)


def test_timeline_axis_spans_the_milestones_only():
    docs = pd.DataFrame({"doc_id": ["D1", "D2", "D3"], "date": ["2016-05-31", "2017-05", "2023"],
                         "milestone": ["Signed", "Plan", "Corner opened"], "uncertain": [False, True, False]})
    fig = figures.timeline(docs, {"certain": "certain", "uncertain": "uncertain"})
    ax = fig.axes[0]
    assert ax.get_title() == ""
    lo, hi = (figures.matplotlib.dates.num2date(x).year for x in ax.get_xlim())
    assert lo >= 2015 and hi <= 2023
    figures.plt.close(fig)


def test_figures_are_saved_at_300_dpi_as_png_and_svg(tmp_path):
    fig = figures.evidence_bars(bars_table(), LEGEND)
    png, svg = figures.save(fig, tmp_path, "bars")
    dpi = Image.open(png).info["dpi"]
    assert round(dpi[0]) == 300 and svg.suffix == ".svg" and svg.stat().st_size > 0
