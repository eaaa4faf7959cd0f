"""The Channels page: the channel table for the chosen view and breakdown, laid out for
reading (formatted values, labelled columns), two channels' win rates compared in words, and
the series behind the charts over time (by quarter for a quarter, by month otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from alignment import periods
from alignment.db.store import Connection
from alignment.metrics import channels
from alignment.metrics.compile import Bucket
from alignment.metrics.dimensions import DIMENSION_LABELS
from alignment.periods import Period
from alignment.present import format, sentences
from alignment.selection import Selection

TOO_FEW = "too few to tell"
NO_CLOSED = "no closed deals"
VIEW_TEXT: dict[str, str] = {
    "period": "deals closed in the period",
    "cohort": "deals created in the period (open deals shown as open)",
}
"""What each view of `channels.VIEWS` counts, in the page's words (its help and caption)."""


def table(
    con: Connection, selection: Selection | Period, view: str, by: str = "channel"
) -> pl.DataFrame:
    """`channels.channel_table` (one row per value of `by`)."""
    return channels.channel_table(con, selection, view=view, by=by)


def display(rows: pl.DataFrame, by: str) -> pl.DataFrame:
    """`rows` (one row per value, from `table`) as text columns for the page, same order."""

    def text(column: str, writer: Callable[[object], str]) -> list[str]:
        return [writer(v) for v in rows[column].to_list()]

    return pl.DataFrame(
        {
            DIMENSION_LABELS[by]: rows[by].to_list(),
            "MQLs": text("mqls", format.count),
            "MQL → SQL": text("mql_to_sql", format.rate),
            "Opps created": text("opps_created", format.count),
            "Won": text("won", format.count),
            "Lost": text("lost", format.count),
            "Open": text("open", format.count),
            "Win rate": [
                NO_CLOSED
                if not n
                else f"{format.rate(r)} (n = {n:,}, {format.rate_interval(lo, hi)})"
                + (f" · {TOO_FEW}" if few else "")
                for r, n, lo, hi, few in rows.select(
                    "win_rate", "win_rate_n", "win_rate_low", "win_rate_high", "too_few"
                ).iter_rows()
            ],
            "Avg deal": text("avg_deal_size", format.currency),
            "Median deal": text("median_deal_size", format.currency),
            "Sales cycle": text("sales_cycle", format.days),
            "Pipeline": text("pipeline_created", format.currency),
            "Won revenue": text("won_revenue", format.currency),
            "Marketing-sourced": ["yes" if m else "no" for m in rows["marketing_sourced"]],
            "Velocity / day": text("velocity", format.currency),
            "Spend": text("spend", format.currency),
            "CAC": text("cac", format.currency),
            "Cost per MQL": text("cost_per_mql", format.currency),
            "ROI": text("roi", format.rate),
        },
        schema_overrides={DIMENSION_LABELS[by]: pl.String},
    )


def comparison(
    con: Connection,
    selection: Selection | Period,
    a: str,
    b: str,
    view: str,
    by: str,
    names: tuple[str, str] | None = None,
) -> str:
    """Two values' win rates and the two-proportion test, in one sentence; `names` writes the
    two values otherwise (masked people's names on a shared screen)."""
    result = channels.compare(con, selection, a, b, view, by=by)
    if names is not None:
        result = {**result, "a": names[0], "b": names[1]}
    return sentences.channel_comparison(result)


TREND_COUNTS: dict[Bucket, int] = {"month": 12, "quarter": 8}
"""How many months (quarters) the charts over time show at most."""


def trend_bucket(period: Period) -> Bucket:
    """Quarters for a quarter (the quarterly review compares quarters), months otherwise."""
    return "quarter" if period.grain == "quarter" else "month"


def trend_window(
    period: Period, earliest: date | None, latest: date | None, today: date
) -> tuple[Period, int, Bucket]:
    """The charts over time for the selected period: their last month (quarter), how many they
    show (at most `TREND_COUNTS`, not before the data's first; all time: the whole range) and
    the bucket."""
    bucket = trend_bucket(period)
    end, count = periods.trend_window(period, bucket, TREND_COUNTS[bucket], earliest, latest, today)
    return end, count, bucket


def series(
    con: Connection, selection: Selection, bucket: Bucket, count: int, by: str = "channel"
) -> dict[str, pl.DataFrame]:
    """The charts over time, `count` buckets ending with the selection's period: "by_value"
    (one row per bucket and value of `by`: pipeline, won revenue, spend) and "share" (one row
    per bucket: the marketing-sourced share of pipeline)."""
    by_value = channels.channel_series(con, selection, bucket, count, by=by)
    return {"by_value": by_value, "share": channels.marketing_share_series(by_value)}


def default_view(
    con: Connection,
    selection: Selection,
    *,
    earliest: date | None,
    latest: date | None,
    today: date,
) -> dict[str, object]:
    """Everything the page computes when it opens (period view, by channel): the table, its
    display, the first two channels compared, and the series over time."""
    rows = table(con, selection, "period", "channel")
    shown: dict[str, object] = {"rows": rows, "display": display(rows, "channel")}
    values = rows["channel"].to_list()
    if len(values) >= 2:
        shown["comparison"] = comparison(con, selection, values[0], values[1], "period", "channel")
    end, count, bucket = trend_window(selection.period, earliest, latest, today)
    shown["series"] = series(con, selection.alone.at(end), bucket, count, "channel")
    return shown
