"""Chart builders: polars frame in, plotly Figure out, one theme for every chart.

Builders are pure (no database, no Streamlit) so tests inspect the returned figure. The theme is
sized to be readable on a projector; each channel keeps the same colour on every page. Every
text a builder puts in a figure (titles, labels, names) goes through `text.plotly_text`, so a
value from a file shows as itself, never as plotly's HTML.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from alignment import stats
from alignment.present.text import plotly_text

PALETTE: tuple[str, ...] = (
    "#2563EB",  # blue
    "#F97316",  # orange
    "#10B981",  # green
    "#A855F7",  # purple
    "#EF4444",  # red
    "#0EA5E9",  # sky
    "#EAB308",  # yellow
    "#64748B",  # slate
    "#EC4899",  # pink
    "#14B8A6",  # teal
)

KNOWN_CHANNEL_COLORS: dict[str, str] = {
    "Paid Search": "#2563EB",
    "Organic Search": "#10B981",
    "Paid Social": "#F97316",
    "Email": "#A855F7",
    "Events": "#EF4444",
    "Webinars": "#0EA5E9",
    "Referral": "#EAB308",
    "Outbound": "#64748B",
    "(not set)": "#CBD5E1",
}

FONT_FAMILY = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
TEMPLATE_NAME = "alignment"


def _build_template() -> go.layout.Template:
    template = go.layout.Template()
    template.layout = go.Layout(
        font={"family": FONT_FAMILY, "size": 16, "color": "#0F172A"},
        title={"font": {"size": 20}, "x": 0, "xanchor": "left"},
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 60, "r": 30, "t": 70, "b": 50},
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 14}},
        xaxis={"showgrid": False, "linecolor": "#CBD5E1", "ticks": "outside"},
        yaxis={"gridcolor": "#E2E8F0", "zeroline": False},
        hoverlabel={"font": {"size": 14}},
    )
    return template


pio.templates[TEMPLATE_NAME] = _build_template()


def channel_color(channel: str) -> str:
    """The colour of a channel: fixed for known channels, stable by name for any other."""
    if channel in KNOWN_CHANNEL_COLORS:
        return KNOWN_CHANNEL_COLORS[channel]
    digest = int(hashlib.sha256(channel.encode("utf-8")).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


def _figure(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE_NAME, title={"text": plotly_text(title)})
    return fig


def empty_figure(title: str, message: str) -> go.Figure:
    """A figure that says why there is nothing to draw (never a blank chart)."""
    fig = _figure(title)
    fig.add_annotation(
        text=plotly_text(message),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font={"size": 16, "color": "#64748B"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _monthly_rate_line(
    fig: go.Figure,
    months: list[Any],
    rates: list[Any],
    name: str,
    color: str,
    reliable: list[bool] | None = None,
    *,
    quarters: bool = False,
) -> None:
    """A monthly rate as a line on the right-hand axis (`_rate_axis`) over the month axis (or
    over quarters, `Q1 2026` categories); the months whose rate rests on too few records
    (`reliable` False) are drawn hollow."""
    solid = reliable if reliable is not None else [True] * len(rates)
    fig.add_scatter(
        x=months,
        y=rates,
        name=name,
        yaxis="y2",
        mode="lines+markers",
        line={"color": color, "width": 3},
        marker={
            "size": 9,
            "symbol": ["circle" if ok else "circle-open" for ok in solid],
            "color": color,
        },
        customdata=["" if ok else " (too few to tell)" for ok in solid],
        hovertemplate=("%{x}" if quarters else "%{x|%b %Y}")
        + ": %{y:.1%}%{customdata}<extra></extra>",
    )
    fig.update_layout(xaxis={"type": "category"} if quarters else month_axis(len(set(months))))


def _trend_x(trend: pl.DataFrame, bucket: str) -> list[Any]:
    """The x values of a trend: its months as dates, or its quarters as their labels."""
    return trend["label"].to_list() if bucket == "quarter" else trend["month"].to_list()


NICE_STEPS: tuple[float, ...] = (1.0, 2.0, 2.5, 5.0, 10.0)
AXIS_INTERVALS = 4
"""Gridline intervals of a chart with two y axes: both axes get this many, so they align."""


def nice_step(largest: float, intervals: int = AXIS_INTERVALS, *, whole: bool = False) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten; with `whole`, an integer
    from 1, 2, 5 times a power of ten) such that `intervals` steps reach `largest`."""
    if not math.isfinite(largest) or largest <= 0:
        return 1.0 if whole else 0.25
    raw = largest / intervals
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in NICE_STEPS:
        step = factor * magnitude
        if whole and (step < 1 or step != int(step)):
            continue
        if step >= raw * (1 - 1e-9):
            return step
    return 10.0 * magnitude if not whole else max(1.0, 10.0 * magnitude)


def aligned_axes(
    left_max: float, right_max: float, *, left_whole: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ranges and ticks of a left (counts or amounts) and right (a rate, 0-1) axis with the same
    number of round intervals from zero, so their gridlines and ticks line up: the left's
    step whole when it counts things, the right's at most 100 %."""
    left_step = nice_step(left_max, whole=left_whole)
    right_step = min(nice_step(right_max), 0.25)
    return (
        {"range": [0, left_step * AXIS_INTERVALS], "dtick": left_step, "tick0": 0},
        {"range": [0, right_step * AXIS_INTERVALS], "dtick": right_step, "tick0": 0},
    )


def whole_number_axis(fig: go.Figure, axis: str = "y") -> go.Figure:
    """Make a count axis of `fig` (`y` or `x`) tick at whole numbers: when its largest value is
    under 10, plotly's own ticks would step by 0.5 (half a lead); a round whole step (1, 2, 5)
    is set instead. Larger ranges already tick at whole numbers. Returns `fig`."""
    values = [
        float(v)
        for trace in fig.data
        for v in (getattr(trace, axis, None) or ())
        if isinstance(v, int | float) and math.isfinite(float(v))
    ]
    largest = max(values, default=0.0)
    if largest < 10:
        step = nice_step(max(largest, 1.0), whole=True)
        fig.update_layout({f"{axis}axis": {"dtick": step, "tick0": 0, "rangemode": "tozero"}})
    return fig


def _largest(values: list[Any]) -> float:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return max(finite, default=0.0)


def _reliable_max(rates: list[Any], reliable: list[bool]) -> float:
    """The largest rate the axis must show: of the reliable months only, when there are any."""
    kept = [r for r, ok in zip(rates, reliable, strict=True) if ok]
    return _largest(kept if any(r is not None for r in kept) else rates)


MONTH_TICK_STEPS: tuple[int, ...] = (1, 2, 3, 6, 12, 24, 60)
"""Months between labelled ticks on a monthly axis, the smallest that labels at most 12."""


def month_axis(months: int) -> dict[str, Any]:
    """A monthly x axis labelled `Mar 2026`, every 1, 2, 3, 6 or 12 months (or more) so that
    at most 12 labels show however long the range (all time can span years)."""
    step = next((s for s in MONTH_TICK_STEPS if months <= 12 * s), MONTH_TICK_STEPS[-1])
    return {"tickformat": "%b %Y", "dtick": f"M{step}"}


def _rate_axis(title: str) -> dict[str, Any]:
    """The right-hand axis of a rate drawn over counts or amounts: percent, from zero."""
    return {
        "title": title,
        "overlaying": "y",
        "side": "right",
        "tickformat": ".0%",
        "rangemode": "tozero",
        "showgrid": False,
    }


def mql_trend(trend: pl.DataFrame, title: str, bucket: str = "month") -> go.Figure:
    """MQLs and SQLs per cohort month as bars, MQL->SQL conversion as a line on a second axis.
    The axes share round gridlines (`aligned_axes`, whole numbers of leads); a month with
    fewer than `stats.MIN_N` MQLs has its rate drawn hollow and left out of the axis range.

    `trend`: one row per month (quarter, `bucket="quarter"`) with columns month, label, mqls,
    sqls, mql_to_sql (as from `metrics.overview.monthly_trend`)."""
    if trend.is_empty() or int(trend["mqls"].sum() or 0) == 0:
        return empty_figure(title, "No MQLs in this range: import leads with an MQL date.")
    months = _trend_x(trend, bucket)
    rates = trend["mql_to_sql"].to_list()
    reliable = [int(n or 0) >= stats.MIN_N for n in trend["mqls"].to_list()]
    fig = _figure(title)
    fig.add_bar(x=months, y=trend["mqls"].to_list(), name="MQLs", marker_color="#93C5FD")
    fig.add_bar(
        x=months, y=trend["sqls"].to_list(), name="SQLs (from those MQLs)", marker_color="#2563EB"
    )
    _monthly_rate_line(
        fig, months, rates, "MQL→SQL conversion", "#F97316", reliable, quarters=bucket == "quarter"
    )
    left, right = aligned_axes(
        _largest(trend["mqls"].to_list()), _reliable_max(rates, reliable), left_whole=True
    )
    fig.update_layout(
        barmode="overlay",
        yaxis={"title": "Leads", **left},
        yaxis2={**_rate_axis("Conversion"), **right},
    )
    return fig


def revenue_trend(trend: pl.DataFrame, title: str, bucket: str = "month") -> go.Figure:
    """Pipeline created and won revenue per month as bars, win rate as a line.

    The axes share round gridlines; a month with fewer than `stats.MIN_N` closed deals has its
    win rate drawn hollow and left out of the axis range.

    `trend`: one row per month (quarter, `bucket="quarter"`) with month, label,
    pipeline_created, won_revenue, opps_won, opps_lost and win_rate."""
    if trend.is_empty() or (
        float(trend["pipeline_created"].fill_null(0).sum()) == 0
        and float(trend["won_revenue"].fill_null(0).sum()) == 0
    ):
        return empty_figure(title, "No opportunities in this range: import opportunities.")
    months = _trend_x(trend, bucket)
    fig = _figure(title)
    fig.add_bar(
        x=months,
        y=trend["pipeline_created"].fill_null(0).to_list(),
        name="Pipeline created",
        marker_color="#A7F3D0",
    )
    fig.add_bar(
        x=months,
        y=trend["won_revenue"].fill_null(0).to_list(),
        name="Won revenue",
        marker_color="#10B981",
    )
    rates = trend["win_rate"].to_list()
    closed = [
        int(w or 0) + int(lo or 0)
        for w, lo in zip(trend["opps_won"].to_list(), trend["opps_lost"].to_list(), strict=True)
    ]
    reliable = [n >= stats.MIN_N for n in closed]
    _monthly_rate_line(
        fig, months, rates, "Win rate", "#A855F7", reliable, quarters=bucket == "quarter"
    )
    amounts = trend["pipeline_created"].to_list() + trend["won_revenue"].to_list()
    left, right = aligned_axes(_largest(amounts), _reliable_max(rates, reliable))
    fig.update_layout(
        barmode="group",
        yaxis={"title": "Amount", "tickprefix": "$", "tickformat": "~s", **left},
        yaxis2={**_rate_axis("Win rate"), **right},
    )
    return fig
