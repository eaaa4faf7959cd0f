"""Tables, sentences and the chart of the Attribution page: the side-by-side channel credit
with rank shifts called out in words, the reconciliation line and channel credit by model.

Pure: polars frames from `metrics.attribution` in, display frames, text or a plotly Figure out.
Channel names come from files: in the chart they pass through `text.plotly_text`.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from alignment.metrics.attribution import MODELS
from alignment.present import format
from alignment.present.charts import PALETTE, _figure, empty_figure
from alignment.present.text import plotly_text

SHIFT_THRESHOLD = 2
"""A channel whose rank differs by at least this many places between two models is marked."""


def rank_shift_text(ranks: list[int]) -> str:
    """How far a channel's rank moves across the models (one list entry per model, in `MODELS`
    order): `steady at #1`, or `moves 2 places (#1 to #3)`, prefixed `▲▼` when it moves at
    least `SHIFT_THRESHOLD` places (written, not colour alone)."""
    best, worst = min(ranks), max(ranks)
    if best == worst:
        return f"steady at #{best}"
    places = worst - best
    text = f"moves {places} place{'s' if places > 1 else ''} (#{best} to #{worst})"
    return f"▲▼ {text}" if places >= SHIFT_THRESHOLD else text


def side_by_side(channels: pl.DataFrame) -> pl.DataFrame:
    """One row per channel (as from `metrics.attribution.channel_credit`, in its order):
    `Channel`, then per model its credit and rank as text (`$2.1k · #1`), then `Rank shift`
    (`rank_shift_text`)."""
    rows: dict[str, list[str]] = {"Channel": channels["channel"].to_list()}
    for model, label in MODELS.items():
        rows[label] = [
            f"{format.currency(credit)} · #{rank}"
            for credit, rank in zip(channels[model], channels[f"rank_{model}"], strict=True)
        ]
    rank_columns = [f"rank_{m}" for m in MODELS]
    rows["Rank shift"] = [
        rank_shift_text(list(ranks)) for ranks in channels.select(rank_columns).iter_rows()
    ]
    return pl.DataFrame(rows, schema={name: pl.String for name in rows})


def reconciliation_line(reconciliation: pl.DataFrame) -> str:
    """One sentence from `metrics.attribution.reconciliation`: whether every model credits
    exactly the attributable amount, and what is left unattributed."""
    if reconciliation.is_empty():
        return "No opportunities to reconcile."
    first = reconciliation.row(0, named=True)
    worst = float(reconciliation["difference"].abs().max() or 0.0)  # type: ignore[arg-type]
    balanced = worst < 0.005
    head = (
        f"Every model credits {format.currency(first['attributed_amount'])}, the amount of the "
        "opportunities with at least one touch before creation"
        if balanced
        else f"The models' credits differ from the attributable amount by up to {worst:,.2f}"
    )
    missing = int(first["unattributed_opportunities"] or 0)
    tail = (
        f"; {format.currency(first['unattributed_amount'])} across {missing:,} "
        f"opportunit{'y' if missing == 1 else 'ies'} without touches is unattributed"
        if missing
        else "; every opportunity has a touch"
    )
    return f"{head}{tail} (total {format.currency(first['amount'])})."


def channel_credit_chart(channels: pl.DataFrame, title: str) -> go.Figure:
    """Grouped bars: one group per channel (in the frame's order), one bar per model with its
    credit."""
    if channels.is_empty():
        return empty_figure(title, "No touches before the opportunities of this period")
    fig = _figure(title)
    names = [plotly_text(c) for c in channels["channel"]]
    for index, (model, label) in enumerate(MODELS.items()):
        fig.add_trace(
            go.Bar(
                name=label,
                x=names,
                y=channels[model].to_list(),
                marker_color=PALETTE[index % len(PALETTE)],
                hovertemplate="%{x}: %{y:$,.0f}<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(barmode="group", yaxis_title="Credited amount")
    return fig
