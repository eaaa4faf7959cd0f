"""The SLA page: the scorecard of every commitment, where touches come from, the response-time
distribution, within-SLA shares by week / team / owner, the monthly volume, conversion and
documentation against their targets, and the breach list; and the Overview's SLA row."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from alignment import clock, periods
from alignment.db.store import Connection
from alignment.metrics import overview, sla
from alignment.periods import Period
from alignment.selection import Selection

TREND_MONTHS = 12
"""Months in the volume / conversion / documentation charts, ending with the period's."""

OVERVIEW_ROW: tuple[str, ...] = ("response_time", "attempts", "documentation")
"""The commitments the Overview's compact SLA row shows (the volume and conversion ones go on
its KPI tiles as targets)."""


def scorecard(con: Connection, selection: Selection) -> dict[str, Any]:
    """`scorecard` (one row per commitment), `distribution` (the response-time histogram of
    the period: `bins`, one row per tier and bin, and its `edges`), `maturity` (whether the
    period's MQL cohort is still maturing: its MQL -> SQL will still rise), `summary` (the
    response and attempt counts, median and p90 hours), `source` (where touches come from) and
    `contract` (the terms judging the period)."""
    card, summary = sla.review(con, selection)
    contract = sla.contract_for_period(con, selection.period, clock.today())
    edges = sla.histogram_edges(contract)
    return {
        "scorecard": card,
        "distribution": {"bins": sla.histogram_frame(summary["histogram"], edges), "edges": edges},
        "maturity": overview.cohort_maturity(con, selection.alone),
        "summary": summary,
        "source": sla.touch_source(con),
        "contract": contract,
    }


def distribution(con: Connection, selection: Selection) -> dict[str, Any]:
    """The response-time histogram (`bins`: one row per tier and bin) and its `edges`."""
    bins, edges = sla.response_histogram(con, selection)
    return {"bins": bins, "edges": edges}


def breakdown(con: Connection, selection: Selection, by: str) -> pl.DataFrame:
    """Within-SLA and attempt shares, one row per value of `by` (week, team, owner, ...)."""
    return sla.response_by(con, selection, by)


def trend_months(period: Period, today: date) -> list[date]:
    """The months of the target charts: `TREND_MONTHS` ending with the period's last month
    (today's for all time)."""
    return periods.month_starts(period, TREND_MONTHS, today)


def span_label(months: pl.DataFrame) -> str:
    """`Dec 2025 – Nov 2026`: the months a frame of `monthly` covers."""
    if months.is_empty():
        return ""
    return f"{months['bucket'][0]:%b %Y} – {months['bucket'][-1]:%b %Y}"


def monthly(con: Connection, selection: Selection) -> pl.DataFrame:
    """One row per month of `trend_months`: MQLs, MQL -> SQL and documentation against their
    targets, with the current month's pace."""
    return sla.monthly(con, selection, trend_months(selection.period, clock.today()))


def breaches(
    con: Connection, selection: Selection, commitment: str, page: int, page_size: int
) -> tuple[pl.DataFrame, int]:
    """One page of the leads breaching `commitment`, open breaches first, and the total."""
    return sla.breaches(con, selection, commitment, page=page, page_size=page_size)


def overview_targets(
    con: Connection, selection: Selection, counts: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What the Overview shows of the SLA: `scorecard` (every commitment: its KPI tiles take
    the MQL volume and MQL -> SQL rows as targets), `row` (the `OVERVIEW_ROW` commitments, its
    compact SLA row) and `contract` (the terms judging the period). `counts`: the scorecard's
    registry counts when the caller compiled them (see `metrics.sla.review`)."""
    card, _ = sla.review(con, selection, counts=counts, histogram=False)  # no histogram shown
    return {
        "scorecard": card,
        "row": card.filter(pl.col("commitment").is_in(OVERVIEW_ROW)),
        "contract": sla.contract_for_period(con, selection.period, clock.today()),
    }


def default_view(con: Connection, selection: Selection) -> dict[str, Any]:
    """Everything the page computes on first view: the scorecard (with the response-time
    distribution) and the monthly targets; the breakdowns and the breach list are computed when
    their sections are opened."""
    return {"scorecard": scorecard(con, selection), "monthly": monthly(con, selection.alone)}


def breach_download(con: Connection, selection: Selection, commitment: str) -> pl.DataFrame:
    """Every lead breaching `commitment` in the period (for the CSV download)."""
    return sla.breaches(con, selection, commitment, page_size=0)[0]
