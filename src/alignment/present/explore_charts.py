"""The explorer's chart, chosen by the shape of the breakdown: a bar per value for one
dimension (none: one bar; many values run across, the `MAX_BARS` first), a heatmap for two, a
line over time when one dimension is month or quarter (one line per value of the other). Pure
builders: a frame from `metrics.explore.explore` in, a plotly Figure out."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl

from alignment import stats
from alignment.metrics import explore
from alignment.present import format
from alignment.present.charts import PALETTE, _figure, empty_figure
from alignment.present.text import plotly_text

Shape = Literal["bar", "heatmap", "line"]

TIME_DIMENSIONS = ("month", "quarter")
MAX_LINES = 10
"""At most this many values of the other dimension get a line (the largest by total)."""
MAX_BARS = 20
"""At most this many values get a bar (the first ones of the table, largest first); the table
lists them all."""
HORIZONTAL_FROM = 9
"""From this many bars on they are drawn across, so long labels stay readable."""
PALE_BAR = "#CBD5E1"
HEATMAP_SCALE = [[0.0, "#F8FAFC"], [1.0, "#60A5FA"]]
"""White to a mid blue: the cell's dark text stays readable on the strongest colour."""
PALE_SCALE = [[0.0, "#F8FAFC"], [1.0, "#CBD5E1"]]
"""A ratio's cells with too few records to tell: grey, never the strong colour."""


def shape(dims: tuple[str, ...]) -> Shape:
    """The chart a breakdown gets: line when a dimension is time, heatmap for two attribute
    dimensions, bar otherwise."""
    if any(d in TIME_DIMENSIONS for d in dims):
        return "line"
    return "heatmap" if len(dims) == 2 else "bar"


def bucket_label(value: Any, dim: str) -> str:
    """How a dimension value is written: a month `Mar 2026`, a quarter `Q1 2026`, text as
    itself."""
    if isinstance(value, date):
        if dim == "quarter":
            return f"Q{(value.month - 1) // 3 + 1} {value.year}"
        return value.strftime("%b %Y")
    return str(value)


def _axis_label(value: Any, dim: str) -> str:
    return plotly_text(bucket_label(value, dim))


def figure(frame: pl.DataFrame, metric: str, dims: tuple[str, ...], title: str) -> go.Figure:
    """The chart of `frame` (one row per combination of `dims` values, as from `explore`):
    see `shape`. Rates are drawn as percentages; a ratio's bars carry its Wilson 95 % interval.
    An empty frame (or one without a value) says so instead of drawing nothing."""
    kpi = explore.kpi(metric)
    if frame.is_empty() or frame[metric].drop_nulls().is_empty():
        return empty_figure(title, "Nothing to show for this period and these filters.")
    kind = shape(dims)
    if kind == "bar":
        # a value with nothing to rate (n = 0) has no bar; the table still lists it
        frame = frame.filter(pl.col(metric).is_not_null())
        if frame.height > MAX_BARS:
            title = f"{title} (the {MAX_BARS} largest of {frame.height:,}; the table lists all)"
            frame = frame.head(MAX_BARS)
    fig = _figure(title)
    tick = ".0%" if kpi.unit == "rate" else None
    if kind == "bar":
        _bars(fig, frame, metric, dims, kpi.unit)
        return fig
    if kind == "heatmap":
        _heatmap(fig, frame, metric, dims, kpi.unit)
        return fig
    _lines(fig, frame, metric, dims)
    fig.update_layout(yaxis={"title": plotly_text(kpi.label), "tickformat": tick})
    return fig


def _bars(
    fig: go.Figure, frame: pl.DataFrame, metric: str, dims: tuple[str, ...], unit: Any
) -> None:
    """One bar per row, in the frame's order; a ratio's bars carry the 95 % interval, and those
    resting on fewer than `stats.MIN_N` records are pale. From `HORIZONTAL_FROM` bars on they
    run across (labels on the left, the first row on top)."""
    dim = dims[0] if dims else None
    labels = (
        [_axis_label(v, dim) for v in frame[dim].to_list()] if dim else [explore.kpi(metric).label]
    )
    values = frame[metric].to_list()
    across = len(values) >= HORIZONTAL_FROM
    error: dict[str, Any] | None = None
    colours: list[str] | str = PALETTE[0]
    if f"{metric}_low" in frame.columns:
        lows, highs = frame[f"{metric}_low"].to_list(), frame[f"{metric}_high"].to_list()
        error = {
            "type": "data",
            "symmetric": False,
            "array": [
                None if h is None or v is None else h - v
                for v, h in zip(values, highs, strict=True)
            ],
            "arrayminus": [
                None if lo is None or v is None else v - lo
                for v, lo in zip(values, lows, strict=True)
            ],
            "color": "#64748B",
        }
        colours = [
            PALE_BAR if (n or 0) < stats.MIN_N else PALETTE[0]
            for n in frame[f"{metric}_n"].to_list()
        ]
    text = [format.value(unit, v) for v in values]
    value_axis = {"title": plotly_text(explore.kpi(metric).label)}
    if unit == "rate":
        value_axis["tickformat"] = ".0%"
    if across:
        fig.add_bar(
            y=labels,
            x=values,
            orientation="h",
            error_x=error,
            marker={"color": colours},
            text=text,
            textposition="outside",
            cliponaxis=False,
            name=plotly_text(explore.kpi(metric).label),
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
        fig.update_layout(
            # the chart's title names the dimension; an axis title would only crowd the labels
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis=value_axis,
            height=max(360, 120 + 30 * len(values)),
        )
        return
    fig.add_bar(
        x=labels,
        y=values,
        error_y=error,
        marker={"color": colours},
        text=text,
        textposition="outside",
        name=plotly_text(explore.kpi(metric).label),
        hovertemplate="%{x}: %{text}<extra></extra>",
    )
    fig.update_layout(yaxis=value_axis)


def _heatmap(
    fig: go.Figure, frame: pl.DataFrame, metric: str, dims: tuple[str, ...], unit: Any
) -> None:
    """Rows x columns of the metric; for a ratio, a cell resting on fewer than `stats.MIN_N`
    records is drawn in a pale scale of its own (its rate could move a lot), with its n, so a
    rate of 9 records never gets the strongest colour."""
    rows_dim, columns_dim = dims
    rows = list(dict.fromkeys(frame[rows_dim].to_list()))
    columns = sorted(set(frame[columns_dim].to_list()), key=str)
    n_column = f"{metric}_n"
    counts = n_column in frame.columns
    picked = [rows_dim, columns_dim, metric, *([n_column] if counts else [])]
    cells = {(row[0], row[1]): row[2:] for row in frame.select(picked).iter_rows()}

    def value(r: Any, c: Any) -> Any:
        return cells.get((r, c), (None,))[0]

    def few(r: Any, c: Any) -> bool:
        found = cells.get((r, c))
        return counts and found is not None and (found[1] or 0) < stats.MIN_N

    text = [
        [
            format.value(unit, value(r, c))
            + (f"<br>n={cells[(r, c)][1]:,}" if counts and (r, c) in cells else "")
            for c in columns
        ]
        for r in rows
    ]
    values = [v for (r, c) in cells if (v := value(r, c)) is not None and not few(r, c)]
    top = max(values, default=None)
    for pale in (False, True):
        z = [[value(r, c) if few(r, c) == pale else None for c in columns] for r in rows]
        if pale and all(cell is None for row in z for cell in row):
            continue
        fig.add_heatmap(
            x=[_axis_label(c, columns_dim) for c in columns],
            y=[_axis_label(r, rows_dim) for r in rows],
            z=z,
            text=text,
            texttemplate="%{text}",
            colorscale=PALE_SCALE if pale else HEATMAP_SCALE,
            zmin=0 if unit == "rate" else None,
            zmax=top,
            showscale=not pale,
            colorbar={"tickformat": ".0%"} if unit == "rate" else {},
            hovertemplate="%{y} · %{x}: %{text}"
            + (" (too few to tell)" if pale else "")
            + "<extra></extra>",
        )
    fig.update_layout(
        yaxis={"autorange": "reversed", "gridcolor": "white"},
        height=max(360, 140 + 40 * len(rows)),
    )


def _lines(fig: go.Figure, frame: pl.DataFrame, metric: str, dims: tuple[str, ...]) -> None:
    time = next(d for d in dims if d in TIME_DIMENSIONS)
    other = next((d for d in dims if d != time), None)
    if other is None:
        groups: list[tuple[str, pl.DataFrame]] = [(explore.kpi(metric).label, frame)]
    else:
        totals = (
            frame.group_by(other)
            .agg(pl.col(metric).sum())
            .sort([metric, other], descending=[True, False], nulls_last=True)
        )
        shown = totals[other].head(MAX_LINES).to_list()
        groups = [(str(v), frame.filter(pl.col(other) == v)) for v in shown]
    for i, (name, rows) in enumerate(groups):
        fig.add_scatter(
            x=[_axis_label(v, time) for v in rows[time].to_list()],
            y=rows[metric].to_list(),
            name=plotly_text(name),
            mode="lines+markers",
            line={"color": PALETTE[i % len(PALETTE)], "width": 3},
        )
