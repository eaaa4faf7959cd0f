"""Charts of a change decomposition ("What changed, and why" on the Overview): a waterfall from
the comparison period's value, through the largest effects, to the selected period's value.
Pure builder: a `metrics.change.decompose` frame in, Figure out."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from alignment.metrics import registry
from alignment.present import format
from alignment.present.charts import _figure, empty_figure
from alignment.present.text import plotly_text

MAX_EFFECTS = 8
"""At most this many effects get a bar of their own (the largest, by absolute amount); the rest
are summed into one "Other" bar, so the chart stays readable on a projector."""

UP_COLOR = "#10B981"
DOWN_COLOR = "#EF4444"
TOTAL_COLOR = "#2563EB"

EFFECT_NAMES: dict[str, str] = {"volume": "", "rate": "rate", "mix": "mix"}
"""How an effect is named after its group on the chart (a count's volume effect is the group's
own change, so it is named by the group alone)."""


def _bar_label(group: str, effect: str) -> str:
    name = EFFECT_NAMES.get(effect, effect)
    return f"{group} · {name}" if name else group


def waterfall(
    frame: pl.DataFrame,
    title: str,
    *,
    labels: tuple[str, str] = ("Before", "After"),
) -> go.Figure:
    """A horizontal waterfall of one dimension's decomposition, read top down: the comparison
    period's total (`labels[0]`), each effect as a step (largest first, at most `MAX_EFFECTS`,
    the rest as one "Other" step), and the selected period's total (`labels[1]`). Each bar is
    labelled with its value or signed change in the metric's unit; the value axis covers the
    steps (not from zero), so small effects on a large total stay visible.

    `frame`: `metrics.change.decompose` rows of one dimension (effects plus its `total` row).
    Without a total to decompose (no rows, or a ratio without n in a period) the figure says
    so."""
    total = frame.filter(pl.col("effect") == "total")
    if total.is_empty() or total["amount"][0] is None:
        return empty_figure(title, "Nothing to decompose: no value in one of the two periods.")
    metric = str(total["metric"][0])
    unit = registry.KPIS[metric].unit
    before, after = float(total["before"][0]), float(total["after"][0])
    effects = frame.filter(
        (pl.col("effect") != "total") & pl.col("amount").is_not_null() & (pl.col("amount") != 0)
    ).sort([pl.col("amount").abs(), "group", "effect"], descending=[True, False, False])
    shown, rest = effects.head(MAX_EFFECTS), effects.slice(MAX_EFFECTS)
    names = [plotly_text(labels[0])]
    values = [before]
    measures = ["absolute"]
    texts = [format.value(unit, before)]
    for group, effect, amount in shown.select("group", "effect", "amount").iter_rows():
        names.append(plotly_text(_bar_label(group, effect)))
        values.append(amount)
        measures.append("relative")
        texts.append(format.signed(unit, amount))
    if rest.height:
        other = float(rest["amount"].sum())
        names.append(f"Other ({rest.height} effects)")
        values.append(other)
        measures.append("relative")
        texts.append(format.signed(unit, other))
    names.append(plotly_text(labels[1]))
    values.append(after)
    measures.append("total")
    texts.append(format.value(unit, after))

    path = [before]
    for amount in values[1:-1]:
        path.append(path[-1] + amount)
    path.append(after)
    low, high = min(path), max(path)
    span = (high - low) or abs(high) * 0.1 or 1.0
    start = low - 0.5 * span
    if low >= 0 > start:
        start = 0.0  # a count or rate cannot go below zero: no empty negative axis
    axis: dict[str, object] = {"range": [start, high + 0.35 * span], "title": None}
    if unit == "rate":
        axis["tickformat"] = ".1%" if span < 0.05 else ".0%"
    elif unit == "currency":
        axis["tickprefix"] = "$"
        axis["tickformat"] = "~s"

    fig = _figure(title)
    fig.add_trace(
        go.Waterfall(
            orientation="h",
            y=names,
            x=values,
            measure=measures,
            text=texts,
            textposition="outside",
            increasing={"marker": {"color": UP_COLOR}},
            decreasing={"marker": {"color": DOWN_COLOR}},
            totals={"marker": {"color": TOTAL_COLOR}},
            connector={"line": {"color": "#94A3B8", "width": 1}},
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        xaxis=axis,
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(360, 90 + 40 * len(names)),
    )
    return fig
