"""Channel metrics: one row per channel (or other dimension value) with the funnel counts, win
rate with n, Wilson 95 % interval and a "too few to tell" flag, deal size, Kaplan-Meier sales
cycle, pipeline, velocity and, when spend is imported, CAC, cost per MQL and ROI; and the
two-proportion comparison of two channels' win rates.

Owns the numbers behind the Channels page and `alignment channels` (DESIGN section 5). Every
count, sum, mean, median and rate is a registry metric compiled by `metrics.compile` into one
statement; the sales cycle (needs one duration per deal for Kaplan-Meier) and the spend (its own
table, by month and channel) are one small statement each. Two views: `period` counts deals
closed in the period (won, lost, win rate, deal size, won revenue); `cohort` follows the deals
created in the period, with the ones still open counted separately, never as lost.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Literal

import polars as pl

from alignment import clock, stats
from alignment.db import store
from alignment.metrics import registry
from alignment.metrics.compile import (
    Bucket,
    bucket_end,
    compile_periods,
    compile_series,
    trend_starts,
)
from alignment.metrics.dimensions import OPP_DIMENSIONS, check_dimension, dimension_sql
from alignment.metrics.registry import Measure
from alignment.periods import Period
from alignment.selection import Selection, period_and_filters

View = Literal["period", "cohort"]
VIEWS: tuple[View, ...] = ("period", "cohort")

_LEAD_ITEMS: tuple[str, ...] = ("leads", "mqls", "sqls", "mql_to_sql")
_MARKETING_OPPS = Measure("marketing_opps", "opp_created", "count", "o.marketing_sourced")
"""Opportunities created in the period from a marketing-sourced channel: the flag's evidence."""
_SHARED_OPP_ITEMS: tuple[str | Measure, ...] = (
    "opps_created",
    "pipeline_created",
    "marketing_pipeline",
    _MARKETING_OPPS,
    registry.OPEN_OPPS,
)
_VIEW_ITEMS: dict[View, dict[str, str]] = {
    # output column -> registry name, per view
    "period": {
        "won": "opps_won",
        "lost": "opps_lost",
        "win_rate": "win_rate",
        "avg_deal_size": "avg_deal_size",
        "median_deal_size": "median_deal_size",
        "won_revenue": "won_revenue",
    },
    "cohort": {
        "won": "cohort_won",
        "lost": "cohort_lost",
        "open": "cohort_open",
        "win_rate": "cohort_win_rate",
        "avg_deal_size": "cohort_avg_deal_size",
        "median_deal_size": "cohort_median_deal_size",
        "won_revenue": "cohort_won_revenue",
    },
}

CHANNEL_COLUMNS: tuple[str, ...] = (
    "leads",
    "mqls",
    "mql_to_sql",
    "opps_created",
    "won",
    "lost",
    "open",
    "win_rate",
    "win_rate_n",
    "win_rate_low",
    "win_rate_high",
    "too_few",
    "avg_deal_size",
    "median_deal_size",
    "sales_cycle",
    "pipeline_created",
    "won_revenue",
    "marketing_sourced",
    "marketing_pipeline_share",
    "open_opps",
    "velocity",
    "spend",
    "cac",
    "cost_per_mql",
    "roi",
)
"""Columns of `channel_table` after the dimension column, in order."""


def _check_view(view: str) -> View:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}: use period or cohort")
    return view  # type: ignore[return-value]


def _too_few() -> pl.Expr:
    """The funnel's rule (`metrics.funnel`): fewer than `MIN_N` closed deals, or a Wilson
    interval wider than `MAX_INTERVAL_WIDTH` (or none at all)."""
    width = pl.col("win_rate_high") - pl.col("win_rate_low")
    return (pl.col("win_rate_n").fill_null(0) < stats.MIN_N) | (
        (width > stats.MAX_INTERVAL_WIDTH).fill_null(True)
    )


def sales_cycle_rows(con: store.Connection, selection: Selection | Period, by: str) -> pl.DataFrame:
    """One row per opportunity created in the period that is won or still open: `by` value,
    `duration` (days from creation to close for a won deal, to the period end or now, whichever
    is earlier, for an open one) and `observed` (won). Lost deals never close won, so they are
    left out rather than censored."""
    period, filters = period_and_filters(selection)
    now = clock.now()
    as_of = now if period.end is None else min(period.end, now)
    filter_sql, params = filters.where_named("o")
    params["as_of"] = as_of
    within = "TRUE"
    if not period.is_all:
        params["start"], params["end"] = period.start, period.end
        within = "o.created_at >= $start AND o.created_at < $end"
    sql = f"""
        SELECT {dimension_sql(by, "opportunities")} AS k,
               (epoch(CASE WHEN o.outcome = 'won' THEN o.closed_at ELSE $as_of END)
                - epoch(o.created_at)) / 86400.0 AS duration,
               o.outcome = 'won' AS observed
        FROM opp_facts o
        WHERE {filter_sql} AND {within} AND o.outcome IN ('won', 'open')
          AND o.created_at IS NOT NULL
          AND (o.outcome = 'open' OR o.closed_at >= o.created_at)
    """
    return store.query(con, sql, params)


def _spend(
    con: store.Connection,
    selection: Selection | Period,
    *,
    months: tuple[date, date] | None = None,
    bucket: Bucket | None = None,
) -> pl.DataFrame:
    """One row per channel with spend in the months of the period (or in `months`, first day
    inclusive to last exclusive): k, spend; with `bucket`, one row per month (quarter) and
    channel, its first day in column `bucket`. The channel filter applies; spend has no segment,
    region, team or owner to filter on."""
    period, filters = period_and_filters(selection)
    params: dict[str, Any] = {}
    conditions = ["isfinite(s.amount)"]
    if months is not None:
        params["first"], params["last"] = months
        conditions.append("s.month >= $first AND s.month < $last")
    elif not period.is_all:
        params["first"], params["last"] = period.first_day, period.end_day
        conditions.append("s.month >= $first AND s.month < $last")
    if filters.channel:
        params["channels"] = list(filters.channel)
        conditions.append("list_contains($channels, s.channel)")
    keys = "coalesce(s.channel, '(not set)') AS k"
    if bucket is not None:
        keys = f"date_trunc('{bucket}', s.month)::DATE AS bucket, {keys}"
    group = "1, 2" if bucket is not None else "1"
    sql = f"""
        SELECT {keys}, sum(s.amount)::DOUBLE AS spend
        FROM spend s WHERE {" AND ".join(conditions)} GROUP BY {group}
    """
    return store.query(con, sql, params)


def channel_table(
    con: store.Connection,
    selection: Selection | Period,
    *,
    view: str = "period",
    by: str = "channel",
) -> pl.DataFrame:
    """One row per value of `by` with any lead or opportunity activity in the period: the
    `CHANNEL_COLUMNS` (see the registry's Channels metrics for each definition), sorted by
    opportunities created descending, then value.

    `view="period"`: won / lost / win rate / deal size / won revenue of the deals closed in the
    period, `open` null; `view="cohort"`: of the deals created in the period, `open` those still
    open. The sales cycle (Kaplan-Meier median, open deals censored) is over the deals created
    in the period in both views. Spend, CAC, cost per MQL and ROI are null without spend, and
    for a breakdown other than channel (spend is recorded per channel). With `by="product"`
    (opportunities only) the lead columns are null."""
    chosen = _check_view(view)
    check_dimension(by, OPP_DIMENSIONS)
    period, filters = period_and_filters(selection)
    names = _VIEW_ITEMS[chosen]
    with_leads = by != "product"
    items = [*(_LEAD_ITEMS if with_leads else ()), *_SHARED_OPP_ITEMS, *names.values()]
    frame = compile_periods(items, [period], filters, by=by).run(con).drop("slot")
    renames = {registry_name: column for column, registry_name in names.items()}
    for suffix in ("_n", "_low", "_high"):
        renames[names["win_rate"] + suffix] = "win_rate" + suffix
    frame = frame.rename({k: v for k, v in renames.items() if k != v})
    if not with_leads:
        frame = frame.with_columns(
            pl.lit(None, pl.Int64).alias("leads"),
            pl.lit(None, pl.Int64).alias("mqls"),
            pl.lit(None, pl.Float64).alias("mql_to_sql"),
        )
    if "open" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("open"))
    cycle = stats.kaplan_meier_medians(sales_cycle_rows(con, selection, by), "k")
    frame = frame.with_columns(
        pl.Series("sales_cycle", [cycle.get(v) for v in frame[by].to_list()], pl.Float64)
    )
    spend = (
        _spend(con, selection).rename({"k": by})
        if by == "channel"
        else pl.DataFrame(schema={by: pl.String, "spend": pl.Float64})
    )
    frame = frame.join(spend, on=by, how="left")
    spent = pl.when(pl.col("spend") > 0)
    frame = frame.with_columns(
        _too_few().alias("too_few"),
        (pl.col("marketing_opps") > 0).alias("marketing_sourced"),
        (pl.col("marketing_pipeline") / pl.col("pipeline_created").replace(0.0, None)).alias(
            "marketing_pipeline_share"
        ),
        (
            pl.col("open_opps")
            * pl.col("win_rate")
            * pl.col("avg_deal_size")
            / pl.col("sales_cycle").replace(0.0, None)
        ).alias("velocity"),
        spent.then(pl.col("spend") / pl.col("won").replace(0, None)).alias("cac"),
        spent.then(pl.col("spend") / pl.col("mqls").replace(0, None)).alias("cost_per_mql"),
        spent.then((pl.col("won_revenue") - pl.col("spend")) / pl.col("spend")).alias("roi"),
    )
    return frame.sort(["opps_created", by], descending=[True, False]).select(by, *CHANNEL_COLUMNS)


def compare(
    con: store.Connection,
    selection: Selection | Period,
    a: str,
    b: str,
    view: str = "period",
    *,
    by: str = "channel",
) -> dict[str, Any]:
    """Win rates of two values of `by` and the pooled two-proportion z-test between them: a, b,
    `<a|b>_won`, `<a|b>_n` (closed deals), `<a|b>_rate` (None without closed deals), z and
    p_value (None when either has no closed deals), view. `present.sentences.channel_comparison`
    puts it in words."""
    table = channel_table(con, selection, view=view, by=by)
    result: dict[str, Any] = {"a": a, "b": b, "view": view}
    for side, value in (("a", a), ("b", b)):
        row = table.filter(pl.col(by) == value)
        won = int(row["won"][0]) if row.height else 0
        n = int(row["win_rate_n"][0] or 0) if row.height else 0
        result[f"{side}_won"], result[f"{side}_n"] = won, n
        result[f"{side}_rate"] = won / n if n else None
    z, p_value = stats.two_proportion_z_test(
        result["a_won"], result["a_n"], result["b_won"], result["b_n"]
    )
    result["z"] = None if math.isnan(z) else z
    result["p_value"] = None if math.isnan(p_value) else p_value
    return result


SERIES_ITEMS: tuple[str, ...] = ("pipeline_created", "marketing_pipeline", "won_revenue")
"""The registry measures of `channel_series`: pipeline and marketing-sourced pipeline by the
month the opportunity was created, won revenue by the month the deal was won."""


def series_starts(selection: Selection | Period, bucket: Bucket, count: int) -> list[date]:
    """First days of the `count` months (quarters) ending with the one holding the selected
    period's last day (today's for all time), oldest first (`compile.trend_starts`)."""
    period, _ = period_and_filters(selection)
    return trend_starts(period, count, bucket, clock.today())


def channel_series(
    con: store.Connection,
    selection: Selection | Period,
    bucket: Bucket = "month",
    count: int = 12,
    *,
    by: str = "channel",
) -> pl.DataFrame:
    """One row per month (or quarter) and value of `by`, for the `count` buckets ending with
    the selected period's (`series_starts`), every value with activity in any of them in every
    bucket: `bucket` (first day), the value, pipeline_created and marketing_pipeline (amounts
    of the opportunities created in the bucket), won_revenue (deals won in the bucket) and
    spend (the bucket's spend; null for a breakdown other than channel, which spend does not
    record). Filters apply as everywhere; the selected period only fixes where the series
    ends. Ordered by bucket, then value."""
    check_dimension(by, OPP_DIMENSIONS)
    period, filters = period_and_filters(selection)
    starts = series_starts(period, bucket, count)
    frame = compile_series(SERIES_ITEMS, bucket, starts, filters, by=by).run(con)
    if by != "channel":
        return frame.with_columns(pl.lit(None, pl.Float64).alias("spend"))
    end = bucket_end(starts[-1], bucket)
    spend = _spend(con, period, months=(starts[0], end), bucket=bucket).rename({"k": by})
    if filters.channel:
        spend = spend.filter(pl.col(by).is_in(list(filters.channel)))
    # a channel with spend but no opportunity in the range still gets its buckets
    grid = pl.DataFrame({"bucket": starts}).join(
        pl.concat([frame.select(by), spend.select(by)]).unique(), how="cross"
    )
    frame = grid.join(frame, on=["bucket", by], how="left").join(
        spend, on=["bucket", by], how="left"
    )
    return frame.with_columns(pl.col(*SERIES_ITEMS, "spend").fill_null(0.0)).sort("bucket", by)


def marketing_share_series(series: pl.DataFrame) -> pl.DataFrame:
    """One row per bucket of a `channel_series` frame (any breakdown: each opportunity is in
    exactly one value, so the values add up to the bucket's total): bucket, pipeline_created,
    marketing_pipeline and marketing_share (marketing-sourced / all pipeline created in the
    bucket; null with no pipeline). A share of amounts: no n, no interval."""
    return (
        series.group_by("bucket", maintain_order=True)
        .agg(pl.col("pipeline_created").sum(), pl.col("marketing_pipeline").sum())
        .with_columns(
            (pl.col("marketing_pipeline") / pl.col("pipeline_created").replace(0.0, None)).alias(
                "marketing_share"
            )
        )
        .sort("bucket")
    )
