"""The explorer: any registry KPI broken down by up to two dimensions, computed by the compiler.

Owns which dimensions a KPI can be broken down by (those `dimensions.dimension_sql` supports on
every fact model the KPI reads, plus the month and quarter of the KPI's own date) and the
explorer's frame. Nothing is re-implemented: a breakdown by attributes is one
`compile.compile_periods` statement (a tuple `by` for two dimensions); a breakdown by month or
quarter is one `compile.compile_series` statement (optionally `by` the other dimension). The
records behind a cell are selected by `compile.compile_records`, the compiler's own placement
of a row in a period and a bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl

from alignment.db import store
from alignment.db.store import Connection
from alignment.filters import DIMENSIONS as GLOBAL_DIMENSIONS
from alignment.metrics import records, registry
from alignment.metrics.compile import (
    Bucket,
    Only,
    RecordQuery,
    bucket_starts,
    compile_periods,
    compile_records,
    compile_series,
)
from alignment.metrics.dimensions import DIMENSION_LABELS, FUNNEL_DIMENSIONS, OPP_DIMENSIONS
from alignment.metrics.registry import Kpi, Measure, Ratio
from alignment.selection import Selection, period_and_filters

TIME_DIMENSIONS: tuple[Bucket, ...] = ("month", "quarter")
"""Dimensions read from the metric's own date, bucketed (`compile.bucket_sql`)."""

LABELS: dict[str, str] = {**DIMENSION_LABELS, "month": "Month", "quarter": "Quarter"}
"""How each explorer dimension is labelled."""

MAX_DIMENSIONS = 2

_MODEL_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "leads": FUNNEL_DIMENSIONS,
    "opportunities": OPP_DIMENSIONS,
}


def measures(kpi: Kpi) -> tuple[Measure, ...]:
    """The measures a KPI's computation reads (its own, or a ratio's parts)."""
    computation = kpi.computation
    if isinstance(computation, Measure):
        return (computation,)
    if isinstance(computation, Ratio):
        return tuple(
            registry.MEASURES[name] for name in (computation.numerator, *computation.denominator)
        )
    raise ValueError(f"{kpi.name!r} has no computation the compiler can run")


def _explorable() -> dict[str, tuple[Kpi, str | None]]:
    """Every registry metric the compiler can compute, with the page that owns it (None for
    the Overview KPIs): the KPIs first, then each page's metrics in registry order."""
    found: dict[str, tuple[Kpi, str | None]] = {k: (v, None) for k, v in registry.KPIS.items()}
    for page, entries in registry.PAGE_METRICS.items():
        for entry in entries:
            if isinstance(entry.computation, Measure | Ratio) and entry.name not in found:
                found[entry.name] = (entry, page)
    return found


EXPLORABLE: dict[str, tuple[Kpi, str | None]] = _explorable()
"""The metrics the explorer offers (name -> (metric, its page or None for an Overview KPI)):
every registry entry with a measure or a ratio; a page metric computed with more than that
(a conversion within a window, a Kaplan-Meier median) is not offered."""


def kpi(name: str) -> Kpi:
    """An explorable registry metric (`EXPLORABLE`) by name; KeyError naming the known ones."""
    if name not in EXPLORABLE:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(EXPLORABLE)}")
    return EXPLORABLE[name][0]


def dimensions_for(name: str) -> tuple[str, ...]:
    """The dimensions KPI `name` can be broken down by, in display order: those every fact
    model it reads supports, then month and quarter when every measure it reads has a date."""
    parts = measures(kpi(name))
    models = {m.model for m in parts}
    shared = [
        d
        for d in FUNNEL_DIMENSIONS + OPP_DIMENSIONS
        if all(d in _MODEL_DIMENSIONS[model] for model in models)
    ]
    attributes = tuple(dict.fromkeys(shared))
    dated = all(registry.TIMES[m.time].column is not None for m in parts)
    return attributes + (TIME_DIMENSIONS if dated else ())


def only_dimensions(name: str) -> tuple[str, ...]:
    """The dimensions the explorer's own filter offers for KPI `name`: those it can be broken
    down by that the sidebar's filters do not cover (campaign, industry, employee band,
    country; product for opportunities)."""
    return tuple(
        d for d in dimensions_for(name) if d not in GLOBAL_DIMENSIONS and d not in TIME_DIMENSIONS
    )


def check_only(name: str, only: Only) -> Only:
    """`only` when KPI `name` can be filtered by its dimensions, else ValueError."""
    allowed = only_dimensions(name)
    for dimension, _ in only:
        if dimension not in allowed:
            raise ValueError(
                f"{name!r} cannot be filtered by {dimension!r}: use one of {', '.join(allowed)}"
            )
    return only


def columns(name: str) -> tuple[str, ...]:
    """The value columns of `explore` for KPI `name`: the KPI, and for a ratio its n and
    Wilson 95 % bounds."""
    if isinstance(kpi(name).computation, Ratio):
        return (name, f"{name}_n", f"{name}_low", f"{name}_high")
    return (name,)


def check(name: str, dims: Sequence[str]) -> tuple[str, ...]:
    """`dims` as a tuple when KPI `name` can be broken down by them (at most two, distinct, at
    most one of month and quarter), else ValueError saying why."""
    chosen = tuple(dims)
    if len(chosen) > MAX_DIMENSIONS:
        raise ValueError(f"at most {MAX_DIMENSIONS} dimensions, not {len(chosen)}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"a dimension is repeated in {chosen!r}")
    allowed = dimensions_for(name)
    for dim in chosen:
        if dim not in allowed:
            raise ValueError(
                f"{name!r} cannot be broken down by {dim!r}: use one of {', '.join(allowed)}"
            )
    if sum(d in TIME_DIMENSIONS for d in chosen) > 1:
        raise ValueError("month and quarter cannot be combined")
    return chosen


def _bucket_range(
    con: Connection, selection: Selection, metric: str, only: Only = ()
) -> tuple[date, date] | None:
    """(first, last) day of the selected period; for all time, of the dates the KPI itself
    reads on the rows it counts (under the filters), so a metric whose data stops in 2017 is
    not drawn over years of other data. None when no such row has a date."""
    period, filters = period_and_filters(selection)
    if period.first_day is not None and period.end_day is not None:
        return period.first_day, period.end_day - timedelta(days=1)
    query = compile_records(metric, period, filters, only=only)
    column = registry.TIMES[measures(kpi(metric))[0].time].column
    view, alias = registry.MODEL_VIEWS[query.model]
    frame = store.query(
        con,
        f"SELECT (min({column}) AT TIME ZONE 'UTC')::DATE AS first, "
        f"(max({column}) AT TIME ZONE 'UTC')::DATE AS last "
        f"FROM {view} {alias} WHERE {query.condition}",
        query.params,
    )
    first, last = frame["first"].item(), frame["last"].item()
    return None if first is None or last is None else (first, last)


def explore(
    con: Connection,
    selection: Selection,
    metric: str,
    dims: tuple[str, ...],
    only: Only = (),
) -> pl.DataFrame:
    """KPI `metric` of the selected period, broken down by `dims` (none, one or two).

    One row per combination of dimension values with activity in the period (per month or
    quarter in the period for a time dimension: every bucket, quiet ones 0 for a count, and
    only the rows dated in the period, so for all time a record without a date is not counted
    there; a week is shown as its whole month or quarter). `only` keeps the records with those
    values (`compile.Only`, dimensions from `only_dimensions`). Columns: the dimensions (named
    after them; month and quarter as the bucket's first day, DATE), then `columns(metric)`.
    Rows are sorted by time when a time dimension is chosen, else by the KPI descending
    (missing last), then by the dimensions."""
    chosen = check(metric, dims)
    check_only(metric, only)
    period, filters = period_and_filters(selection)
    values = list(columns(metric))
    time = next((d for d in chosen if d in TIME_DIMENSIONS), None)
    if time is None:
        by = chosen[0] if len(chosen) == 1 else (chosen or None)
        frame = compile_periods([metric], [period], filters, by=by, only=only).run(con)
        return frame.select(*chosen, *values).sort(
            [metric, *chosen], descending=[True] + [False] * len(chosen), nulls_last=True
        )
    bucket: Bucket = "quarter" if time == "quarter" else "month"
    other = next((d for d in chosen if d != time), None)
    span = _bucket_range(con, selection, metric, only)
    if span is None:
        schema = {time: pl.Date} | ({other: pl.String} if other else {})
        return pl.DataFrame(schema=schema | {v: pl.Float64 for v in values})
    starts = bucket_starts(bucket, *span)
    frame = compile_series([metric], bucket, starts, filters, by=other, only=only).run(con)
    frame = frame.rename({"bucket": time})
    return frame.select(*chosen, *values).sort(list(chosen))


Cell = tuple[tuple[str, Any], ...]
"""One cell of the explorer's table: (dimension, value) for each chosen dimension (a month or
quarter as its first day); empty for the whole period."""


def numerator_column(metric: str) -> str | None:
    """The record column saying whether a ratio's numerator counts the row
    (`counted_as_sqls`), None for a measure."""
    computation = kpi(metric).computation
    return f"counted_as_{computation.numerator}" if isinstance(computation, Ratio) else None


def _record_query(
    selection: Selection, metric: str, cell: Cell, only: Only
) -> tuple[RecordQuery, dict[str, str]]:
    chosen = check(metric, [d for d, _ in cell])
    check_only(metric, only)
    period, filters = period_and_filters(selection)
    time = next((d for d in chosen if d in TIME_DIMENSIONS), None)
    bucket: Bucket | None = "quarter" if time == "quarter" else "month" if time else None
    query = compile_records(metric, period, filters, cell=cell, bucket=bucket, only=only)
    column = numerator_column(metric)
    extra = {column: query.numerator} if column and query.numerator else {}
    return query, extra


def cell_records(
    con: Connection,
    selection: Selection,
    metric: str,
    cell: Cell,
    *,
    page: int = 1,
    page_size: int = records.DEFAULT_PAGE_SIZE,
    only: Only = (),
) -> tuple[pl.DataFrame, int]:
    """One page of the records behind `cell` of KPI `metric`'s breakdown, and their count: the
    rows the KPI aggregates (for a ratio its denominator's, with `numerator_column` saying
    which the numerator counts), one row per lead or opportunity (`records.RECORD_COLUMNS`),
    newest first. The count equals the cell's value for a count and its n for a ratio."""
    query, extra = _record_query(selection, metric, cell, only)
    return records.record_page(
        con,
        query.model,
        query.condition,
        query.params,
        extra=extra,
        page=page,
        page_size=page_size,
    )


def cell_download(
    con: Connection, selection: Selection, metric: str, cell: Cell, only: Only = ()
) -> pl.DataFrame:
    """Every record behind `cell` (up to `records.MAX_DOWNLOAD_ROWS`), as `cell_records`."""
    query, extra = _record_query(selection, metric, cell, only)
    return records.records(con, query.model, query.condition, query.params, extra=extra)


def only_values(con: Connection, selection: Selection, metric: str, dimension: str) -> list[str]:
    """The values the explorer's own filter offers for `dimension`: those with activity for
    KPI `metric` in the selected period, the largest first (the order of `explore`)."""
    check_only(metric, ((dimension, ()),))
    return [str(v) for v in explore(con, selection, metric, (dimension,))[dimension].to_list()]
