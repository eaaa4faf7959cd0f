"""The Overview: KPI tiles with their comparison, the cohort's maturity, the trust notes, the
monthly trend, and what changed between the period and its comparison, and why (the change
decomposition)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from alignment import periods
from alignment.db.store import Connection
from alignment.metrics import change, overview, registry
from alignment.metrics import sla as metrics_sla
from alignment.metrics.compile import Bucket
from alignment.metrics.dimensions import DIMENSION_LABELS
from alignment.periods import Period
from alignment.present import sentences
from alignment.screens import quality, sla
from alignment.selection import Selection

TREND_MONTHS = 18
TREND_QUARTERS = 8
"""At most this many months in the trend, ending at the selected period."""


def tiles(con: Connection, selection: Selection) -> dict[str, Any]:
    """The tiles' numbers: `kpis` (the KPI row of the period, with n and intervals),
    `comparison` (one row per KPI: current, comparison value, delta), `sla` (the SLA targets of
    the tiles and the compact SLA row, `screens.sla.overview_targets`, sharing the KPIs'
    statement) and `maturity` (whether the period's MQL cohort is still maturing)."""
    kpi_row, comparison, counts = overview.kpis_and_comparison(
        con, selection, extra=metrics_sla.COUNT_ITEMS
    )
    return {
        "kpis": kpi_row,
        "comparison": comparison,
        "sla": sla.overview_targets(con, selection, counts=counts),
        "maturity": overview.cohort_maturity(con, selection),
    }


def trend(
    con: Connection,
    selection: Selection,
    count: int,
    bucket: Bucket = "month",
    p80: float | None = None,
) -> pl.DataFrame:
    """One row per month (quarter): the `count` buckets ending with the selected period's (the
    trend's last, see `trend_window`). `p80`: the tiles' `maturity["p80_days"]` (the same
    filters), so the page computes that percentile once (None computes it)."""
    return overview.monthly_trend(con, selection, count, bucket=bucket, p80=p80)


def trend_bucket(period: Period) -> Bucket:
    """The trend follows the chosen grain: quarters for a quarter, months otherwise (a week's
    trend would be too noisy to read)."""
    return "quarter" if period.grain == "quarter" else "month"


def trend_window(
    period: Period, earliest: date | None, latest: date | None, today: date
) -> tuple[Period, int, Bucket]:
    """The trend's last month (quarter), how many it shows for the selected period (at most
    `TREND_MONTHS` months or `TREND_QUARTERS` quarters, not before the data's first; for all
    time the data's whole range) and the bucket."""
    bucket = trend_bucket(period)
    count = TREND_QUARTERS if bucket == "quarter" else TREND_MONTHS
    end, shown = periods.trend_window(period, bucket, count, earliest, latest, today)
    return end, shown, bucket


def default_view(
    con: Connection,
    selection: Selection,
    *,
    earliest: date | None,
    latest: date | None,
    today: date,
) -> dict[str, Any]:
    """Everything the page shows by default: the tiles (with the SLA targets and row), the trust
    notes and the trend ("What changed, and why" is computed when its section is opened)."""
    end, count, bucket = trend_window(selection.period, earliest, latest, today)
    shown = tiles(con, selection)
    p80 = shown["maturity"]["p80_days"]
    return {
        "tiles": shown,
        "trust": quality.trust_notes(con, selection),
        "trend": trend(con, selection.at(end), count, bucket, p80),
    }


# ---- what changed, and why --------------------------------------------------------------------
CHANGE_METRICS: dict[str, str] = {m: registry.KPIS[m].label for m in change.CHANGE_METRICS}
"""The metrics the section's selector offers, with their labels."""

CHANGE_DIMENSIONS: dict[str, str] = {d: DIMENSION_LABELS[d] for d in change.CHANGE_DIMENSIONS}
"""The dimensions the section's selector offers, with their labels."""

DEFAULT_CHANGE_METRIC = "mql_to_sql"
"""The section opens on MQL -> SQL: a rate, so it shows both rate and mix effects (the "why")."""

DEFAULT_CHANGE_DIMENSION = "channel"


def changes(con: Connection, selection: Selection, metric: str, dimension: str) -> dict[str, Any]:
    """The "What changed, and why" section for one metric and dimension: `message` (why there is
    nothing to show, or None), `frame` (`change.decompose` rows of the dimension), `title` and
    `labels` (the waterfall's title and its first and last bars: comparison, selected period),
    `sentences` (the three largest effects, one Markdown sentence each with a link to the page
    that explains it) and `simpson` (Simpson's paradox in words, or None)."""
    change.check_metric(metric)
    label = registry.KPIS[metric].label
    other = selection.comparison_period
    result: dict[str, Any] = {
        "message": None,
        "frame": None,
        "title": "",
        "labels": ("", ""),
        "sentences": [],
        "simpson": None,
    }
    if other is None:
        why = "all time" if selection.period.is_all else "no comparison"
        result["message"] = (
            f"Nothing to compare: the view shows {why}. Choose a period and a comparison "
            "(previous period or same period last year) in the sidebar to see what changed."
        )
        return result
    frame = change.decompose(con, selection, metric, (dimension,))
    total = frame.filter(frame["effect"] == "total")
    if total.is_empty() or total["amount"][0] is None:
        result["message"] = (
            f"No {label} to compare: {selection.period.label} or {other.label} has none for "
            "these filters."
        )
        return result
    found = change.simpson(frame)
    result.update(
        frame=frame,
        title=(
            f"{label}, {other.label} to {selection.period.label}: the change by "
            f"{CHANGE_DIMENSIONS[dimension].lower()}"
        ),
        labels=(other.label, selection.period.label),
        sentences=sentences.change_effects(change.top_effects(frame), selection),
        simpson=sentences.simpson_paradox(found[0], selection) if found else None,
    )
    return result
