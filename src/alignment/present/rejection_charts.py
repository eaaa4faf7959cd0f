"""Chart builders of the Rejections page: the reason Pareto, the reason share trend and the
reason x dimension heatmap.

Pure like `charts`: a polars frame from `metrics.rejections` in, a plotly Figure out, with the
shared template and colours (`charts._figure`, `charts.empty_figure`, `charts.PALETTE`). Each
chart's title is given by the caller and says what it shows and for which period; bars and cells
carry their n. Reasons and dimension values come from files: they reach the figure through
`text.plotly_text` (shown as themselves, never as HTML) and never inside a hover template.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from alignment import stats
from alignment.metrics.rejections import NOT_DOCUMENTED
from alignment.present import format
from alignment.present.charts import (
    PALETTE,
    _figure,
    _rate_axis,
    aligned_axes,
    empty_figure,
    month_axis,
)
from alignment.present.text import plotly_text

UNDOCUMENTED_COLOR = "#CBD5E1"
"""Grey for "Not documented" (a gap in the data, not a reason)."""

CURRENT_COLOR = PALETTE[0]
PREVIOUS_COLOR = "#93C5FD"
CUMULATIVE_COLOR = PALETTE[1]
HEATMAP_SCALE = ((0.0, "#F8FAFC"), (1.0, PALETTE[0]))
PALE_SCALE = ((0.0, "#F8FAFC"), (1.0, "#CBD5E1"))
"""Cells of a column with too few rejections to tell: grey, never the strong colour."""


def _reason_colors(reasons: list[str]) -> list[str]:
    """One colour per reason, stable in order, grey for `NOT_DOCUMENTED`."""
    colors: list[str] = []
    index = 0
    for reason in reasons:
        if reason == NOT_DOCUMENTED:
            colors.append(UNDOCUMENTED_COLOR)
        else:
            colors.append(PALETTE[index % len(PALETTE)])
            index += 1
    return colors


def wrap_label(text: str, width: int = 16) -> str:
    """An axis label (plotly text) broken into lines of at most `width` characters (at spaces,
    `<br>`), so long reasons read horizontally instead of being rotated and cut; each line is
    escaped, so only the breaks are markup."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(plotly_text(line) for line in lines) or plotly_text(text)


def pareto(
    frame: pl.DataFrame,
    title: str,
    *,
    comparison_label: str | None = None,
    period_label: str = "This period",
) -> go.Figure:
    """Bars of each reason's share (n on the bar; legend: `period_label`), the cumulative share
    as a line on its own 0-100 % axis (so it does not squeeze the bars), and the comparison
    period's shares as lighter bars when `comparison_label` is given. Both axes have the same
    round gridlines (`charts.aligned_axes`).

    `frame`: one row per reason, in Pareto order (as from `metrics.rejections.pareto`)."""
    if frame.is_empty() or int(frame["n"].sum() or 0) == 0:
        return empty_figure(title, "No rejections with a date in this period.")
    raw_reasons = frame["reason"].to_list()
    reasons = [plotly_text(r) for r in raw_reasons]
    fig = _figure(title)
    shares = frame["share"].to_list()
    compared = comparison_label is not None and frame["previous_share"].is_not_null().any()
    if compared:
        shares += frame["previous_share"].to_list()
        fig.add_bar(
            x=reasons,
            y=frame["previous_share"].to_list(),
            name=plotly_text(str(comparison_label)),
            marker_color=PREVIOUS_COLOR,
            text=[f"n={n:,}" for n in frame["previous_n"].fill_null(0).to_list()],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.1%}<extra>" + plotly_text(str(comparison_label)) + "</extra>",
        )
    colors = [
        UNDOCUMENTED_COLOR if undocumented else CURRENT_COLOR
        for undocumented in frame["undocumented"].to_list()
    ]
    fig.add_bar(
        x=reasons,
        y=frame["share"].to_list(),
        name=plotly_text(period_label),
        marker_color=colors,
        text=[f"n={n:,}" for n in frame["n"].to_list()],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y:.1%} (%{text})<extra></extra>",
    )
    fig.add_scatter(
        x=reasons,
        y=frame["cumulative_share"].to_list(),
        name="Cumulative share",
        yaxis="y2",
        mode="lines+markers",
        line={"color": CUMULATIVE_COLOR, "width": 3},
        hovertemplate="%{x}: %{y:.0%} cumulative<extra></extra>",
    )
    largest = max((float(v) for v in shares if v is not None), default=0.0)
    left, right = aligned_axes(largest * 1.12, 1.0)  # room for the n above the tallest bar
    fig.update_layout(
        barmode="group",
        yaxis={"tickformat": ".0%", "title": "Share of rejections", **left},
        yaxis2={**_rate_axis("Cumulative share"), **right},
        xaxis={
            "tickangle": 0,
            "tickmode": "array",
            "tickvals": reasons,
            "ticktext": [wrap_label(r) for r in raw_reasons],
        },
    )
    return fig


def share_trend(frame: pl.DataFrame, title: str, bucket: str = "month") -> go.Figure:
    """Stacked bars per month (quarter, by its label): each reason's share of the bucket's
    rejections (hover: n of total).

    `frame`: one row per month x reason (as from `metrics.rejections.share_trend`)."""
    if frame.is_empty() or int(frame["n"].sum() or 0) == 0:
        return empty_figure(title, "No dated rejections in these months.")
    reasons = list(dict.fromkeys(frame["reason"].to_list()))
    quarters = bucket == "quarter"  # drawn by their labels (`Q1 2026`): categories
    fig = _figure(title)
    for reason, color in zip(reasons, _reason_colors(reasons), strict=True):
        rows = frame.filter(pl.col("reason") == reason)
        fig.add_bar(
            x=rows["label"].to_list() if quarters else rows["month"].to_list(),
            y=rows["share"].to_list(),
            name=plotly_text(reason),
            marker_color=color,
            customdata=[
                (n, total, plotly_text(reason))
                for n, total in zip(rows["n"].to_list(), rows["total"].to_list(), strict=True)
            ],
            hovertemplate=(
                ("%{x}" if quarters else "%{x|%b %Y}") + " · %{customdata[2]}: %{y:.0%} "
                "(%{customdata[0]} of %{customdata[1]})<extra></extra>"
            ),
        )
    fig.update_layout(
        barmode="stack",
        yaxis={
            "tickformat": ".0%",
            "range": [0, 1],
            "title": f"Share of the {'quarter' if quarters else 'month'}'s rejections",
        },
        xaxis={"type": "category"} if quarters else month_axis(frame["month"].n_unique()),
    )
    return fig


def shared_scale(frames: list[pl.DataFrame]) -> float:
    """The top of the colour scale that heatmaps shown side by side share: the largest share
    of any cell with enough rejections behind it (`stats.MIN_N` in its column), else of any
    cell; at least 1 %."""
    reliable = [
        float(v)
        for f in frames
        if not f.is_empty()
        for v in f.filter(pl.col("total") >= stats.MIN_N)["share"].to_list()
        if v is not None
    ]
    every = [float(v) for f in frames for v in f["share"].to_list() if v is not None]
    return max(0.01, max(reliable or every or [0.0]))


def heatmap(
    frame: pl.DataFrame, dimension: str, title: str, *, zmax: float | None = None
) -> go.Figure:
    """Reason (rows) x dimension value (columns) heatmap of each value's reason shares; cells
    read `41 %` over `n=12`, column labels carry the value's total n. A column with fewer than
    `stats.MIN_N` rejections is drawn in a pale grey scale of its own (its shares could move a
    lot), so one rejection out of one does not get the darkest colour. `zmax` (see
    `shared_scale`) gives heatmaps shown together one colour scale.

    `frame`: one row per value x reason (as from `metrics.rejections.reason_matrix`)."""
    if frame.is_empty() or int(frame["n"].sum() or 0) == 0:
        return empty_figure(title, "No rejections with a date in this period.")
    values = list(dict.fromkeys(frame[dimension].to_list()))
    reasons = list(dict.fromkeys(frame["reason"].to_list()))
    totals = dict(zip(frame[dimension].to_list(), frame["total"].to_list(), strict=True))
    cells = {
        (v, r): (s, n) for v, r, s, n in frame.select(dimension, "reason", "share", "n").iter_rows()
    }
    few = {v: totals[v] < stats.MIN_N for v in values}
    text = [
        [f"{format.rate(cells[(v, r)][0])}<br>n={cells[(v, r)][1]:,}" for v in values]
        for r in reasons
    ]
    columns = [wrap_label(f"{v} (n={totals[v]:,})", 9) for v in values]
    top = zmax if zmax is not None else shared_scale([frame])
    fig = _figure(title)
    for pale in (False, True):
        z = [[None if few[v] != pale else cells[(v, r)][0] for v in values] for r in reasons]
        if all(cell is None for row in z for cell in row):
            continue
        fig.add_heatmap(
            x=columns,
            y=[plotly_text(r) for r in reasons],
            z=z,
            text=text,
            texttemplate="%{text}",
            colorscale=[list(stop) for stop in (PALE_SCALE if pale else HEATMAP_SCALE)],
            zmin=0,
            zmax=top,
            showscale=not pale,
            colorbar={"tickformat": ".0%", "title": "Share"},
            name="too few to tell" if pale else "share",
            hovertemplate="%{y} · %{x}: %{z:.1%}"
            + (" (too few to tell)" if pale else "")
            + "<extra></extra>",
        )
    fig.update_layout(
        yaxis={"autorange": "reversed", "gridcolor": "white"},
        xaxis={"tickangle": 0},
        height=max(360, 140 + 48 * len(reasons)),
    )
    return fig
