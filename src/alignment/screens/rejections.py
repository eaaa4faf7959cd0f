"""The Rejections page: the Pareto of reasons against the comparison period, the patterns in
words, the monthly reason shares, reason x dimension heatmaps and the records behind them, for
rejected leads or lost deals (`kind`), with standard or exported reasons (`level`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from alignment import periods
from alignment.db.store import Connection
from alignment.metrics import rejections
from alignment.metrics.compile import Bucket
from alignment.metrics.rejections import Kind, Level
from alignment.periods import Period
from alignment.present import sentences
from alignment.selection import Selection

TREND_MONTHS = 12
TREND_QUARTERS = 8
"""At most this many months in the reason-share trend, ending at the selected period."""
PAGE_SIZE = 50
DEFAULT_DIMENSION = "channel"


def pareto(con: Connection, selection: Selection, kind: Kind, level: Level) -> pl.DataFrame:
    """One row per reason: the period's and the comparison period's counts and shares."""
    return rejections.pareto(con, selection, kind=kind, level=level)


def patterns(con: Connection, selection: Selection, kind: Kind, level: Level) -> pl.DataFrame:
    """One row per over-represented reason by channel, segment or both, with its sentence."""
    found = rejections.patterns(con, selection, kind=kind, level=level)
    return sentences.with_pattern_sentences(found, kind)


def trend_window(
    period: Period, earliest: date | None, latest: date | None, today: date
) -> tuple[Period, int, Bucket]:
    """The trend's last month (quarter), how many it shows (at most `TREND_MONTHS` months or
    `TREND_QUARTERS` quarters ending at the selected period, not before the data's first; for
    all time the whole range) and the bucket: quarters for a quarter, months otherwise."""
    bucket: Bucket = "quarter" if period.grain == "quarter" else "month"
    count = TREND_QUARTERS if bucket == "quarter" else TREND_MONTHS
    end, shown = periods.trend_window(period, bucket, count, earliest, latest, today)
    return end, shown, bucket


def trend(
    con: Connection,
    selection: Selection,
    count: int,
    kind: Kind,
    level: Level,
    bucket: Bucket = "month",
) -> pl.DataFrame:
    """One row per month (quarter) x reason: the `count` buckets ending with the selected
    period's (the trend's last, see `trend_window`)."""
    return rejections.share_trend(con, selection, count, kind=kind, level=level, bucket=bucket)


def matrices(
    con: Connection, selection: Selection, dimensions: tuple[str, ...], kind: Kind, level: Level
) -> dict[str, pl.DataFrame]:
    """Per dimension, one row per value x reason (the heatmaps)."""
    return {
        d: rejections.reason_matrix(con, selection, d, kind=kind, level=level) for d in dimensions
    }


def heatmap_dimensions(dimension: str) -> tuple[str, str]:
    """The chosen dimension and the one shown beside it (segment, or channel for segment)."""
    return dimension, "segment" if dimension != "segment" else "channel"


def record_count(
    con: Connection, selection: Selection, kind: Kind, level: Level, reason: str | None
) -> int:
    """How many rejected leads (lost deals) the drill-down lists, for a reason or all."""
    return rejections.record_count(con, selection, kind=kind, level=level, reason=reason)


def records(
    con: Connection,
    selection: Selection,
    kind: Kind,
    level: Level,
    reason: str | None,
    page: int,
    page_size: int = PAGE_SIZE,
) -> pl.DataFrame:
    """One page (1-based) of the drill-down: one row per rejected lead (lost deal), newest
    first."""
    return rejections.records(
        con,
        selection,
        kind=kind,
        level=level,
        reason=reason,
        limit=page_size,
        offset=(page - 1) * page_size,
    )


def records_download(
    con: Connection, selection: Selection, kind: Kind, level: Level, reason: str | None
) -> pl.DataFrame:
    """Every record of the drill-down: one row per rejected lead (lost deal)."""
    return rejections.records(con, selection, kind=kind, level=level, reason=reason, limit=None)


def default_view(
    con: Connection,
    selection: Selection,
    *,
    earliest: date | None,
    latest: date | None,
    today: date,
    kind: Kind = "leads",
    level: Level = "standard",
) -> dict[str, Any]:
    """Everything the page shows: Pareto, patterns, trend, both heatmaps and the first page of
    the records."""
    end, count, bucket = trend_window(selection.period, earliest, latest, today)
    return {
        "pareto": pareto(con, selection, kind, level),
        "patterns": patterns(con, selection, kind, level),
        "trend": trend(con, selection.at(end), count, kind, level, bucket),
        "matrices": matrices(con, selection, heatmap_dimensions(DEFAULT_DIMENSION), kind, level),
        "record_count": record_count(con, selection, kind, level, None),
        "records": records(con, selection, kind, level, None, 1),
    }
