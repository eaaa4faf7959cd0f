"""Conversion flag rate: the share of leads an export marks as converted, by a dimension.

For exports that carry a conversion flag but no stage dates (Salesforce `IsConverted`, X
Education's `Converted`), the funnel cannot be dated; this is the one conversion such a file
supports. Reads `lead_facts.is_converted` and `is_won` (a lead flagged won was converted too;
leads without a flag count as not converted), so the channel is the mapped one (`channel_map`)
and a map edit changes it without re-importing.
"""

from __future__ import annotations

import polars as pl

from alignment.db.store import Connection
from alignment.filters import DIMENSIONS
from alignment.metrics.compile import compile_periods
from alignment.metrics.dimensions import check_dimension
from alignment.metrics.registry import Kpi, Measure, Ratio
from alignment.periods import ALL_TIME, Period
from alignment.selection import Selection, period_and_filters

CONVERTED = Measure(
    "converted", "lead_created", where="coalesce(l.is_converted OR l.is_won, FALSE)"
)
"""Leads created in the period that are flagged converted or won."""

CONVERTED_SHARE = Kpi(
    "converted_share",
    "Converted share",
    "rate",
    "Share of the leads created in the period that are flagged converted or won.",
    computation=Ratio("converted", ("leads",), of="leads"),
)


def converted_share_by(
    con: Connection, by: str = "channel", selection: Selection | Period = ALL_TIME
) -> pl.DataFrame:
    """One row per value of `by` (a global filter dimension) over the leads created in the
    selected period (all leads, dated or not, for all time): `<by>`, leads, converted (leads
    flagged converted or won), converted_share = converted / leads, and its Wilson 95 % bounds
    converted_share_low / _high. Sorted by leads descending, then value. Compiled from the
    registry's `leads` and this module's `CONVERTED`."""
    check_dimension(by, DIMENSIONS)
    period, filters = period_and_filters(selection)
    frame = compile_periods(
        ["leads", CONVERTED, CONVERTED_SHARE], [period], filters, by=by, order=("leads DESC",)
    ).run(con)
    return frame.filter(pl.col("leads") > 0).select(
        by, "leads", "converted", "converted_share", "converted_share_low", "converted_share_high"
    )
