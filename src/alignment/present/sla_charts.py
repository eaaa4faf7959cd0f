"""Charts of the SLA page: the response-time distribution with its targets, the within-SLA
share by week against the target, and MQL volume / MQL -> SQL / documentation by month against
their targets (with the current month's pace). Pure builders: polars frame in, Figure out."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from alignment.present import format
from alignment.present.charts import _figure, empty_figure, month_axis, whole_number_axis
from alignment.present.text import plotly_text

TIER_COLORS: dict[str, str] = {"high-intent": "#F97316", "standard": "#2563EB"}
TIER_NAMES: dict[str, str] = {"high-intent": "High-intent leads", "standard": "Other leads"}
TARGET_COLOR = "#DC2626"
PACE_COLOR = "#64748B"


def response_histogram(
    bins: pl.DataFrame,
    edges: Sequence[float],
    targets: dict[str, float],
    title: str,
) -> go.Figure:
    """Touched leads per response-time bin (business hours), one bar series per tier, with a
    dashed line at each tier's target (which falls on a bin edge).

    `bins`: one row per tier and bin (tier, bin, label, leads), as from
    `metrics.sla.response_histogram`; `targets`: hours by tier."""
    if bins.is_empty() or int(bins["leads"].sum() or 0) == 0:
        return empty_figure(title, "No touched MQLs in this period.")
    fig = _figure(title)
    labels = bins.filter(pl.col("tier") == "standard").sort("bin")["label"].to_list()
    for tier in ("standard", "high-intent"):
        rows = bins.filter(pl.col("tier") == tier).sort("bin")
        if int(rows["leads"].sum() or 0) == 0:
            continue
        fig.add_bar(
            x=rows["label"].to_list(),
            y=rows["leads"].to_list(),
            name=TIER_NAMES[tier],
            marker_color=TIER_COLORS[tier],
            hovertemplate="%{x}: %{y:,} leads<extra>" + TIER_NAMES[tier] + "</extra>",
        )
    for tier, hours in targets.items():
        if hours not in edges:
            continue
        # bar i spans edges[i]..edges[i+1]: an edge sits between bars i-1 and i
        position = list(edges).index(hours) - 0.5
        fig.add_vline(
            x=position,
            line={"color": TIER_COLORS[tier], "dash": "dash", "width": 2},
            annotation_text=plotly_text(f"{TIER_NAMES[tier]}: {format.hours(hours)}"),
            annotation_position="top right" if tier == "standard" else "top left",
        )
    fig.update_layout(
        barmode="group",
        xaxis={
            "title": "Business hours to the first touch",
            "categoryorder": "array",
            "categoryarray": labels,
        },
        yaxis={"title": "Leads"},
    )
    return whole_number_axis(fig)


def within_by_week(weeks: pl.DataFrame, target: float, title: str) -> go.Figure:
    """The within-SLA share per week of the clock start as a line with its n in the hover, and
    the target as a dashed line. `weeks`: one row per week (week, within_share, within_n)."""
    rows = weeks.filter(pl.col("within_n") > 0) if "within_n" in weeks.columns else weeks
    if rows.is_empty():
        return empty_figure(title, "No decided responses in this period yet.")
    fig = _figure(title)
    fig.add_scatter(
        x=rows["week"].to_list(),
        y=rows["within_share"].to_list(),
        customdata=rows["within_n"].to_list(),
        mode="lines+markers",
        name="Within SLA",
        line={"color": "#2563EB", "width": 3},
        hovertemplate="Week of %{x|%d %b %Y}: %{y:.0%} of %{customdata:,}<extra></extra>",
    )
    fig.add_hline(
        y=target,
        line={"color": TARGET_COLOR, "dash": "dash", "width": 2},
        annotation_text=plotly_text(f"Target {format.rate(target)}"),
        annotation_position="bottom right",
    )
    fig.update_layout(
        yaxis={"title": "Within SLA", "tickformat": ".0%", "range": [0, 1.05]},
        xaxis={"title": "Week of the clock start", "tickformat": "%d %b"},
        showlegend=False,
    )
    return fig


def volume_vs_target(months: pl.DataFrame, title: str) -> go.Figure:
    """MQLs per month as bars against each month's target (a dashed step line) and, for the
    current month, the target expected by today (a marker).

    `months`: one row per month (bucket, mqls, mql_target, expected_to_date), as from
    `metrics.sla.monthly`."""
    if months.is_empty():
        return empty_figure(title, "No months to show.")
    x = months["bucket"].to_list()
    fig = _figure(title)
    fig.add_bar(
        x=x,
        y=months["mqls"].to_list(),
        name="MQLs",
        marker_color="#93C5FD",
        hovertemplate="%{x|%b %Y}: %{y:,} MQLs<extra></extra>",
    )
    fig.add_scatter(
        x=x,
        y=months["mql_target"].to_list(),
        name="Target",
        mode="lines",
        line={"color": TARGET_COLOR, "dash": "dash", "width": 2, "shape": "hvh"},
        hovertemplate="%{x|%b %Y}: target %{y:,.0f}<extra></extra>",
    )
    paced = months.filter(pl.col("expected_to_date").is_not_null())
    if not paced.is_empty():
        fig.add_scatter(
            x=paced["bucket"].to_list(),
            y=paced["expected_to_date"].to_list(),
            name="Expected by today",
            mode="markers",
            marker={
                "color": PACE_COLOR,
                "size": 14,
                "symbol": "line-ew-open",
                "line": {"width": 4},
            },
            hovertemplate="%{x|%b %Y}: %{y:,.0f} expected by today<extra></extra>",
        )
    fig.update_layout(xaxis=month_axis(len(x)), yaxis={"title": "MQLs"})
    return whole_number_axis(fig)


def rate_vs_target(
    months: pl.DataFrame, rate: str, target: str, label: str, title: str
) -> go.Figure:
    """A monthly rate (column `rate`, its n in `<rate>_n`) as a line against its target
    (column `target`, dashed)."""
    rows = months.filter(pl.col(f"{rate}_n") > 0)
    if rows.is_empty():
        return empty_figure(title, f"No {label.lower()} to show in these months.")
    fig = _figure(title)
    fig.add_scatter(
        x=rows["bucket"].to_list(),
        y=rows[rate].to_list(),
        customdata=rows[f"{rate}_n"].to_list(),
        name=label,
        mode="lines+markers",
        line={"color": "#2563EB", "width": 3},
        hovertemplate="%{x|%b %Y}: %{y:.1%} of %{customdata:,}<extra></extra>",
    )
    fig.add_scatter(
        x=months["bucket"].to_list(),
        y=months[target].to_list(),
        name="Target",
        mode="lines",
        line={"color": TARGET_COLOR, "dash": "dash", "width": 2, "shape": "hvh"},
        hovertemplate="%{x|%b %Y}: target %{y:.0%}<extra></extra>",
    )
    fig.update_layout(
        xaxis=month_axis(months.height),
        yaxis={"title": label, "tickformat": ".0%", "rangemode": "tozero"},
    )
    return fig
