"""Funnel metrics: the stage funnel (cohort and flow views), step conversion by any dimension,
the cohort trend, time to convert, lead acceptance, lead-score bands with a threshold what-if,
and the condition behind any funnel cell (for the drill-down to leads in
`alignment.metrics.records`).

Owns the SQL behind the Funnel page and `alignment funnel`. DESIGN section 5 definitions:

- A lead *reached* stage S if it has a timestamp for S or any later stage, or a flag meaning
  S or a later stage (`is_converted`, `is_won`: exports without dates); the model view
  `lead_facts` has `reached_<stage>_at` = the earliest of those timestamps and
  `reached_<stage>` (reached at all), so funnels are monotone and a lead whose stage dates are
  out of order counts at its earliest date. Periods place a lead by its timestamps; all time
  counts every lead that reached the stage, dated or not (`models.entered_sql`), except where
  a duration is needed (time to convert, a conversion window), which takes dated leads only.
- **Cohort view** (the default): the cohort of a period is the leads whose `reached_<first>_at`
  (the funnel's first stage, MQL by default) falls in it. Each later stage counts the cohort
  members that reached it, at any time so far or, with a conversion window of N days, at most
  N days after they entered the first stage. Step conversion S -> T = reached T / reached S.
- **Flow view**: for each stage, the leads whose `reached_<stage>_at` falls in the period (stage
  entries that happened in the period). Its ratios are *flow ratios*, not conversion rates: the
  SQLs of March are mostly not the MQLs of March, and a ratio can exceed 100 %.
- A cohort is **still maturing** while it is younger (from the period's end to now) than the
  conversion window, or without a window than the 80th percentile of historical days from the
  first stage to SQL (to the next stage when the first stage is SQL or later).

Every number is aggregated in DuckDB over `lead_facts`: values are bound parameters, identifiers
are fixed column names, filters come from `Filters.where`. Nothing here pulls lead rows into
Python; the few pure functions at the end work on aggregated frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import polars as pl

from alignment import clock, stats
from alignment.db import schema, store
from alignment.db.store import Connection
from alignment.filters import NO_FILTERS, Filters
from alignment.metrics import registry
from alignment.metrics.compile import compile_periods
from alignment.metrics.dimensions import (
    DIMENSION_LABELS,
    dimension_sql,
)
from alignment.model.facts import entered_sql
from alignment.periods import ALL_TIME, Period
from alignment.selection import Selection, period_and_filters
from alignment.sql import Params
from alignment.stats import MAX_INTERVAL_WIDTH, MIN_N

View = Literal["cohort", "flow"]
Outcome = Literal["reached", "not_reached"]

VIEWS: dict[str, str] = {"cohort": "Cohort conversion", "flow": "Period flow ratios"}
"""The two funnel views and how they are labelled."""

STAGES: tuple[str, ...] = schema.LEAD_STAGES
"""Funnel stages in order: lead, mql, sal, sql, opportunity, won."""

STAGE_LABEL: dict[str, str] = schema.STAGE_LABEL

FIRST_STAGES: tuple[str, ...] = STAGES[:-1]
"""Stages a funnel can start at (a funnel needs a later stage)."""

DEFAULT_FIRST_STAGE = "mql"
"""DESIGN section 5: cohorts are MQL cohorts by default."""


TIME_BIN_EDGES: tuple[float, ...] = (1, 3, 7, 14, 30, 60, 90, 180)
"""Upper edges (days, exclusive) of the time-to-convert histogram bins; the last bin is open."""

TIME_BIN_LABELS: tuple[str, ...] = (
    "< 1 day",
    "1–3 days",
    "3–7 days",
    "7–14 days",
    "14–30 days",
    "30–60 days",
    "60–90 days",
    "90–180 days",
    "180+ days",
)

ACCEPTANCE_TARGET_SETTING = "lead_acceptance_target"
"""Settings key of the lead acceptance SLA target (a share, e.g. `0.9`)."""

DEFAULT_ACCEPTANCE_TARGET = 0.90
"""DESIGN gives no number, so 90 % until the user sets one."""

WINDOW_CHOICES: tuple[int, ...] = (30, 60, 90, 180, 365)
"""Conversion windows (days) offered on the page; the CLI accepts any positive number."""

_DAY_US = 86_400_000_000
_DAYS = "86400000000.0"  # microseconds per day, as a SQL literal


# ---- validation and small SQL pieces ----------------------------------------------------------
def _check_stage(stage: str, allowed: tuple[str, ...] = STAGES) -> str:
    if stage not in allowed:
        raise ValueError(f"unknown stage {stage!r}: use one of {', '.join(allowed)}")
    return stage


def _check_view(view: str) -> View:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}: use cohort or flow")
    return view  # type: ignore[return-value]


def _check_window(window_days: int | None) -> int | None:
    if window_days is not None and window_days <= 0:
        raise ValueError(
            f"the conversion window must be a positive number of days, got {window_days}"
        )
    return window_days


def stages_from(first_stage: str) -> tuple[str, ...]:
    """The funnel's stages from `first_stage` to won."""
    return STAGES[STAGES.index(_check_stage(first_stage, FIRST_STAGES)) :]


def steps(first_stage: str) -> list[tuple[str, str]]:
    """The conversions a funnel starting at `first_stage` reports, in order: each consecutive
    step, then from the first stage to each stage two or more steps later (MQL -> SQL, ...)."""
    stages = stages_from(first_stage)
    pairs = list(zip(stages, stages[1:], strict=False))
    pairs += [(stages[0], later) for later in stages[2:]]
    return pairs


def step_label(from_stage: str, to_stage: str) -> str:
    """`MQL → SQL`."""
    return f"{STAGE_LABEL[from_stage]} → {STAGE_LABEL[to_stage]}"


def _reached(stage: str) -> str:
    """The time a lead reached `stage` (NULL when it has no date for it or a later stage)."""
    return f"l.reached_{_check_stage(stage)}_at"


def _reached_at_all(stage: str) -> str:
    """Whether a lead reached `stage` at any time, by a date or a flag."""
    return f"l.reached_{_check_stage(stage)}"


def _days_between(earlier: str, later: str) -> str:
    """Calendar days (fractional) from one timestamp expression to another."""
    return f"((epoch_us({later}) - epoch_us({earlier})) / {_DAYS})"


# ---- the population and stage conditions, shared by counts and the drill-down ---------------
def _population(
    params: Params, view: View, first_stage: str, period: Period, window_days: int | None = None
) -> str:
    """Which leads a funnel reads: its cohort (cohort view) or every lead with a stage entry
    in the period (flow view). A cohort with a conversion window holds only leads with a date
    for the first stage, even for all time: the window is counted from it."""
    if view == "cohort":
        return _entered(params, first_stage, period, dated=window_days is not None)
    parts = [_entered(params, stage, period) for stage in stages_from(first_stage)]
    return "(" + " OR ".join(parts) + ")"


def _entered(params: Params, stage: str, period: Period, *, dated: bool = False) -> str:
    """The lead reached `stage` inside the period; for all time, at any time, by a date or a
    flag (`dated`: by a date)."""
    return entered_sql(_check_stage(stage), period, params, dated=dated)


def _stage_condition(
    params: Params,
    view: View,
    stage: str,
    first_stage: str,
    period: Period,
    window_days: int | None,
) -> str:
    """Within the population: the lead counts for `stage` (cohort: reached it, within the
    window when one is set; flow: entered it in the period)."""
    if view == "flow":
        return _entered(params, stage, period)
    if stage == first_stage:
        return "TRUE"
    if window_days is None:
        return _reached_at_all(stage)
    column = _reached(stage)
    first = _reached(first_stage)
    window = params.bind(window_days * _DAY_US)
    return f"({column} IS NOT NULL AND epoch_us({column}) - epoch_us({first}) <= {window})"


def _counts_sql(
    params: Params,
    view: View,
    first_stage: str,
    period: Period,
    filters: Filters,
    window_days: int | None,
    key_sql: str | None = None,
) -> str:
    """One statement: `n_<stage>` for every stage of the funnel, one row (or one row per value
    of `key_sql`, column `k`)."""
    columns: list[str] = [f"{key_sql} AS k"] if key_sql else []
    for stage in stages_from(first_stage):
        condition = _stage_condition(params, view, stage, first_stage, period, window_days)
        columns.append(f"count(*) FILTER (WHERE {condition}) AS n_{stage}")
    lead_filter = filters.where(params, "l")
    population = _population(params, view, first_stage, period, window_days)
    group = "GROUP BY k" if key_sql else ""
    return f"""
      SELECT {", ".join(columns)}
      FROM lead_facts l
      WHERE {lead_filter} AND {population}
      {group}"""


def _too_few_sql(n: str, low: str | None, high: str | None) -> str:
    if low is None or high is None:
        return f"(coalesce({n}, 0) < {MIN_N})"
    return (
        f"(coalesce({n}, 0) < {MIN_N} OR coalesce(({high}) - ({low}) > {MAX_INTERVAL_WIDTH}, TRUE))"
    )


# ---- the stage funnel --------------------------------------------------------------------------
FUNNEL_COLUMNS: tuple[str, ...] = (
    "stage",
    "label",
    "n",
    "previous_n",
    "step_rate",
    "step_rate_low",
    "step_rate_high",
    "cumulative_rate",
)


def stage_funnel(
    con: Connection,
    selection: Selection | Period,
    *,
    view: str = "cohort",
    first_stage: str = DEFAULT_FIRST_STAGE,
    window_days: int | None = None,
) -> pl.DataFrame:
    """One row per funnel stage, from `first_stage` to won, in order.

    Columns `FUNNEL_COLUMNS`: stage, label, n (cohort: members that reached the stage, within
    the window if set; flow: entries into the stage in the period), previous_n (n of the stage
    before, null for the first), step_rate = n / previous_n, its Wilson 95 % bounds (cohort
    only; null in the flow view, whose ratios are not proportions), cumulative_rate = n / n of
    the first stage. Rates are null over 0. The window applies to the cohort view only.
    One SQL statement."""
    period, filters = period_and_filters(selection)
    view = _check_view(view)
    window_days = _check_window(window_days) if view == "cohort" else None
    stages = stages_from(first_stage)
    params = Params()
    counts_sql = _counts_sql(params, view, first_stage, period, filters, window_days)
    low, high = stats.wilson_sql("n", "previous_n")
    interval = (
        f"{low} AS step_rate_low, {high} AS step_rate_high"
        if view == "cohort"
        else "NULL::DOUBLE AS step_rate_low, NULL::DOUBLE AS step_rate_high"
    )
    n_list = ", ".join(f"n_{s}" for s in stages)
    sql = f"""
    WITH counts AS ({counts_sql}
    ),
    long AS (
      SELECT unnest({params.bind(list(stages))}::VARCHAR[]) AS stage,
        unnest({params.bind([STAGE_LABEL[s] for s in stages])}::VARCHAR[]) AS label,
        unnest([{n_list}]) AS n, unnest(range({len(stages)})) AS position
      FROM counts
    ),
    lagged AS (
      SELECT *, lag(n) OVER (ORDER BY position) AS previous_n,
        first_value(n) OVER (ORDER BY position) AS first_n
      FROM long
    )
    SELECT stage, label, n::BIGINT AS n, previous_n::BIGINT AS previous_n,
      n::DOUBLE / nullif(previous_n, 0) AS step_rate,
      {interval},
      n::DOUBLE / nullif(first_n, 0) AS cumulative_rate
    FROM lagged
    ORDER BY position"""
    return store.query(con, sql, params.values)


# ---- conversion of each step by a dimension ------------------------------------------------------
BY_DIMENSION_COLUMNS: tuple[str, ...] = (
    "step",
    "from_stage",
    "to_stage",
    "n",
    "converted",
    "rate",
    "rate_low",
    "rate_high",
    "too_few",
)


def _steps_sql(
    params: Params, counts_sql: str, pairs: list[tuple[str, str]], view: View, keyed: bool
) -> str:
    """Long form of a counts statement: one row per (k,) step with n, converted, rate, its
    Wilson bounds (cohort view) and the too-few marker."""
    from_list = ", ".join(f"n_{a}" for a, _ in pairs)
    to_list = ", ".join(f"n_{b}" for _, b in pairs)
    if view == "cohort":
        low, high = stats.wilson_sql("converted", "n")
        too_few = _too_few_sql("n", "rate_low", "rate_high")
    else:
        low, high = "NULL::DOUBLE", "NULL::DOUBLE"
        too_few = _too_few_sql("n", None, None)
    k = "k, " if keyed else ""
    step_names = params.bind([step_label(a, b) for a, b in pairs])
    from_stages = params.bind([a for a, _ in pairs])
    to_stages = params.bind([b for _, b in pairs])
    return f"""
    WITH counts AS ({counts_sql}
    ),
    long AS (
      SELECT {k}unnest({step_names}::VARCHAR[]) AS step,
        unnest({from_stages}::VARCHAR[]) AS from_stage,
        unnest({to_stages}::VARCHAR[]) AS to_stage, unnest([{from_list}]) AS n,
        unnest([{to_list}]) AS converted, unnest(range({len(pairs)})) AS step_index
      FROM counts
    ),
    rated AS (
      SELECT *, converted::DOUBLE / nullif(n, 0) AS rate,
        {low} AS rate_low, {high} AS rate_high
      FROM long
    )
    SELECT {k}step, from_stage, to_stage, n::BIGINT AS n, converted::BIGINT AS converted,
      rate, rate_low, rate_high, {too_few} AS too_few, step_index
    FROM rated"""


def conversion_by_dimension(
    con: Connection,
    selection: Selection | Period,
    *,
    dimension: str = "channel",
    view: str = "cohort",
    first_stage: str = DEFAULT_FIRST_STAGE,
    window_days: int | None = None,
) -> pl.DataFrame:
    """One row per step (see `steps`) and value of `dimension`.

    Columns: `<dimension>`, then `BY_DIMENSION_COLUMNS`: step (`MQL → SQL`), from_stage,
    to_stage, n (leads at the step's start), converted (of those, reached the step's end),
    rate = converted / n (a flow ratio in the flow view), Wilson 95 % bounds rate_low /
    rate_high (cohort view only), too_few (n < `MIN_N` or the interval wider than
    `MAX_INTERVAL_WIDTH`; in the flow view n < `MIN_N`). Sorted by step order, then rows that
    can be told apart first, by rate descending, n descending, value. One SQL statement."""
    period, filters = period_and_filters(selection)
    view = _check_view(view)
    window_days = _check_window(window_days) if view == "cohort" else None
    key = dimension_sql(dimension)
    params = Params()
    counts_sql = _counts_sql(params, view, first_stage, period, filters, window_days, key)
    steps_sql = _steps_sql(params, counts_sql, steps(first_stage), view, keyed=True)
    sql = f"""
    SELECT k AS {dimension}, * EXCLUDE (k, step_index)
    FROM ({steps_sql})
    ORDER BY step_index, too_few, rate DESC NULLS LAST, n DESC, k"""
    return store.query(con, sql, params.values)


# ---- trend of step conversions by cohort month / quarter ---------------------------------------
TREND_COLUMNS: tuple[str, ...] = (
    "cohort",
    "label",
    *BY_DIMENSION_COLUMNS,
    "maturing",
)


def trend_cohorts(end: Period, grain: str, count: int) -> list[Period]:
    """The `count` cohorts (months or quarters), oldest first, ending with the one containing
    the last day of `end` (the current one for all time)."""
    if grain not in ("month", "quarter"):
        raise ValueError(f"the trend grain must be month or quarter, got {grain!r}")
    if count < 1:
        raise ValueError("count must be at least 1")
    last_day = (
        clock.today() if end.end_day is None else date.fromordinal(end.end_day.toordinal() - 1)
    )
    last = Period.containing(grain, last_day)  # type: ignore[arg-type]
    return [last.shift(-i) for i in range(count - 1, -1, -1)]


def step_trend(
    con: Connection,
    selection: Selection | Period,
    *,
    grain: str = "month",
    count: int = 12,
    first_stage: str = DEFAULT_FIRST_STAGE,
    window_days: int | None = None,
    now: datetime | None = None,
) -> pl.DataFrame:
    """One row per cohort (of `trend_cohorts(end, grain, count)`, ending at the selected
    period, oldest first) and step.

    Columns `TREND_COLUMNS`: cohort (Date, first day), label (`Mar 2026` / `Q1 2026`), the
    `conversion_by_dimension` columns for the cohort view, and maturing (the cohort is younger
    than the window, or than the historical p80 time to convert; see `maturity`). Cohorts
    without leads have n 0 and null rates. One statement for the counts, one for the p80."""
    end, filters = period_and_filters(selection)
    window_days = _check_window(window_days)
    cohorts = trend_cohorts(end, grain, count)
    hull = Period(cohorts[0].grain, cohorts[0].first_day, cohorts[-1].end_day)
    first = _reached(first_stage)
    key = f"date_trunc('{grain}', make_timestamp(epoch_us({first})))::DATE"
    params = Params()
    counts_sql = _counts_sql(params, "cohort", first_stage, hull, filters, window_days, key)
    pairs = steps(first_stage)
    steps_sql = _steps_sql(params, counts_sql, pairs, "cohort", keyed=True)
    threshold = _maturity_threshold(con, filters, first_stage, window_days)
    starts = [c.first_day for c in cohorts]
    labels = [c.label if grain == "quarter" else f"{c.first_day:%b %Y}" for c in cohorts]
    ends = [c.end for c in cohorts]
    current = now or clock.now()
    ages = [(current - e).total_seconds() / 86400.0 for e in ends if e is not None]
    sql = f"""
    WITH stepped AS ({steps_sql}
    ),
    cohorts AS (
      SELECT unnest({params.bind(starts)}::DATE[]) AS cohort,
        unnest({params.bind(labels)}::VARCHAR[]) AS label,
        unnest({params.bind(ages)}::DOUBLE[]) AS age_days
    ),
    grid AS (
      SELECT c.*, unnest({params.bind([step_label(a, b) for a, b in pairs])}::VARCHAR[]) AS step,
        unnest({params.bind([a for a, _ in pairs])}::VARCHAR[]) AS from_stage,
        unnest({params.bind([b for _, b in pairs])}::VARCHAR[]) AS to_stage,
        unnest(range({len(pairs)})) AS step_index
      FROM cohorts c
    )
    SELECT g.cohort, g.label, g.step, g.from_stage, g.to_stage,
      coalesce(s.n, 0)::BIGINT AS n, coalesce(s.converted, 0)::BIGINT AS converted,
      s.rate, s.rate_low, s.rate_high, coalesce(s.too_few, TRUE) AS too_few,
      coalesce(g.age_days < {params.bind(threshold)}, FALSE) AS maturing
    FROM grid g
    LEFT JOIN stepped s ON s.k = g.cohort AND s.step_index = g.step_index
    ORDER BY g.step_index, g.cohort"""
    return store.query(con, sql, params.values)


def latest_mature_change(trend: pl.DataFrame, step: str) -> dict[str, Any] | None:
    """The latest mature cohort of a step against the mature cohort before it (maturing
    cohorts are never compared): {"step", "latest", "previous" (labels), "latest_rate",
    "previous_rate", "latest_n", "previous_n", "delta_points", "p_value" (two-proportion
    test)}; None when fewer than two mature cohorts have leads. Works on a `step_trend` frame
    (aggregates only)."""
    rows = trend.filter((pl.col("step") == step) & ~pl.col("maturing") & (pl.col("n") > 0)).sort(
        "cohort"
    )
    if rows.height < 2:
        return None
    latest, previous = rows.row(-1, named=True), rows.row(-2, named=True)
    _, p_value = stats.two_proportion_z_test(
        latest["converted"], latest["n"], previous["converted"], previous["n"]
    )
    return {
        "step": step,
        "latest": latest["label"],
        "previous": previous["label"],
        "latest_rate": latest["rate"],
        "previous_rate": previous["rate"],
        "latest_n": latest["n"],
        "previous_n": previous["n"],
        "delta_points": (latest["rate"] - previous["rate"]) * 100,
        "p_value": None if math.isnan(p_value) else p_value,
    }


# ---- cohort maturity ---------------------------------------------------------------------------
def _maturity_stage(first_stage: str) -> str:
    """The stage the historical time to convert is measured to: SQL, or the next stage when
    the funnel starts at SQL or later."""
    stages = stages_from(first_stage)
    return "sql" if "sql" in stages[1:] else stages[1]


def _maturity_threshold(
    con: Connection, filters: Filters, first_stage: str, window_days: int | None
) -> float | None:
    """Days a cohort needs before it is final: the window, else the p80 time to convert."""
    if window_days is not None:
        return float(window_days)
    target = _maturity_stage(first_stage)
    params = Params()
    lead_filter = filters.where(params, "l")
    value = store.scalar(
        con,
        f"""
        SELECT quantile_cont({_days_between(_reached(first_stage), _reached(target))},
                             {registry.MATURITY_QUANTILE})
        FROM lead_facts l
        WHERE {_reached(target)} IS NOT NULL AND {lead_filter}""",
        params.values,
    )
    return None if value is None else float(value)


def maturity(
    con: Connection,
    selection: Selection | Period,
    *,
    first_stage: str = DEFAULT_FIRST_STAGE,
    window_days: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Whether the period's cohort is still maturing (one answer for the period).

    {"maturing": bool, "threshold_days": float | None, "basis": "window" | "p80",
    "age_days": float | None, "to_stage": str}: the threshold is the window, or the p80 of
    historical days from the first stage to `to_stage`; the age is days from the period's end
    to `now`. All time is never maturing. With the default first stage and no window this is
    the Overview's `cohort_maturity`."""
    period, filters = period_and_filters(selection)
    window_days = _check_window(window_days)
    threshold = _maturity_threshold(con, filters, first_stage, window_days)
    answer: dict[str, Any] = {
        "maturing": False,
        "threshold_days": threshold,
        "basis": "window" if window_days is not None else "p80",
        "age_days": None,
        "to_stage": _maturity_stage(first_stage),
    }
    if period.end is None:
        return answer
    age = ((now or clock.now()) - period.end).total_seconds() / 86400.0
    answer["age_days"] = age
    answer["maturing"] = threshold is not None and age < threshold
    return answer


# ---- time to convert ---------------------------------------------------------------------------
TIME_COLUMNS: tuple[str, ...] = ("n", "median_days", "p75_days", "p90_days")


def _check_pair(from_stage: str, to_stage: str) -> None:
    _check_stage(from_stage)
    _check_stage(to_stage)
    if STAGES.index(to_stage) <= STAGES.index(from_stage):
        raise ValueError(
            f"time to convert needs a later stage: {to_stage!r} is not after {from_stage!r}"
        )


def _converted_sql(
    params: Params, period: Period, filters: Filters, from_stage: str, to_stage: str
) -> str:
    """Leads that reached `from_stage` in the period and have reached `to_stage`, both by a
    date (a time between them needs both; undated leads are left out, even for all time)."""
    entered = _entered(params, from_stage, period, dated=True)
    lead_filter = filters.where(params, "l")
    return f"{entered} AND {_reached(to_stage)} IS NOT NULL AND {lead_filter}"


def time_to_convert(
    con: Connection,
    selection: Selection | Period,
    *,
    from_stage: str = "mql",
    to_stage: str = "sql",
    by: str | None = None,
) -> pl.DataFrame:
    """Calendar days from reaching `from_stage` to reaching `to_stage`, over the leads that
    reached `from_stage` in the period and have reached `to_stage` (the from-stage cohort).

    One row, or with `by` one row per value of that funnel dimension sorted by n descending:
    [`<by>`,] n, median_days, p75_days, p90_days (continuous quantiles; null when n is 0).
    Days are never negative (reached timestamps are monotone). One SQL statement."""
    period, filters = period_and_filters(selection)
    _check_pair(from_stage, to_stage)
    params = Params()
    condition = _converted_sql(params, period, filters, from_stage, to_stage)
    days = _days_between(_reached(from_stage), _reached(to_stage))
    key = f"{dimension_sql(by)} AS {by}, " if by else ""
    group = f"GROUP BY {by} ORDER BY n DESC, {by}" if by else ""
    sql = f"""
      SELECT {key}count(*)::BIGINT AS n,
        quantile_cont({days}, 0.5) AS median_days,
        quantile_cont({days}, 0.75) AS p75_days,
        quantile_cont({days}, 0.9) AS p90_days
      FROM lead_facts l
      WHERE {condition}
      {group}"""
    return store.query(con, sql, params.values)


def time_to_convert_histogram(
    con: Connection,
    selection: Selection | Period,
    *,
    from_stage: str = "mql",
    to_stage: str = "sql",
) -> pl.DataFrame:
    """The distribution of `time_to_convert` days: one row per bin of `TIME_BIN_LABELS`, in
    order (empty bins included): bin (label), lower_days, upper_days (null for the open last
    bin), n, share (of all converted leads; null when there are none). Binned in DuckDB."""
    period, filters = period_and_filters(selection)
    _check_pair(from_stage, to_stage)
    params = Params()
    condition = _converted_sql(params, period, filters, from_stage, to_stage)
    days = _days_between(_reached(from_stage), _reached(to_stage))
    cases = " ".join(f"WHEN days < {edge} THEN {i}" for i, edge in enumerate(TIME_BIN_EDGES))
    lowers = [0.0, *TIME_BIN_EDGES]
    uppers: list[float | None] = [*TIME_BIN_EDGES, None]
    sql = f"""
    WITH binned AS (
      SELECT CASE {cases} ELSE {len(TIME_BIN_EDGES)} END AS bin_index, count(*) AS n
      FROM (SELECT {days} AS days FROM lead_facts l WHERE {condition})
      GROUP BY 1
    ),
    bins AS (
      SELECT unnest(range({len(TIME_BIN_LABELS)})) AS bin_index,
        unnest({params.bind(list(TIME_BIN_LABELS))}::VARCHAR[]) AS bin,
        unnest({params.bind(lowers)}::DOUBLE[]) AS lower_days,
        unnest({params.bind(uppers)}::DOUBLE[]) AS upper_days
    )
    SELECT b.bin, b.lower_days, b.upper_days, coalesce(c.n, 0)::BIGINT AS n,
      coalesce(c.n, 0)::DOUBLE / nullif(sum(coalesce(c.n, 0)) OVER (), 0) AS share
    FROM bins b LEFT JOIN binned c USING (bin_index)
    ORDER BY b.bin_index"""
    return store.query(con, sql, params.values)


# ---- lead acceptance ---------------------------------------------------------------------------
REJECTED_SQL = registry.REJECTED

ACCEPTANCE_COLUMNS: tuple[str, ...] = (
    "mqls",
    "accepted",
    "rejected",
    "pending",
    "acceptance_rate",
    "acceptance_rate_low",
    "acceptance_rate_high",
)


def lead_acceptance(
    con: Connection, selection: Selection | Period, *, by: str | None = None
) -> pl.DataFrame:
    """Lead acceptance rate = SAL / (SAL + rejected) among the MQLs handed over in the period
    (the MQL cohort): the registry metric `lead_acceptance`.

    One row, or with `by` one row per value of that funnel dimension that has MQLs (sorted by
    MQLs descending): [`<by>`,] mqls, accepted (reached SAL, or skipped it to a later stage),
    rejected (a rejection date or reason and never accepted), pending (neither yet),
    acceptance_rate = accepted / (accepted + rejected), its Wilson 95 % bounds. One compiled
    statement."""
    period, filters = period_and_filters(selection)
    items = ("mqls", "accepted", "rejected", "lead_acceptance")
    order = ("mqls DESC",) if by else ()
    frame = compile_periods(items, [period], filters, by=by, order=order).run(con)
    if by:
        frame = frame.filter(pl.col("mqls") > 0)
    return frame.select(
        *([by] if by else []),
        "mqls",
        "accepted",
        "rejected",
        (pl.col("mqls") - pl.col("accepted") - pl.col("rejected")).alias("pending"),
        pl.col("lead_acceptance").alias("acceptance_rate"),
        pl.col("lead_acceptance_low").alias("acceptance_rate_low"),
        pl.col("lead_acceptance_high").alias("acceptance_rate_high"),
    )


def acceptance_target(con: Connection) -> float:
    """The lead acceptance SLA target (a share) from the settings, 90 % when unset or unreadable."""
    value = store.get_setting(con, ACCEPTANCE_TARGET_SETTING)
    try:
        target = float(value) if value is not None else DEFAULT_ACCEPTANCE_TARGET
    except ValueError:
        return DEFAULT_ACCEPTANCE_TARGET
    return target if 0.0 < target <= 1.0 else DEFAULT_ACCEPTANCE_TARGET


def set_acceptance_target(con: Connection, target: float) -> None:
    """Store the lead acceptance SLA target (a share between 0 and 1)."""
    if not 0.0 < target <= 1.0:
        raise ValueError(f"the target is a share between 0 and 1, got {target}")
    store.set_setting(con, ACCEPTANCE_TARGET_SETTING, repr(float(target)))


# ---- lead score ------------------------------------------------------------------------------
def _nice_width(span: float, bands: int = 5) -> float:
    """A round band width (1, 2, 2.5, 5 x 10^k) giving about `bands` bands over `span`."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / bands
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude


SCORE_BAND_COLUMNS: tuple[str, ...] = (
    "band",
    "band_low",
    "band_high",
    "leads",
    "mqls",
    "sqls",
    "lead_to_mql",
    "mql_to_sql",
    "mql_to_sql_low",
    "mql_to_sql_high",
    "too_few",
)


def _scored_population(params: Params, period: Period, filters: Filters) -> str:
    """Leads created (reached the lead stage) in the period that have a score (a finite one:
    a NaN or infinite score, which imports reject, counts as no score)."""
    entered = _entered(params, "lead", period)
    return f"{entered} AND isfinite(l.score) AND {filters.where(params, 'l')}"


def score_range(
    con: Connection,
    selection: Selection | Period,
) -> tuple[int, float | None, float | None]:
    """(scored leads, lowest score, highest score) among the leads created in the period."""
    period, filters = period_and_filters(selection)
    params = Params()
    condition = _scored_population(params, period, filters)
    row = store.query(
        con,
        f"SELECT count(*) AS n, min(l.score) AS lo, max(l.score) AS hi "
        f"FROM lead_facts l WHERE {condition}",
        params.values,
    ).row(0)
    return int(row[0]), row[1], row[2]


def score_bands(
    con: Connection,
    selection: Selection | Period,
) -> pl.DataFrame:
    """Conversion by lead-score band over the scored leads created in the period: one row per
    band with leads, lowest first (bands of a round width giving about five bands).

    Columns `SCORE_BAND_COLUMNS`: band (`40–60`), band_low (inclusive), band_high (exclusive,
    the top band includes the highest score), leads, mqls / sqls (of those, reached MQL / SQL
    so far), lead_to_mql, mql_to_sql with Wilson 95 % bounds, too_few (as in
    `conversion_by_dimension`). Empty when no lead has a score."""
    period, filters = period_and_filters(selection)
    n, lo, hi = score_range(con, selection)
    if n == 0 or lo is None or hi is None:
        return pl.DataFrame(
            schema={
                c: pl.String if c == "band" else pl.Boolean if c == "too_few" else pl.Float64
                for c in SCORE_BAND_COLUMNS
            }
        ).with_columns(pl.col("leads", "mqls", "sqls").cast(pl.Int64))
    width = _nice_width(float(hi) - float(lo))
    params = Params()
    band_width = params.bind(width)
    condition = _scored_population(params, period, filters)
    low, high = stats.wilson_sql("sqls", "mqls")
    too_few = _too_few_sql("mqls", "mql_to_sql_low", "mql_to_sql_high")
    top = math.floor(float(hi) / width) * width
    sql = f"""
    WITH banded AS (
      SELECT least(floor(l.score / {band_width}) * {band_width}, {params.bind(top)}) AS band_low,
        count(*) AS leads,
        count(*) FILTER (WHERE {_reached_at_all("mql")}) AS mqls,
        count(*) FILTER (WHERE {_reached_at_all("sql")}) AS sqls
      FROM lead_facts l
      WHERE {condition}
      GROUP BY 1
    ),
    rated AS (
      SELECT *, band_low + {band_width} AS band_high,
        mqls::DOUBLE / nullif(leads, 0) AS lead_to_mql,
        sqls::DOUBLE / nullif(mqls, 0) AS mql_to_sql,
        {low} AS mql_to_sql_low, {high} AS mql_to_sql_high
      FROM banded
    )
    SELECT format('{{}}–{{}}', band_low::DOUBLE, band_high::DOUBLE)
        .regexp_replace('\\.0\\b', '', 'g') AS band,
      band_low::DOUBLE AS band_low, band_high::DOUBLE AS band_high,
      leads::BIGINT AS leads, mqls::BIGINT AS mqls, sqls::BIGINT AS sqls,
      lead_to_mql, mql_to_sql, mql_to_sql_low, mql_to_sql_high, {too_few} AS too_few
    FROM rated
    ORDER BY band_low"""
    return store.query(con, sql, params.values)


def score_threshold_whatif(
    con: Connection, selection: Selection | Period, *, threshold: float
) -> dict[str, Any]:
    """What an MQL score threshold would do, over the scored leads created in the period.

    {"threshold", "scored_leads", "mql_volume" (leads scoring >= threshold), "current_mqls"
    (scored leads that did reach MQL), "current_mql_to_sql", "history_mqls" / "history_sqls"
    (past MQLs scoring >= threshold, and those of them that reached SQL), "expected_mql_to_sql"
    = history_sqls / history_mqls with Wilson bounds "expected_low" / "expected_high"}.
    The expectation uses the leads that were MQLs: leads below today's bar that would newly
    qualify have no SQL history, so lowering the threshold makes it optimistic."""
    period, filters = period_and_filters(selection)
    params = Params()
    at_threshold = f"l.score >= {params.bind(threshold)}"
    condition = _scored_population(params, period, filters)
    low, high = stats.wilson_sql("history_sqls", "history_mqls")
    mql = _reached_at_all("mql")
    sql_reached = _reached_at_all("sql")
    sql = f"""
    WITH counts AS (
      SELECT count(*) AS scored_leads,
        count(*) FILTER (WHERE {at_threshold}) AS mql_volume,
        count(*) FILTER (WHERE {mql}) AS current_mqls,
        count(*) FILTER (WHERE {mql} AND {sql_reached}) AS current_sqls,
        count(*) FILTER (WHERE {mql} AND {at_threshold}) AS history_mqls,
        count(*) FILTER (WHERE {mql} AND {sql_reached} AND {at_threshold}) AS history_sqls
      FROM lead_facts l
      WHERE {condition}
    )
    SELECT scored_leads, mql_volume, current_mqls,
      current_sqls::DOUBLE / nullif(current_mqls, 0) AS current_mql_to_sql,
      history_mqls, history_sqls,
      history_sqls::DOUBLE / nullif(history_mqls, 0) AS expected_mql_to_sql,
      {low} AS expected_low, {high} AS expected_high
    FROM counts"""
    row = store.query(con, sql, params.values).row(0, named=True)
    return {"threshold": float(threshold), **{k: row[k] for k in row}}


# ---- the leads behind a cell (drill-down) ------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A funnel number a user can open: the leads of a period's funnel (cohort or flow) that
    count for `stage`, optionally for one value of a dimension. `outcome="not_reached"` (cohort
    view only) gives the leads that reached the stage before `stage` but not `stage`: the ones
    that dropped out at that step."""

    period: Period = ALL_TIME
    filters: Filters = NO_FILTERS
    view: View = "cohort"
    first_stage: str = DEFAULT_FIRST_STAGE
    stage: str = DEFAULT_FIRST_STAGE
    outcome: Outcome = "reached"
    window_days: int | None = None
    dimension: str | None = None
    value: str | None = None

    def describe(self) -> str:
        """`MQL cohort of March 2026 · channel = Email · reached SQL`."""
        if self.view == "cohort":
            text = f"{STAGE_LABEL[self.first_stage]} cohort of {self.period.label}"
        else:
            text = f"Stage entries in {self.period.label}"
        if self.dimension:
            text += f" · {DIMENSION_LABELS[self.dimension].lower()} = {self.value}"
        verb = "reached" if self.outcome == "reached" else "did not reach"
        if self.view == "flow":
            verb = "entered"
        window = (
            f" within {self.window_days} days" if self.window_days and self.view == "cohort" else ""
        )
        return f"{text} · {verb} {STAGE_LABEL[self.stage]}{window}"


def cell_condition(cell: Cell) -> tuple[str, dict[str, Any]]:
    """The SQL condition over `lead_facts l` selecting exactly the leads counted in `cell`
    (the same pieces `stage_funnel` and `conversion_by_dimension` count with), and its
    values by name."""
    view = _check_view(cell.view)
    window = _check_window(cell.window_days) if view == "cohort" else None
    stages = stages_from(cell.first_stage)
    if cell.stage not in stages:
        raise ValueError(
            f"stage {cell.stage!r} is not in a funnel starting at {cell.first_stage!r}"
        )
    params = Params()
    parts = [
        cell.filters.where(params, "l"),
        _population(params, view, cell.first_stage, cell.period, window),
    ]
    if cell.dimension is not None:
        parts.append(f"{dimension_sql(cell.dimension)} = {params.bind(cell.value)}")
    stage = _stage_condition(params, view, cell.stage, cell.first_stage, cell.period, window)
    if cell.outcome == "reached":
        parts.append(stage)
    else:
        if view != "cohort" or cell.stage == cell.first_stage:
            raise ValueError("'did not reach' needs the cohort view and a stage after the first")
        before = stages[stages.index(cell.stage) - 1]
        prior = _stage_condition(params, view, before, cell.first_stage, cell.period, window)
        parts += [prior, f"NOT coalesce({stage}, FALSE)"]
    return " AND ".join(f"({p})" for p in parts), params.values
