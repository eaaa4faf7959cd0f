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

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from alignment import clock, stats
from alignment.db import schema, store
from alignment.db.store import Connection, quote_identifier
from alignment.filters import DIMENSIONS, Filters
from alignment.metrics import registry
from alignment.model.facts import entered_sql
from alignment.periods import ALL_TIME, COMPARISONS, Period, between_sql

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

TREND_COLUMNS: tuple[str, ...] = (
    "month",
    "label",
    "mqls",
    "sqls",
    "mql_to_sql",
    "opps_created",
    "pipeline_created",
    "opps_won",
    "opps_lost",
    "won_revenue",
    "win_rate",
    "maturing",
)
"""Columns of `monthly_trend`, in order."""

NO_FILTERS = Filters()
_FINITE_AMOUNT = "CASE WHEN isfinite(o.amount) THEN o.amount END"
"""An opportunity's amount for sums and averages: a NaN or infinite amount (which imports
reject) counts as no amount, so it cannot turn a whole period's pipeline into NaN."""
"""The default: no dimension restricted (Filters is frozen, so one shared value is safe)."""

MATURITY_QUANTILE = 0.8
"""A cohort younger than this quantile of historical MQL-to-SQL time is still maturing."""


def _check_dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}: use one of {', '.join(DIMENSIONS)}")
    return dimension


# ---- the KPI row --------------------------------------------------------------------------
def _kpi_sql(periods: Sequence[Period], filters: Filters, by: str | None) -> tuple[str, list[Any]]:
    """One statement computing every KPI for each of `periods` in a single pass over each view:
    one row per period (column `slot`, the period's index), or per period and value of `by`
    (column `k`, renamed to the dimension)."""
    slots = range(len(periods))
    params: list[Any] = []
    lead_key = f"l.{quote_identifier(by)} AS k," if by else ""
    opp_key = f"o.{quote_identifier(by)} AS k," if by else ""

    # flags per period i: c{i} created in it, m{i} in its MQL cohort
    lead_flags: list[str] = []
    for i, period in zip(slots, periods, strict=True):
        created, p_created = between_sql("l.created_at", period)
        cohort, p_cohort = entered_sql("mql", period)
        lead_flags.append(f"{created} AS c{i}, {cohort} AS m{i}")
        params += p_created + p_cohort
    lead_filter, p_lead_filter = filters.where("l")
    hull = _hull(periods)
    lead_created, p_hull_created = between_sql("l.created_at", hull)
    lead_cohort, p_hull_cohort = between_sql("l.reached_mql_at", hull)
    params += p_lead_filter + p_hull_created + p_hull_cohort

    # flags per period i: oc{i} created in it, ow{i} / ol{i} won / lost with a close date in it
    opp_flags: list[str] = []
    for i, period in zip(slots, periods, strict=True):
        created, p_created = between_sql("o.created_at", period)
        closed, p_closed = between_sql("o.closed_at", period)
        opp_flags.append(
            f"{created} AS oc{i}, (o.outcome = 'won' AND {closed}) AS ow{i}, "
            f"(o.outcome = 'lost' AND {closed}) AS ol{i}"
        )
        params += p_created + p_closed + p_closed
    opp_filter, p_opp_filter = filters.where("o")
    opp_created, p_hull_ocreated = between_sql("o.created_at", hull)
    opp_closed, p_hull_oclosed = between_sql("o.closed_at", hull)
    params += p_opp_filter + p_hull_ocreated + p_hull_oclosed

    lead_aggregates = ",\n        ".join(
        f"count(*) FILTER (WHERE c{i}) AS leads_{i}, "
        f"count(*) FILTER (WHERE m{i}) AS mqls_{i}, "
        f"count(*) FILTER (WHERE m{i} AND r_sal) AS sals_{i}, "
        f"count(*) FILTER (WHERE m{i} AND r_sql) AS sqls_{i}, "
        f"count(*) FILTER (WHERE m{i} AND r_opp) AS opps_{i}, "
        f"count(*) FILTER (WHERE m{i} AND r_won) AS wins_{i}"
        for i in slots
    )
    opp_aggregates = ",\n        ".join(
        f"count(*) FILTER (WHERE oc{i}) AS opps_created_{i}, "
        f"count(*) FILTER (WHERE ow{i}) AS opps_won_{i}, "
        f"count(*) FILTER (WHERE ol{i}) AS opps_lost_{i}, "
        f"sum(amount) FILTER (WHERE oc{i}) AS pipeline_created_{i}, "
        f"sum(amount) FILTER (WHERE ow{i}) AS won_revenue_{i}, "
        f"avg(amount) FILTER (WHERE ow{i}) AS avg_deal_size_{i}, "
        f"median(amount) FILTER (WHERE ow{i}) AS median_deal_size_{i}"
        for i in slots
    )
    per_slot = "\n      UNION ALL\n      ".join(_slot_select(i, by) for i in slots)
    group = "GROUP BY k" if by else ""
    k_select = "k, " if by else ""
    sql = f"""
    WITH lead_rows AS (
      SELECT {lead_key}
        {", ".join(lead_flags)},
        l.reached_sal AS r_sal,
        l.reached_sql AS r_sql,
        l.reached_opportunity AS r_opp,
        l.reached_won AS r_won
      FROM lead_facts l
      WHERE {lead_filter} AND ({lead_created} OR {lead_cohort})
    ),
    lead_agg AS (
      SELECT {k_select}
        {lead_aggregates}
      FROM lead_rows
      {group}
    ),
    opp_rows AS (
      SELECT {opp_key}
        {", ".join(opp_flags)},
        {_FINITE_AMOUNT} AS amount
      FROM opp_facts o
      WHERE {opp_filter} AND ({opp_created} OR (o.outcome <> 'open' AND {opp_closed}))
    ),
    opp_agg AS (
      SELECT {k_select}
        {opp_aggregates}
      FROM opp_rows
      {group}
    ),
    joined AS MATERIALIZED (
      SELECT {"coalesce(la.k, oa.k) AS k, la.* EXCLUDE (k), oa.* EXCLUDE (k)" if by else "*"}
      FROM lead_agg la
      {"FULL OUTER JOIN opp_agg oa ON la.k = oa.k" if by else "CROSS JOIN opp_agg oa"}
    ),
    per_slot AS (
      {per_slot}
    )
    SELECT slot,
      {f"k AS {quote_identifier(by)}," if by else ""}
      leads, mqls, sals, sqls, opps, wins,
      sqls::DOUBLE / nullif(mqls, 0) AS mql_to_sql,
      wins::DOUBLE / nullif(mqls, 0) AS mql_to_won,
      opps_created, opps_won, opps_lost,
      opps_won::DOUBLE / nullif(opps_won + opps_lost, 0) AS win_rate,
      pipeline_created, won_revenue, avg_deal_size, median_deal_size,
      {_interval_columns("sqls", "mqls", "mql_to_sql")},
      {_interval_columns("opps_won", "opps_won + opps_lost", "win_rate")}
    FROM per_slot
    ORDER BY slot{", mqls DESC, k" if by else ""}
    """
    return sql, params


def _hull(periods: Sequence[Period]) -> Period:
    """The smallest period covering all of `periods` (all time if one of them is): rows outside
    it are skipped before the per-period flags are computed, so each view is read once and the
    expensive `reached_mql_at` is compared with one range whatever the number of periods."""
    if any(p.first_day is None or p.end_day is None for p in periods):
        return ALL_TIME
    first = min(p.first_day for p in periods if p.first_day is not None)
    end = max(p.end_day for p in periods if p.end_day is not None)
    return Period(periods[0].grain, first, end)


def _slot_select(i: int, by: str | None) -> str:
    """The KPI columns of period `i` from the wide `joined` row(s), missing counts as 0."""
    columns = [f"{i} AS slot"] + (["k"] if by else [])
    columns += [f"coalesce({c}_{i}, 0)::BIGINT AS {c}" for c in (*LEAD_COUNTS, *OPP_COUNTS)]
    columns += [f"coalesce({c}_{i}, 0)::DOUBLE AS {c}" for c in ("pipeline_created", "won_revenue")]
    columns += [f"{c}_{i}::DOUBLE AS {c}" for c in ("avg_deal_size", "median_deal_size")]
    return f"SELECT {', '.join(columns)} FROM joined"


def _interval_columns(successes: str, n: str, name: str) -> str:
    low, high = stats.wilson_sql(successes, n)
    return f"{low} AS {name}_low, {high} AS {name}_high"


def _kpi_frames(
    con: Connection, periods: Sequence[Period], filters: Filters, by: str | None
) -> list[pl.DataFrame]:
    """The `kpis` frame of each period, from one SQL statement."""
    if by is not None:
        _check_dimension(by)
    sql, params = _kpi_sql(periods, filters, by)
    frame = store.query(con, sql, params)
    return [frame.filter(pl.col("slot") == i).drop("slot") for i in range(len(periods))]


def kpis(
    con: Connection, period: Period, filters: Filters = NO_FILTERS, by: str | None = None
) -> pl.DataFrame:
    """The KPIs of a period: one row, or with `by` one row per value of that dimension.

    Columns: [`<by>`,] then `KPI_COLUMNS` (counts Int64; rates, amounts and the Wilson 95 %
    bounds `mql_to_sql_low/high`, `win_rate_low/high` Float64; rates null when their
    denominator is 0). With `by`, rows are the dimension values with any lead or opportunity
    activity in the period (leads and opportunities joined on the value, missing counts 0),
    sorted by MQLs descending, then value. One SQL statement."""
    return _kpi_frames(con, [period], filters, by)[0]


# ---- comparison with another period --------------------------------------------------------
def kpi_comparison(
    con: Connection, period: Period, comparison: str, filters: Filters = NO_FILTERS
) -> pl.DataFrame:
    """One row per registry KPI (registry order): name, label, unit, current, previous,
    delta_text, definition.

    `comparison` is a key of `periods.COMPARISONS` (previous, last_year, none); `previous` and
    `delta_text` are null for `none` and for all time. Values are Float64. Both periods come
    from one SQL statement."""
    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r}: use {', '.join(COMPARISONS)}")
    other = period.comparison(comparison)  # type: ignore[arg-type]
    frames = _kpi_frames(con, [period] if other is None else [period, other], filters, None)
    current_row = frames[0].row(0, named=True)
    previous_row = frames[1].row(0, named=True) if other is not None else {}
    names = list(registry.KPIS)
    currents = [_float(current_row.get(n)) for n in names]
    previous = [_float(previous_row.get(n)) for n in names]
    deltas = [
        None if now is None or before is None else registry.format_delta(n, now, before)
        for n, now, before in zip(names, currents, previous, strict=True)
    ]
    return pl.DataFrame(
        {
            "name": names,
            "label": [registry.KPIS[n].label for n in names],
            "unit": [registry.KPIS[n].unit for n in names],
            "current": currents,
            "previous": previous,
            "delta_text": deltas,
            "definition": [registry.KPIS[n].definition for n in names],
        },
        schema={
            "name": pl.String,
            "label": pl.String,
            "unit": pl.String,
            "current": pl.Float64,
            "previous": pl.Float64,
            "delta_text": pl.String,
            "definition": pl.String,
        },
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# ---- monthly trend --------------------------------------------------------------------------
def _last_month(end: Period, now: datetime) -> date:
    """First day of the trend's last month: the period's month (a quarter's last month)."""
    if end.first_day is None or end.end_day is None:
        return now.date().replace(day=1)
    if end.grain == "quarter":
        return (end.end_day - timedelta(days=1)).replace(day=1)
    return end.first_day.replace(day=1)


def _month_starts(last: date, months: int) -> list[date]:
    """First days of the `months` calendar months ending with `last`'s, oldest first."""
    index = last.year * 12 + last.month - 1
    return [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(months - 1, -1, -1)]


def _utc_month(column: str) -> str:
    """First day of the UTC month of a TIMESTAMPTZ column, as a DATE (via epoch microseconds:
    no time zone library call per row, about 4x cheaper than `AT TIME ZONE 'UTC'`)."""
    return f"date_trunc('month', make_timestamp(epoch_us({column})))::DATE"


def _p80_sql(filters: Filters) -> tuple[str, list[Any]]:
    """One value: the `MATURITY_QUANTILE` of days from reaching MQL to reaching SQL over every
    lead (matching the filters) that has reached SQL."""
    condition, params = filters.where("l")
    sql = f"""
      SELECT quantile_cont(
        (epoch(l.reached_sql_at) - epoch(l.reached_mql_at)) / 86400.0, {MATURITY_QUANTILE}
      ) AS p80
      FROM lead_facts l
      WHERE l.reached_sql_at IS NOT NULL AND {condition}"""
    return sql, params


def monthly_trend(
    con: Connection,
    filters: Filters,
    end: Period,
    months: int = 18,
    *,
    now: datetime | None = None,
) -> pl.DataFrame:
    """One row per calendar month, oldest first, for the `months` months ending at `end`'s
    month (a quarter's last month; the current month for all time).

    Columns `TREND_COLUMNS`: month (Date, first day), label (`Mar 2026`), mqls and sqls (the
    month's MQL cohort and how many of it reached SQL so far), mql_to_sql, opps_created,
    pipeline_created, opps_won, opps_lost, won_revenue (closed in the month), win_rate, maturing
    (the cohort is younger than the p80 historical MQL-to-SQL time). Empty months have zeros and
    null rates. One SQL statement (each view read once for the range, plus the p80)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    current = now or clock.now()
    starts = _month_starts(_last_month(end, current), months)
    first = datetime.combine(starts[0], datetime.min.time(), UTC)
    last = starts[-1]
    stop = datetime.combine(
        date(last.year + last.month // 12, last.month % 12 + 1, 1), datetime.min.time(), UTC
    )
    lead_filter, p_lead = filters.where("l")
    opp_filter, p_opp = filters.where("o")
    p80_sql, p_p80 = _p80_sql(filters)
    in_range = "({column} >= ? AND {column} < ?)"
    created = in_range.format(column="o.created_at")
    closed = "o.outcome IN ('won', 'lost') AND " + in_range.format(column="o.closed_at")
    sql = f"""
    WITH months AS (SELECT unnest(?::DATE[]) AS month),
    cohorts AS (
      SELECT {_utc_month("l.reached_mql_at")} AS month,
        count(*) AS mqls,
        count(*) FILTER (WHERE l.reached_sql) AS sqls
      FROM lead_facts l
      WHERE {in_range.format(column="l.reached_mql_at")} AND {lead_filter}
      GROUP BY 1
    ),
    opp_months AS (
      SELECT
        CASE WHEN {created} THEN {_utc_month("o.created_at")} END AS created_month,
        CASE WHEN {closed} THEN {_utc_month("o.closed_at")} END AS closed_month,
        o.outcome, {_FINITE_AMOUNT} AS amount
      FROM opp_facts o
      WHERE ({created} OR ({closed})) AND {opp_filter}
    ),
    opp_agg AS MATERIALIZED (
      -- one pass, two groupings: by creation month and by close month
      SELECT created_month, closed_month, grouping(closed_month) = 1 AS by_created,
        count(*) AS n,
        sum(amount) AS amount,
        count(*) FILTER (WHERE outcome = 'won') AS won,
        count(*) FILTER (WHERE outcome = 'lost') AS lost,
        sum(amount) FILTER (WHERE outcome = 'won') AS won_amount
      FROM opp_months
      GROUP BY GROUPING SETS ((created_month), (closed_month))
    ),
    created AS (
      SELECT created_month AS month, n AS opps_created, amount AS pipeline_created
      FROM opp_agg WHERE by_created AND created_month IS NOT NULL
    ),
    closed AS (
      SELECT closed_month AS month, won AS opps_won, lost AS opps_lost, won_amount AS won_revenue
      FROM opp_agg WHERE NOT by_created AND closed_month IS NOT NULL
    ),
    p80 AS ({p80_sql}
    ),
    joined AS (
      SELECT m.month,
        coalesce(c.mqls, 0)::BIGINT AS mqls,
        coalesce(c.sqls, 0)::BIGINT AS sqls,
        coalesce(cr.opps_created, 0)::BIGINT AS opps_created,
        coalesce(cr.pipeline_created, 0)::DOUBLE AS pipeline_created,
        coalesce(cl.opps_won, 0)::BIGINT AS opps_won,
        coalesce(cl.opps_lost, 0)::BIGINT AS opps_lost,
        coalesce(cl.won_revenue, 0)::DOUBLE AS won_revenue,
        (epoch(?::TIMESTAMPTZ) - epoch(m.month + INTERVAL 1 MONTH)) / 86400.0 AS age_days
      FROM months m
      LEFT JOIN cohorts c ON c.month = m.month
      LEFT JOIN created cr ON cr.month = m.month
      LEFT JOIN closed cl ON cl.month = m.month
    )
    SELECT month, strftime(month, '%b %Y') AS label,
      mqls, sqls, sqls::DOUBLE / nullif(mqls, 0) AS mql_to_sql,
      opps_created, pipeline_created, opps_won, opps_lost, won_revenue,
      opps_won::DOUBLE / nullif(opps_won + opps_lost, 0) AS win_rate,
      coalesce(age_days < (SELECT p80 FROM p80), FALSE) AS maturing
    FROM joined
    ORDER BY month
    """
    ranges = [first, stop, first, stop]  # created, closed
    params: list[Any] = [starts, first, stop, *p_lead]
    params += [*ranges, *ranges, *p_opp, *p_p80, current]
    return store.query(con, sql, params)


# ---- cohort maturity --------------------------------------------------------------------------
def cohort_maturity(
    con: Connection, period: Period, filters: Filters = NO_FILTERS, now: datetime | None = None
) -> dict[str, Any]:
    """Whether the period's MQL cohort is still maturing (one answer for the period).

    {"maturing": bool, "p80_days": float | None, "age_days": float | None}: p80_days is the 80th
    percentile of days from reaching MQL to reaching SQL over every (filtered) lead that reached
    SQL; age_days the days from the period's end to `now`; maturing when age < p80. All time is
    never maturing (age None)."""
    sql, params = _p80_sql(filters)
    value = store.query(con, sql, params).item()
    p80 = None if value is None else float(value)
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
