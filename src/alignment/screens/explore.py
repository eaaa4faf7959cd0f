"""The Explore page: a registry KPI by up to two dimensions, as a table (values written for
people), a chart chosen by shape, downloads of the numbers, and the records behind a cell. The
numbers are `metrics.explore.explore`, the records `metrics.explore.cell_records`; this module
names the choices and writes the table and captions."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from alignment.db.store import Connection
from alignment.metrics import explore as metrics
from alignment.metrics import registry
from alignment.metrics.compile import Only as Only
from alignment.present import explore_charts, format
from alignment.selection import Selection

NONE = ""
"""The dimension choice that means no breakdown (an empty query parameter)."""

METRICS: tuple[str, ...] = tuple(metrics.EXPLORABLE)
"""The measures offered: the Overview KPIs, then the pages' metrics the compiler computes."""

DEFAULT_METRIC = "mqls"
DEFAULT_DIMENSION = "channel"


def metric_label(name: str) -> str:
    """A measure's label in the selectbox: a page's metric says its page
    (`Cohort win rate · Channels`)."""
    entry, page = metrics.EXPLORABLE[name]
    return entry.label if page is None else f"{entry.label} · {page}"


def definition(name: str) -> str:
    """A measure's one-sentence definition."""
    return metrics.kpi(name).definition


def dimension_options(metric: str) -> list[str]:
    """The dimension choices for `metric`: none first, then what it can be broken down by."""
    return [NONE, *metrics.dimensions_for(metric)]


def dimension_label(dimension: str) -> str:
    """A dimension's label in the selectbox (`None` for no breakdown)."""
    return metrics.LABELS.get(dimension, dimension) if dimension else "None"


def chosen_dimensions(metric: str, first: str | None, second: str | None) -> tuple[str, ...]:
    """The breakdown the two selectboxes ask for: the non-empty choices `metric` supports,
    without repeats, and at most one of month and quarter (the first chosen wins)."""
    allowed = metrics.dimensions_for(metric)
    dims: list[str] = []
    for dim in (first, second):
        if not dim or dim not in allowed or dim in dims:
            continue
        if dim in metrics.TIME_DIMENSIONS and any(d in metrics.TIME_DIMENSIONS for d in dims):
            continue
        dims.append(dim)
    return tuple(dims)


def only_options(metric: str) -> list[str]:
    """The explorer's own filter choices for `metric`: none first, then the dimensions the
    sidebar's filters do not cover."""
    return [NONE, *metrics.only_dimensions(metric)]


def only_key(dimension: str) -> str:
    """The URL key of the values kept for the own filter on `dimension`
    (`explore_only_country`)."""
    return f"explore_only_{dimension}"


def only_values(con: Connection, selection: Selection, metric: str, dimension: str) -> list[str]:
    """The values offered for the own filter (see `metrics.explore.only_values`)."""
    return metrics.only_values(con, selection, metric, dimension)


def only_filter(metric: str, dimension: str | None, values: list[str]) -> Only:
    """The own filter the page asks for: nothing when no dimension or no value is chosen, or
    the dimension does not apply to `metric`."""
    if not dimension or not values or dimension not in metrics.only_dimensions(metric):
        return ()
    return ((dimension, tuple(values)),)


def only_text(only: Only) -> str:
    """`country: Germany, Canada` (empty for no filter)."""
    return "; ".join(
        f"{metrics.LABELS.get(d, d).lower()}: {', '.join(values)}" for d, values in only
    )


def table(
    con: Connection,
    selection: Selection,
    metric: str,
    dims: tuple[str, ...],
    only: Only = (),
) -> pl.DataFrame:
    """One row per combination of dimension values: the explorer's numbers (see `explore`),
    unformatted; also what the table downloads hold."""
    return metrics.explore(con, selection, metric, dims, only)


def display(frame: pl.DataFrame, metric: str, dims: tuple[str, ...]) -> pl.DataFrame:
    """`frame` (from `table`) for reading: dimension columns labelled (months as `Mar 2026`,
    quarters as `Q1 2026`), the value in its unit's format, for a ratio its n and 95 %
    interval. One row per input row."""
    kpi = metrics.kpi(metric)
    columns: dict[str, list[str]] = {}
    for dim in dims:
        columns[metrics.LABELS.get(dim, dim)] = [
            explore_charts.bucket_label(v, dim) for v in frame[dim].to_list()
        ]
    columns[kpi.label] = [format.value(kpi.unit, v) for v in frame[metric].to_list()]
    if f"{metric}_n" in frame.columns:
        columns["n"] = [format.count(v) for v in frame[f"{metric}_n"].to_list()]
        columns["95 % interval"] = [
            format.rate_interval(lo, hi)
            for lo, hi in zip(
                frame[f"{metric}_low"].to_list(), frame[f"{metric}_high"].to_list(), strict=True
            )
        ]
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def has_records(frame: pl.DataFrame, metric: str) -> pl.Series:
    """Which rows of `frame` (from `table`) the table lists: all, except for a rate the rows
    resting on no record (n = 0, no rate: a quiet month of a value), which only the chart's
    gaps and the downloads keep."""
    n = f"{metric}_n"
    if n not in frame.columns:
        return pl.Series("listed", [True] * frame.height, dtype=pl.Boolean)
    return (frame[n] > 0).fill_null(False).alias("listed")


def rows_caption(listed: int, total: int, metric: str, dims: tuple[str, ...]) -> str:
    """`24 rows. Pick a row to see the records behind it.`, saying how many rows with no
    record were left out."""
    text = f"{listed:,} {'row' if listed == 1 else 'rows'}."
    if total > listed:
        text += f" {total - listed:,} with no {records_noun(metric)} left out (in the downloads)."
    if dims and listed:
        text += " Pick a row to see the records behind it."
    return text


def title(metric: str, dims: tuple[str, ...], period_label: str, only: Only = ()) -> str:
    """`MQLs by Channel x Segment, March 2026` (`..., March 2026, country: Germany` with an own
    filter)."""
    by = " x ".join(metrics.LABELS.get(d, d) for d in dims)
    where = f", {only_text(only)}" if only else ""
    return f"{metric_label(metric)}{f' by {by}' if by else ''}, {period_label}{where}"


def chart(frame: pl.DataFrame, metric: str, dims: tuple[str, ...], heading: str) -> go.Figure:
    """The chart of the table (see `explore_charts.figure`)."""
    return explore_charts.figure(frame, metric, dims, heading)


def file_name(metric: str, dims: tuple[str, ...], period_key: str, extension: str = "csv") -> str:
    """`explore_mqls_by_channel_segment_2026-03.csv`."""
    by = f"_by_{'_'.join(dims)}" if dims else ""
    return f"explore_{metric}{by}_{period_key}.{extension}"


# ---- the records behind a cell ----------------------------------------------------------------
def cell_key(dimension: str) -> str:
    """The URL key of the records section's choice of a `dimension` value
    (`explore_cell_channel`): one per dimension, so a new breakdown starts from All."""
    return f"explore_cell_{dimension}"


def cell_options(frame: pl.DataFrame, dimension: str) -> list[Any]:
    """The values of `dimension` in the table (`table`), in its order, each once: what the
    records section offers, after All (None)."""
    return [None, *dict.fromkeys(frame[dimension].to_list())]


def cell_label(value: Any, dimension: str, masked: dict[str, str]) -> str:
    """A value in the records section's choice: All, a month `Mar 2026`, or a person's masked
    label when `masked` has one (`presenter.person_labels`)."""
    if value is None:
        return "All"
    if isinstance(value, str) and value in masked:
        return masked[value]
    return explore_charts.bucket_label(value, dimension)


def cell_of_row(frame: pl.DataFrame, row: int, dims: tuple[str, ...]) -> metrics.Cell:
    """The cell of row `row` (0-based) of the table: its value of each dimension."""
    values = frame.row(row, named=True)
    return tuple((dim, values[dim]) for dim in dims)


def records_noun(metric: str) -> str:
    """What a record of `metric` is: `leads` or `opportunities`."""
    return metrics.measures(metrics.kpi(metric))[0].model


def records(
    con: Connection,
    selection: Selection,
    metric: str,
    cell: metrics.Cell,
    page: int,
    size: int,
    only: Only = (),
) -> tuple[pl.DataFrame, int]:
    """One page of the records behind `cell` and their count (see `cell_records`); for a
    ratio the numerator's column comes right after the record's id, where it is seen."""
    frame, total = metrics.cell_records(
        con, selection, metric, cell, page=page, page_size=size, only=only
    )
    column = metrics.numerator_column(metric)
    if column is not None:
        frame = frame.select(frame.columns[0], column, pl.exclude(frame.columns[0], column))
    return frame, total


def records_download(
    con: Connection, selection: Selection, metric: str, cell: metrics.Cell, only: Only = ()
) -> pl.DataFrame:
    """Every record behind `cell`, unformatted, for the downloads."""
    return metrics.cell_download(con, selection, metric, cell, only)


def records_caption(
    metric: str, cell_text: str, period_label: str, total: int, page_size: int
) -> str:
    """What the record list holds: `MQLs, Channel: Email, March 2026: 12 leads, 50 per page,
    newest first.`; for a ratio, which records make its n and which column marks the
    numerator."""
    kpi = metrics.kpi(metric)
    noun = records_noun(metric)
    where = f", {cell_text}" if cell_text else ""
    text = (
        f"{kpi.label}{where}, {period_label}: {total:,} {noun}, {page_size} per page, newest first."
    )
    column = metrics.numerator_column(metric)
    if column is not None:
        computation = kpi.computation
        of = computation.of if isinstance(computation, registry.Ratio) else noun
        text += f" These are the rate's n ({of}); `{column}` marks those in its numerator."
    return text


def records_file_name(
    metric: str, cell: metrics.Cell, period_key: str, extension: str = "csv"
) -> str:
    """`explore_mqls_records_channel-Email_2026-03.csv` (values made safe for a file name)."""
    parts = "".join(
        f"_{dim}-{_file_safe(explore_charts.bucket_label(value, dim))}" for dim, value in cell
    )
    return f"explore_{metric}_records{parts}_{period_key}.{extension}"


def _file_safe(text: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-." else "-" for c in text).strip("-")
    return safe[:40] or "value"
