"""Charts of the Channels page: win rate by channel (or another dimension) with its 95 % Wilson
interval and n, the values with too few closed deals to tell drawn pale; pipeline created and
won revenue by channel over time; the marketing-sourced share of pipeline over time; spend
against won revenue by channel. Pure builders: polars frame in, Figure out."""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from alignment.present import format
from alignment.present.charts import (
    PALETTE,
    TEMPLATE_NAME,
    _figure,
    _rate_axis,
    channel_color,
    empty_figure,
    month_axis,
)
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


OTHER = "Other"
OTHER_COLOR = "#CBD5E1"
MAX_SERIES = 8
"""How many values a stacked chart draws on their own; the rest add up to `OTHER`."""
SPEND_COLOR = "#F97316"
REVENUE_COLOR = "#10B981"


def bucket_labels(buckets: list[date], bucket: str) -> list[Any]:
    """The x values of a series: the months as dates (a date axis, `month_axis`), the
    quarters as `Q1 2026` (categories, which plotly cannot write from a date)."""
    if bucket == "quarter":
        return [f"Q{(b.month - 1) // 3 + 1} {b.year}" for b in buckets]
    return list(buckets)


def _x_axis(buckets: list[date], bucket: str) -> dict[str, Any]:
    return month_axis(len(set(buckets))) if bucket == "month" else {"type": "category"}


def top_values(series: pl.DataFrame, by: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """`series` (one row per bucket and value) with every value outside the `MAX_SERIES - 1`
    largest by the sum of `columns` over all buckets renamed `OTHER` and added up, so a stacked
    chart has at most `MAX_SERIES` colours. Largest first, `OTHER` last; same buckets."""
    totals = (
        series.group_by(by)
        .agg(pl.sum_horizontal(pl.col(c).fill_null(0).sum() for c in columns).alias("total"))
        .sort(["total", by], descending=[True, False])
    )
    values = totals[by].to_list()
    kept = values if len(values) <= MAX_SERIES else values[: MAX_SERIES - 1]
    order = {v: i for i, v in enumerate(kept)}
    named = series.with_columns(
        pl.when(pl.col(by).is_in(kept)).then(pl.col(by)).otherwise(pl.lit(OTHER)).alias(by)
    )
    return (
        named.group_by("bucket", by)
        .agg(pl.col(c).fill_null(0).sum() for c in columns)
        .with_columns(
            pl.col(by).replace_strict(order, default=len(kept), return_dtype=pl.Int64).alias("_o")
        )
        .sort("_o", "bucket")
        .drop("_o")
    )


def _value_color(value: str, by: str, index: int) -> str:
    if value == OTHER:
        return OTHER_COLOR
    return channel_color(value) if by == "channel" else PALETTE[index % len(PALETTE)]


def pipeline_and_revenue(series: pl.DataFrame, by: str, bucket: str, title: str) -> go.Figure:
    """Two stacked bar charts over the same months (quarters): pipeline created (top) and won
    revenue (bottom), one colour per value of `by` (at most `MAX_SERIES`, see `top_values`),
    each value's colour the same in both; the hover gives the value, bucket and amount.

    `series`: one row per bucket and value, as from `metrics.channels.channel_series`."""
    columns = ("pipeline_created", "won_revenue")
    if series.is_empty() or all(float(series[c].fill_null(0).sum()) == 0 for c in columns):
        return empty_figure(title, "No pipeline or won revenue in these months.")
    rows = top_values(series, by, columns)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Pipeline created", "Won revenue"),
    )
    fig.update_layout(template=TEMPLATE_NAME, title={"text": plotly_text(title)})
    values = list(dict.fromkeys(rows[by].to_list()))
    for index, value in enumerate(values):
        part = rows.filter(pl.col(by) == value)
        buckets = part["bucket"].to_list()
        color = _value_color(value, by, index)
        for row, column in enumerate(columns, start=1):
            fig.add_bar(
                x=bucket_labels(buckets, bucket),
                y=part[column].to_list(),
                name=plotly_text(value),
                legendgroup=plotly_text(value),
                showlegend=row == 1,
                marker_color=color,
                hovertext=[plotly_text(value)] * part.height,
                hovertemplate="%{hovertext} · %{x}: $%{y:,.0f}<extra></extra>",
                row=row,
                col=1,
            )
    buckets = sorted(set(rows["bucket"].to_list()))
    fig.update_layout(barmode="stack", height=640, legend={"y": -0.12})
    fig.update_xaxes(**_x_axis(buckets, bucket))
    fig.update_yaxes(tickprefix="$", tickformat="~s", gridcolor="#E2E8F0")
    return fig


def marketing_share(share: pl.DataFrame, bucket: str, title: str) -> go.Figure:
    """Marketing-sourced pipeline as a share of all pipeline created, per month (quarter), as
    a line (buckets without pipeline are gaps), over bars of all pipeline created.

    `share`: one row per bucket, as from `metrics.channels.marketing_share_series`."""
    if share.is_empty() or float(share["pipeline_created"].fill_null(0).sum()) == 0:
        return empty_figure(title, "No pipeline created in these months.")
    buckets = share["bucket"].to_list()
    x = bucket_labels(buckets, bucket)
    fig = _figure(title)
    fig.add_bar(
        x=x,
        y=share["pipeline_created"].to_list(),
        name="All pipeline created",
        marker_color="#E2E8F0",
        hovertemplate="%{x}: $%{y:,.0f} created<extra></extra>",
    )
    fig.add_bar(
        x=x,
        y=share["marketing_pipeline"].to_list(),
        name="Marketing-sourced",
        marker_color="#93C5FD",
        hovertemplate="%{x}: $%{y:,.0f} marketing-sourced<extra></extra>",
    )
    fig.add_scatter(
        x=x,
        y=share["marketing_share"].to_list(),
        name="Marketing-sourced share",
        yaxis="y2",
        mode="lines+markers",
        line={"color": "#2563EB", "width": 3},
        hovertemplate="%{x}: %{y:.1%} of pipeline<extra></extra>",
    )
    fig.update_layout(
        barmode="overlay",
        xaxis=_x_axis(buckets, bucket),
        yaxis={"title": "Pipeline created", "tickprefix": "$", "tickformat": "~s"},
        yaxis2={**_rate_axis("Marketing-sourced share"), "range": [0, 1.05], "dtick": 0.25},
    )
    return fig


def spend_vs_revenue(table: pl.DataFrame, title: str) -> go.Figure:
    """Spend and won revenue side by side per channel with spend, most spend on top; each
    channel's label carries its ROI ((won revenue - spend) / spend).

    `table`: one row per channel as from `metrics.channels.channel_table` (by channel), with
    spend, won_revenue and roi."""
    by = table.columns[0] if table.width else ""
    rows = (
        table.filter(pl.col("spend").is_not_null() & (pl.col("spend") > 0))
        if "spend" in table.columns
        else table.clear()
    )
    if rows.is_empty():
        return empty_figure(title, "No spend in this period: import it with the spend template.")
    rows = rows.sort(["spend", by], descending=[False, True])
    labels = [
        plotly_text(f"{value} (ROI {format.rate(roi)})")
        for value, roi in zip(rows[by].to_list(), rows["roi"].to_list(), strict=True)
    ]
    fig = _figure(title)
    for column, name, color in (
        ("won_revenue", "Won revenue", REVENUE_COLOR),
        ("spend", "Spend", SPEND_COLOR),
    ):
        fig.add_bar(
            x=rows[column].fill_null(0).to_list(),
            y=labels,
            orientation="h",
            name=name,
            marker_color=color,
            hovertemplate=f"%{{y}}: $%{{x:,.0f}} {name.lower()}<extra></extra>",
        )
    fig.update_layout(
        barmode="group",
        xaxis={"title": "Amount", "tickprefix": "$", "tickformat": "~s"},
        yaxis={"categoryorder": "array", "categoryarray": labels},
        height=max(320, 140 + 56 * rows.height),
    )
    return fig
