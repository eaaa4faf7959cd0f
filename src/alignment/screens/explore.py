"""The Explore page: a registry KPI by up to two dimensions, as a table (values written for
people), a chart chosen by shape and a CSV of the numbers. The numbers are
`metrics.explore.explore`; this module names the choices and writes the table."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from alignment.db.store import Connection
from alignment.metrics import explore as metrics
from alignment.metrics import registry
from alignment.present import explore_charts, format
from alignment.selection import Selection

NONE = ""
"""The dimension choice that means no breakdown (an empty query parameter)."""

METRICS: tuple[str, ...] = tuple(registry.KPIS)
"""The measures offered, in registry order."""

DEFAULT_METRIC = "mqls"
DEFAULT_DIMENSION = "channel"


def metric_label(name: str) -> str:
    """A measure's label in the selectbox."""
    return registry.KPIS[name].label


def definition(name: str) -> str:
    """A measure's one-sentence definition."""
    return registry.KPIS[name].definition


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


def table(
    con: Connection, selection: Selection, metric: str, dims: tuple[str, ...]
) -> pl.DataFrame:
    """One row per combination of dimension values: the explorer's numbers (see `explore`)."""
    return metrics.explore(con, selection, metric, dims)


def download(
    con: Connection, selection: Selection, metric: str, dims: tuple[str, ...]
) -> pl.DataFrame:
    """The table's numbers for the CSV download (one row per combination, unformatted)."""
    return table(con, selection, metric, dims)


def display(frame: pl.DataFrame, metric: str, dims: tuple[str, ...]) -> pl.DataFrame:
    """`frame` (from `table`) for reading: dimension columns labelled (months as `Mar 2026`,
    quarters as `Q1 2026`), the value in its unit's format, for a ratio its n and 95 %
    interval. One row per input row."""
    kpi = registry.KPIS[metric]
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


def title(metric: str, dims: tuple[str, ...], period_label: str) -> str:
    """`MQLs by Channel x Segment, March 2026`."""
    by = " x ".join(metrics.LABELS.get(d, d) for d in dims)
    return f"{metric_label(metric)}{f' by {by}' if by else ''}, {period_label}"


def chart(frame: pl.DataFrame, metric: str, dims: tuple[str, ...], heading: str) -> go.Figure:
    """The chart of the table (see `explore_charts.figure`)."""
    return explore_charts.figure(frame, metric, dims, heading)


def file_name(metric: str, dims: tuple[str, ...], period_key: str) -> str:
    """`explore_mqls_by_channel_segment_2026-03.csv`."""
    by = f"_by_{'_'.join(dims)}" if dims else ""
    return f"explore_{metric}{by}_{period_key}.csv"
