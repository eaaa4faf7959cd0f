"""Conversion flag rate: the share of leads an export marks as converted, by a dimension.

For exports that carry a conversion flag but no stage dates (Salesforce `IsConverted`, X
Education's `Converted`), the funnel cannot be dated; this is the one conversion such a file
supports. Reads `lead_facts.is_converted` and `is_won` (a lead flagged won was converted too;
leads without a flag count as not converted), so the channel is the mapped one (`channel_map`)
and a map edit changes it without re-importing.
"""

from __future__ import annotations

import polars as pl

from alignment import stats
from alignment.db import store
from alignment.db.store import Connection, quote_identifier
from alignment.filters import DIMENSIONS, NO_FILTERS, Filters
from alignment.periods import ALL_TIME, Period, between_sql


def converted_share_by(
    con: Connection,
    by: str = "channel",
    period: Period = ALL_TIME,
    filters: Filters = NO_FILTERS,
) -> pl.DataFrame:
    """One row per value of `by` (a dimension of `models.DIMENSIONS`) over the leads created in
    `period` (all leads, dated or not, for all time): `<by>`, leads, converted (leads flagged
    converted or won), converted_share = converted / leads, and its Wilson 95 % bounds
    converted_share_low / _high. Sorted by leads descending, then value."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}: use one of {', '.join(DIMENSIONS)}")
    column = quote_identifier(by)
    created, created_params = between_sql("l.created_at", period)
    where, where_params = filters.where("l")
    low, high = stats.wilson_sql("converted", "leads")
    sql = f"""
    WITH counts AS (
      SELECT l.{column} AS k, count(*) AS leads,
             count(*) FILTER (WHERE coalesce(l.is_converted OR l.is_won, FALSE)) AS converted
      FROM lead_facts l
      WHERE {created} AND {where}
      GROUP BY 1
    )
    SELECT k AS {column}, leads, converted,
           converted::DOUBLE / nullif(leads, 0) AS converted_share,
           {low} AS converted_share_low, {high} AS converted_share_high
    FROM counts
    ORDER BY leads DESC, k
    """
    return store.query(con, sql, [*created_params, *where_params])
