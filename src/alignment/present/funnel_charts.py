"""Chart builders of the Funnel page: polars frame in (the aggregated frames of
`metrics.funnel`), plotly Figure out. Pure (no database, no Streamlit), with the template and
colours of `charts`; every chart has a title and n on its bars.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from alignment.present import charts, format
from alignment.present.text import plotly_text

TOO_FEW_COLOR = "#CBD5E1"
"""Bars whose rate is too uncertain to rank are drawn pale."""
MATURING_COLOR = "#94A3B8"


def _figure(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=charts.TEMPLATE_NAME, title={"text": plotly_text(title)})
    return fig


def stage_funnel(frame: pl.DataFrame, title: str, *, flow: bool = False) -> go.Figure:
    """One horizontal bar per stage (first stage on top) with n, the step rate and the
    cumulative rate as text; in the flow view the rates are labelled flow ratios.

    `frame`: `metrics.funnel.stage_funnel` (stage, label, n, step_rate, cumulative_rate)."""
    if frame.is_empty() or int(frame["n"].sum() or 0) == 0:
        what = "stage entries" if flow else "leads in this cohort"
        return charts.empty_figure(title, f"No {what}: pick another period or import leads.")
    labels = [plotly_text(v) for v in frame["label"].to_list()]
    texts = []
    for row in frame.iter_rows(named=True):
        text = f"n = {row['n']:,}"
        if row["step_rate"] is not None:
            kind = "flow ratio" if flow else "of previous"
            text += f" · {format.rate(row['step_rate'])} {kind}"
            if not flow:
                text += f" · {format.rate(row['cumulative_rate'])} of first"
        texts.append(text)
    fig = _figure(title)
    fig.add_bar(
        y=labels,
        x=frame["n"].to_list(),
        orientation="h",
        marker_color="#F97316" if flow else "#2563EB",
        text=texts,
        textposition="outside",
        cliponaxis=False,
        showlegend=False,
        hovertemplate="%{y}: %{x:,}<extra></extra>",
    )
    top = max(int(frame["n"].max() or 0), 1)
    fig.update_layout(
        yaxis={"autorange": "reversed"},
        xaxis={"title": "Leads", "range": [0, top * 1.9]},
        height=120 + 60 * frame.height,
    )
    return fig


def rate_bars(frame: pl.DataFrame, dimension: str, title: str, *, flow: bool = False) -> go.Figure:
    """Horizontal bars of a step's rate per dimension value, with Wilson 95 % intervals as
    error bars (cohort view), n on every bar, and "too few to tell" values drawn pale.

    `frame`: one step of `metrics.funnel.conversion_by_dimension` (dimension column, n,
    converted, rate, rate_low, rate_high, too_few), in the order to draw (top first)."""
    rows = frame.filter(pl.col("rate").is_not_null())
    if rows.is_empty():
        return charts.empty_figure(title, "No leads at this step for this breakdown.")
    raw_labels = [str(v) for v in rows[dimension].to_list()]
    labels = [plotly_text(v) for v in raw_labels]
    colors = [
        TOO_FEW_COLOR
        if too_few
        else (charts.channel_color(v) if dimension == "channel" else charts.PALETTE[0])
        for v, too_few in zip(raw_labels, rows["too_few"].to_list(), strict=True)
    ]
    texts = [
        f"{format.rate(rate)}  n={n:,}" + ("  (too few to tell)" if too_few else "")
        for rate, n, too_few in zip(
            rows["rate"].to_list(), rows["n"].to_list(), rows["too_few"].to_list(), strict=True
        )
    ]
    error = None
    if not flow and rows["rate_low"].null_count() < rows.height:
        error = {
            "type": "data",
            "symmetric": False,
            "array": (rows["rate_high"] - rows["rate"]).fill_null(0).to_list(),
            "arrayminus": (rows["rate"] - rows["rate_low"]).fill_null(0).to_list(),
            "color": "#475569",
        }
    fig = _figure(title)
    fig.add_bar(
        y=labels,
        x=rows["rate"].to_list(),
        orientation="h",
        marker_color=colors,
        error_x=error,
        text=texts,
        textposition="outside",
        cliponaxis=False,
        showlegend=False,
    )
    fig.update_layout(
        yaxis={"autorange": "reversed"},
        xaxis={"tickformat": ".0%", "rangemode": "tozero", "title": "Flow ratio" if flow else ""},
        height=max(320, 80 + 40 * rows.height),
    )
    return fig


def step_trend(trend: pl.DataFrame, step: str, title: str) -> go.Figure:
    """A step's conversion per cohort: a line over final cohorts, still-maturing cohorts as
    hollow grey markers on a dotted line (not comparable yet), n in the marker text.

    `trend`: `metrics.funnel.step_trend` (cohort, label, step, n, rate, maturing)."""
    rows = trend.filter((pl.col("step") == step) & (pl.col("n") > 0))
    if rows.is_empty():
        return charts.empty_figure(title, "No cohorts with leads in this range.")
    fig = _figure(title)
    final = rows.filter(~pl.col("maturing"))
    maturing = rows.filter(pl.col("maturing"))
    if not final.is_empty():
        fig.add_scatter(
            x=final["cohort"].to_list(),
            y=final["rate"].to_list(),
            name=plotly_text(f"{step} (final cohorts)"),
            mode="lines+markers+text",
            text=[f"n={n:,}" for n in final["n"].to_list()],
            textposition="top center",
            line={"color": charts.PALETTE[0], "width": 3},
            hovertemplate="%{x|%b %Y}: %{y:.1%} (%{text})<extra></extra>",
        )
    if not maturing.is_empty():
        # connect the last final cohort to the maturing ones with a dotted line
        bridge = final.tail(1) if not final.is_empty() else final
        joined = pl.concat([bridge, maturing])
        fig.add_scatter(
            x=joined["cohort"].to_list(),
            y=joined["rate"].to_list(),
            name="still maturing (not final)",
            mode="lines+markers+text",
            text=["" if i < bridge.height else f"n={n:,}" for i, n in enumerate(joined["n"])],
            textposition="top center",
            line={"color": MATURING_COLOR, "width": 2, "dash": "dot"},
            marker={"symbol": "circle-open", "size": 11, "color": MATURING_COLOR},
            hovertemplate="%{x|%b %Y}: %{y:.1%} (maturing)<extra></extra>",
        )
    fig.update_layout(
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "title": plotly_text(step)}
    )
    return fig


def time_histogram(histogram: pl.DataFrame, title: str) -> go.Figure:
    """Bars of converted leads per time-to-convert bin, n on each bar.

    `histogram`: `metrics.funnel.time_to_convert_histogram` (bin, n, share)."""
    if histogram.is_empty() or int(histogram["n"].sum() or 0) == 0:
        return charts.empty_figure(title, "No lead has reached both stages in this period.")
    fig = _figure(title)
    fig.add_bar(
        x=[plotly_text(b) for b in histogram["bin"].to_list()],
        y=histogram["n"].to_list(),
        marker_color=charts.PALETTE[2],
        text=[f"{n:,}" for n in histogram["n"].to_list()],
        textposition="outside",
        cliponaxis=False,
        showlegend=False,
        hovertemplate="%{x}: %{y:,} leads<extra></extra>",
    )
    fig.update_layout(yaxis={"title": "Leads"}, xaxis={"title": "Days to convert"})
    return charts.whole_number_axis(fig)


def score_bands(bands: pl.DataFrame, title: str) -> go.Figure:
    """MQL -> SQL conversion per lead-score band as bars (pale when too few to tell), n on
    every bar, and the lead -> MQL share as a line.

    `bands`: `metrics.funnel.score_bands`."""
    if bands.is_empty():
        return charts.empty_figure(title, "No lead has a score in this period.")
    bands_axis = [plotly_text(b) for b in bands["band"].to_list()]
    fig = _figure(title)
    fig.add_bar(
        x=bands_axis,
        y=bands["mql_to_sql"].to_list(),
        name="MQL → SQL",
        marker_color=[
            TOO_FEW_COLOR if too_few else charts.PALETTE[0] for too_few in bands["too_few"]
        ],
        text=[f"n={n:,}" for n in bands["mqls"].to_list()],
        textposition="outside",
        cliponaxis=False,
    )
    fig.add_scatter(
        x=bands_axis,
        y=bands["lead_to_mql"].to_list(),
        name="Lead → MQL",
        mode="lines+markers",
        line={"color": charts.PALETTE[1], "width": 3},
    )
    fig.update_layout(
        yaxis={"tickformat": ".0%", "rangemode": "tozero"}, xaxis={"title": "Lead score"}
    )
    return fig
