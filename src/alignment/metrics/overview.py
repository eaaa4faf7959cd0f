"""Overview metrics: the KPI row (optionally one row per dimension value), its comparison with
another period, the monthly trend, cohort maturity, and the filter choices.

Owns the SQL behind the Overview page and `alignment kpis`. Every number is aggregated in DuckDB
over the model views `lead_facts` / `opp_facts` (DESIGN section 5 definitions, wording in
`metrics.registry`): values are bound parameters, identifiers go through
`store.quote_identifier`, filters come from `Filters.where` and period conditions from
`periods.between_sql`. Nothing here pulls fact rows into Python.

Conventions: the MQL cohort of a period is the set of leads whose `reached_mql_at` falls in it;
cohort stage counts are "reached so far" (no conversion window; by a date or a flag). Opportunity
counts are flows: created in the period, or won / lost with a close date in the period. For all
time every period condition is TRUE and the MQL cohort is every lead that reached MQL by a date
or a flag (`models.entered_sql`), so undated records count there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from alignment import clock, stats
from alignment.db import schema, store
from alignment.db.store import Connection, quote_identifier
from alignment.filters import DIMENSIONS, Filters
from alignment.metrics import registry
from alignment.metrics.compile import (
    Bucket,
    bucket_end,
    compile_periods,
    compile_series,
    trend_starts,
)
from alignment.periods import Period
from alignment.selection import Selection, period_and_filters, selection_of
from alignment.sql import Params

LEAD_COUNTS: tuple[str, ...] = ("leads", "mqls", "sals", "sqls", "opps", "wins")
OPP_COUNTS: tuple[str, ...] = ("opps_created", "opps_won", "opps_lost")
INTERVAL_COLUMNS: tuple[str, ...] = (
    "mql_to_sql_low",
    "mql_to_sql_high",
    "win_rate_low",
    "win_rate_high",
)
KPI_COLUMNS: tuple[str, ...] = (
    "leads",
    "mqls",
    "sals",
    "sqls",
    "opps",
    "wins",
    "mql_to_sql",
    "mql_to_won",
    "opps_created",
    "opps_won",
    "opps_lost",
    "win_rate",
    "pipeline_created",
    "won_revenue",
    "avg_deal_size",
    "median_deal_size",
    *INTERVAL_COLUMNS,
)
"""Columns of `kpis`, in order (after the dimension column when `by` is given)."""

TREND_ITEMS: tuple[str, ...] = (
    "mqls",
    "sqls",
    "mql_to_sql",
    "opps_created",
    "pipeline_created",
    "opps_won",
    "opps_lost",
    "won_revenue",
    "win_rate",
)
"""What the monthly trend computes per month (registry names)."""

TREND_COLUMNS: tuple[str, ...] = ("month", "label", *TREND_ITEMS, "maturing")
"""Columns of `monthly_trend`, in order."""

_FINITE_AMOUNT = "CASE WHEN isfinite(o.amount) THEN o.amount END"
"""An opportunity's amount for sums and averages: a NaN or infinite amount (which imports
reject) counts as no amount, so it cannot turn a whole period's pipeline into NaN."""
"""The default: no dimension restricted (Filters is frozen, so one shared value is safe)."""


def _check_dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}: use one of {', '.join(DIMENSIONS)}")
    return dimension


# ---- the KPI row --------------------------------------------------------------------------
KPI_ITEMS: tuple[str, ...] = tuple(registry.KPIS)
"""What `kpis` computes: every registry KPI (the compiler adds the measures ratios need)."""


def _kpi_frames(
    con: Connection, periods: Sequence[Period], filters: Filters, by: str | None
) -> list[pl.DataFrame]:
    """The `kpis` frame of each period, from one compiled SQL statement."""
    if by is not None:
        _check_dimension(by)
    order = ("mqls DESC",) if by else ()
    frame = compile_periods(KPI_ITEMS, periods, filters, by=by, order=order).run(con)
    columns = ([by] if by else []) + list(KPI_COLUMNS)
    return [frame.filter(pl.col("slot") == i).select(columns) for i in range(len(periods))]


def kpis(con: Connection, selection: Selection | Period, by: str | None = None) -> pl.DataFrame:
    """The KPIs of a period: one row, or with `by` one row per value of that dimension.

    Columns: [`<by>`,] then `KPI_COLUMNS` (counts Int64; rates, amounts and the Wilson 95 %
    bounds `mql_to_sql_low/high`, `win_rate_low/high` Float64; rates null when their
    denominator is 0). With `by`, rows are the dimension values with any lead or opportunity
    activity in the period (leads and opportunities joined on the value, missing counts 0),
    sorted by MQLs descending, then value. One SQL statement, compiled from the registry."""
    period, filters = period_and_filters(selection)
    return _kpi_frames(con, [period], filters, by)[0]


# ---- comparison with another period --------------------------------------------------------
def kpi_comparison(con: Connection, selection: Selection | Period) -> pl.DataFrame:
    """One row per registry KPI (registry order): name, label, unit, current, previous,
    definition (`present.format.metric_delta` writes the change).

    The selection's comparison (previous period, same period last year, none) gives
    `previous`; `previous` is null for no comparison and for all time.
    Values are Float64. Both periods come from one SQL statement."""
    return kpis_and_comparison(con, selection)[1]


def kpis_and_comparison(
    con: Connection, selection: Selection | Period, extra: Sequence[str] = ()
) -> tuple[pl.DataFrame, pl.DataFrame, list[dict[str, Any]]]:
    """(`kpis` of the period, `kpi_comparison`, and one row per period, the period's then the
    comparison's, of the `extra` registry metrics) from one SQL statement: what the Overview
    shows, without scanning the data once per section."""
    chosen = selection_of(selection)
    period, other = chosen.period, chosen.comparison_period
    periods = [period] if other is None else [period, other]
    items = tuple(dict.fromkeys((*KPI_ITEMS, *extra)))
    frame = compile_periods(items, periods, chosen.filters).run(con)
    frames = [frame.filter(pl.col("slot") == i) for i in range(len(periods))]
    kpi_frames = [f.select(KPI_COLUMNS) for f in frames]
    return (
        kpi_frames[0],
        _comparison_frame(kpi_frames, other is not None),
        [f.row(0, named=True) for f in frames],
    )


def _comparison_frame(frames: list[pl.DataFrame], compared: bool) -> pl.DataFrame:
    """The `kpi_comparison` frame of `_kpi_frames` of the period (and the comparison period)."""
    current_row = frames[0].row(0, named=True)
    previous_row = frames[1].row(0, named=True) if compared else {}
    names = list(registry.KPIS)
    currents = [_float(current_row.get(n)) for n in names]
    previous = [_float(previous_row.get(n)) for n in names]
    p_values = [
        change_p_value(registry.KPIS[n], current_row, previous_row) if compared else None
        for n in names
    ]
    return pl.DataFrame(
        {
            "name": names,
            "label": [registry.KPIS[n].label for n in names],
            "unit": [registry.KPIS[n].unit for n in names],
            "current": currents,
            "previous": previous,
            "p_value": p_values,
            "definition": [registry.KPIS[n].definition for n in names],
        },
        schema={
            "name": pl.String,
            "label": pl.String,
            "unit": pl.String,
            "current": pl.Float64,
            "previous": pl.Float64,
            "p_value": pl.Float64,
            "definition": pl.String,
        },
    )


def change_p_value(
    kpi: registry.Kpi, current: dict[str, Any], previous: dict[str, Any]
) -> float | None:
    """The two-sided p-value of a KPI's change between two periods' rows (columns named after
    the registry measures): for a rate, the pooled two-proportion z-test of numerator over
    denominator; for a count, the conditional test of two Poisson counts
    (`stats.count_change_test`, which assumes periods of about equal length); None for amounts
    (a sum or mean of deal sizes has no test from these numbers) and when a side is missing."""
    computation = kpi.computation
    if isinstance(computation, registry.Ratio):
        try:
            x1, x2 = int(current[computation.numerator]), int(previous[computation.numerator])
            n1 = sum(int(current[d]) for d in computation.denominator)
            n2 = sum(int(previous[d]) for d in computation.denominator)
        except (KeyError, TypeError):
            return None
        _, p_value = stats.two_proportion_z_test(x1, n1, x2, n2)
    elif isinstance(computation, registry.Measure) and computation.aggregate == "count":
        a, b = current.get(kpi.name), previous.get(kpi.name)
        if a is None or b is None:
            return None
        _, p_value = stats.count_change_test(int(a), int(b))
    else:
        return None
    return None if math.isnan(p_value) else p_value


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# ---- monthly trend --------------------------------------------------------------------------


def _p80_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """One value: the `registry.MATURITY_QUANTILE` of days from reaching MQL to reaching SQL
    over every lead (matching the filters) that has reached SQL."""
    params = Params()
    condition = filters.where(params, "l")
    sql = f"""
      SELECT quantile_cont(
        (epoch(l.reached_sql_at) - epoch(l.reached_mql_at)) / 86400.0, {registry.MATURITY_QUANTILE}
      ) AS p80
      FROM lead_facts l
      WHERE l.reached_sql_at IS NOT NULL AND {condition}"""
    return sql, params.values


def _p80(con: Connection, filters: Filters) -> float | None:
    """The value of `_p80_sql` (None when no lead has reached SQL)."""
    sql, params = _p80_sql(filters)
    value = store.query(con, sql, params).item()
    return None if value is None else float(value)


def monthly_trend(
    con: Connection,
    selection: Selection | Period,
    months: int = 18,
    *,
    now: datetime | None = None,
    bucket: Bucket = "month",
    p80: float | None = None,
) -> pl.DataFrame:
    """One row per calendar month (with `bucket="quarter"`, per quarter), oldest first, for the
    `months` months (quarters) ending at the selected period's (a quarter's last month for
    months; the current one for all time).

    Columns `TREND_COLUMNS`: month (Date, the bucket's first day), label (`Mar 2026`, or
    `Q1 2026`), mqls and sqls (the bucket's MQL cohort and how many of it reached SQL so far),
    mql_to_sql, opps_created, pipeline_created, opps_won, opps_lost, won_revenue (closed in the
    bucket), win_rate, maturing (the cohort is younger than the p80 historical MQL-to-SQL
    time). Empty buckets have zeros and null rates. One compiled statement, plus the p80 unless
    the caller knows it (`p80`: the `p80_days` of `cohort_maturity` for the same filters, which
    the Overview computes anyway; None computes it here, as it does when there is no history)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    end, filters = period_and_filters(selection)
    current = now or clock.now()
    starts = trend_starts(end, months, bucket, current.date())
    frame = compile_series(TREND_ITEMS, bucket, starts, filters).run(con)
    if p80 is None:
        p80 = _p80(con, filters)
    ends = [datetime.combine(bucket_end(s, bucket), datetime.min.time(), UTC) for s in starts]
    maturing = [p80 is not None and (current - e).total_seconds() / 86400.0 < p80 for e in ends]
    labels = [
        f"Q{(s.month - 1) // 3 + 1} {s.year}" if bucket == "quarter" else f"{s:%b %Y}"
        for s in starts
    ]
    return (
        frame.rename({"bucket": "month"})
        .with_columns(
            pl.Series("label", labels, dtype=pl.String),
            pl.Series("maturing", maturing, dtype=pl.Boolean),
        )
        .select(TREND_COLUMNS)
    )


# ---- cohort maturity --------------------------------------------------------------------------
def cohort_maturity(
    con: Connection, selection: Selection | Period, now: datetime | None = None
) -> dict[str, Any]:
    """Whether the period's MQL cohort is still maturing (one answer for the period).

    {"maturing": bool, "p80_days": float | None, "age_days": float | None}: p80_days is the 80th
    percentile of days from reaching MQL to reaching SQL over every (filtered) lead that reached
    SQL; age_days the days from the period's end to `now`; maturing when age < p80. All time is
    never maturing (age None)."""
    period, filters = period_and_filters(selection)
    p80 = _p80(con, filters)
    if period.end is None:
        return {"maturing": False, "p80_days": p80, "age_days": None}
    age = ((now or clock.now()) - period.end).total_seconds() / 86400.0
    return {"maturing": p80 is not None and age < p80, "p80_days": p80, "age_days": age}


# ---- filter choices and data range ------------------------------------------------------------
def dimension_values(con: Connection, dimension: str) -> list[str]:
    """Sorted distinct values of a dimension over leads and opportunities (one per value,
    `(not set)` included)."""
    column = quote_identifier(_check_dimension(dimension))
    frame = store.query(
        con,
        f"SELECT DISTINCT {column} AS value FROM lead_facts UNION "
        f"SELECT DISTINCT {column} AS value FROM opp_facts ORDER BY value",
    )
    return [v for v in frame["value"].to_list() if v is not None]


def data_date_range(con: Connection) -> tuple[date | None, date | None]:
    """(earliest, latest) UTC date of the data's events, over every lead and opportunity:
    lead creation, every stage date, rejection and loss; opportunity creation, and the close
    date of closed (won or lost) opportunities. An open deal's close date is an expected one,
    often in the future, so it is left out. (None, None) when no record has a date. Reads the
    lead table (min / max need only the raw timestamps) and the `opp_facts` table (its outcome
    applies the stage map)."""
    lead_dates = ", ".join(
        quote_identifier(c) for c in (*schema.STAGE_TIMESTAMP.values(), "lost_at", "rejected_at")
    )
    frame = store.query(
        con,
        f"""
        WITH l AS (
          SELECT min(least({lead_dates})) AS lo, max(greatest({lead_dates})) AS hi FROM leads
        ),
        o AS (
          SELECT least(min(created_at), min(closed_at) FILTER (WHERE outcome <> 'open')) AS lo,
            greatest(max(created_at), max(closed_at) FILTER (WHERE outcome <> 'open')) AS hi
          FROM opp_facts
        )
        SELECT (least(l.lo, o.lo) AT TIME ZONE 'UTC')::DATE AS earliest,
               (greatest(l.hi, o.hi) AT TIME ZONE 'UTC')::DATE AS latest
        FROM l, o
        """,
    )
    return frame["earliest"].item(), frame["latest"].item()
