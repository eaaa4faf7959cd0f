"""Charts of the Channels page: win rate by channel (or another dimension) with its 95 % Wilson
interval and n, the values with too few closed deals to tell drawn pale. Pure builders: polars
frame in, Figure out."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from alignment.present import format
from alignment.present.charts import _figure, empty_figure
from alignment.present.text import plotly_text

RATE_COLOR = "#2563EB"
TOO_FEW_COLOR = "#A9B8CC"
TOO_FEW = "too few to tell"


def win_rates(table: pl.DataFrame, title: str) -> go.Figure:
    """Win rate per value as a point with its Wilson 95 % interval as error bars, one row per
    value, highest rate on top; each value's label carries its n (closed deals), and the values
    flagged too few to tell are a second, pale series.

    `table`: one row per value as from `metrics.channels.channel_table`; its first column is the
    dimension, and it has win_rate, win_rate_n, win_rate_low, win_rate_high and too_few. Values
    with no closed deal (no rate) are left out: there is nothing to draw."""
    by = table.columns[0] if table.width else ""
    rows = (
        table.filter(pl.col("win_rate").is_not_null() & pl.col("win_rate").is_finite())
        if "win_rate" in table.columns
        else table.clear()
    )
    if rows.is_empty():
        return empty_figure(title, "No closed deals in this period: no win rate to show.")
    # ascending, because plotly draws the first category at the bottom
    rows = rows.sort(["win_rate", by], descending=[False, True], nulls_last=True)
    labels = [
        plotly_text(f"{value} (n = {n:,})")
        for value, n in zip(rows[by].to_list(), rows["win_rate_n"].to_list(), strict=True)
    ]
    rows = rows.with_columns(pl.Series("label", labels))
    fig = _figure(title)
    for few, name, color in ((False, "Win rate", RATE_COLOR), (True, TOO_FEW, TOO_FEW_COLOR)):
        part = rows.filter(pl.col("too_few") == few)
        if part.is_empty():
            continue
        rates = part["win_rate"].to_list()
        lows = part["win_rate_low"].to_list()
        highs = part["win_rate_high"].to_list()
        fig.add_scatter(
            x=rates,
            y=part["label"].to_list(),
            mode="markers",
            name=name,
            marker={"color": color, "size": 12},
            error_x={
                "type": "data",
                "symmetric": False,
                # a missing bound draws no bar rather than a wrong one
                "array": [None if h is None else h - r for r, h in zip(rates, highs, strict=True)],
                "arrayminus": [
                    None if lo is None else r - lo for r, lo in zip(rates, lows, strict=True)
                ],
                "color": color,
                "thickness": 2,
            },
            hovertext=[
                plotly_text(
                    f"{value}: {format.rate(r)} won (n = {n:,} closed, 95 % interval "
                    f"{format.rate_interval(lo, h)})" + (f" · {TOO_FEW}" if few else "")
                )
                for value, r, n, lo, h in zip(
                    part[by].to_list(),
                    rates,
                    part["win_rate_n"].to_list(),
                    lows,
                    highs,
                    strict=True,
                )
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.update_layout(
        xaxis={"title": "Win rate (won / closed), 95 % interval", "tickformat": ".0%"},
        yaxis={"categoryorder": "array", "categoryarray": rows["label"].to_list()},
        height=max(320, 120 + 36 * rows.height),
    )
    fig.update_xaxes(range=[0, 1.02])
    return fig
