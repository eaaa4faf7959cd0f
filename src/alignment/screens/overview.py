"""The Overview: KPI tiles with their comparison, the cohort's maturity, the trust notes, and
the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from alignment import periods
from alignment.db.store import Connection
from alignment.filters import Filters
from alignment.metrics import overview
from alignment.periods import Comparison, Period
from alignment.screens import quality

TREND_MONTHS = 18
"""At most this many months in the trend, ending at the selected period."""


def tiles(
    con: Connection, period: Period, comparison: Comparison, filters: Filters
) -> dict[str, Any]:
    """The tiles' numbers: `kpis` (the KPI row of the period, with n and intervals),
    `comparison` (one row per KPI: current, comparison value, delta) and `maturity` (whether
    the period's MQL cohort is still maturing)."""
    return {
        "kpis": overview.kpis(con, period, filters),
        "comparison": overview.kpi_comparison(con, period, comparison, filters),
        "maturity": overview.cohort_maturity(con, period, filters),
    }


def trend(con: Connection, end: Period, months: int, filters: Filters) -> pl.DataFrame:
    """One row per month: the `months` months ending with `end`'s (see `trend_window`)."""
    return overview.monthly_trend(con, filters, end, months)


def trend_window(
    period: Period, earliest: date | None, latest: date | None, today: date
) -> tuple[Period, int]:
    """The trend's last month and how many months it shows for the selected period: at most
    `TREND_MONTHS`, not before the data's first month; for all time the data's whole range."""
    return periods.trend_window(period, "month", TREND_MONTHS, earliest, latest, today)


def default_view(
    con: Connection,
    period: Period,
    comparison: Comparison,
    filters: Filters,
    *,
    earliest: date | None,
    latest: date | None,
    today: date,
) -> dict[str, Any]:
    """Everything the page shows: the tiles, the trust notes and the trend."""
    end, months = trend_window(period, earliest, latest, today)
    return {
        "tiles": tiles(con, period, comparison, filters),
        "trust": quality.trust_notes(con, period, filters),
        "trend": trend(con, end, months, filters),
    }
