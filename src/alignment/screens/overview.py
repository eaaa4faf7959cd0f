"""The Overview: KPI tiles with their comparison, the cohort's maturity, the trust notes, and
the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from alignment import periods
from alignment.db.store import Connection
from alignment.metrics import overview
from alignment.metrics import sla as metrics_sla
from alignment.metrics.compile import Bucket
from alignment.periods import Period
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
    con: Connection, selection: Selection, count: int, bucket: Bucket = "month"
) -> pl.DataFrame:
    """One row per month (quarter): the `count` buckets ending with the selected period's (the
    trend's last, see `trend_window`)."""
    return overview.monthly_trend(con, selection, count, bucket=bucket)


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
    """Everything the page shows: the tiles (with the SLA targets and row), the trust notes
    and the trend."""
    end, count, bucket = trend_window(selection.period, earliest, latest, today)
    return {
        "tiles": tiles(con, selection),
        "trust": quality.trust_notes(con, selection),
        "trend": trend(con, selection.at(end), count, bucket),
    }
