"""The Funnel: the cohort funnel and the period flow, conversion by a dimension (the default
view), then, each computed when its section is opened: the cohort trend, time to convert, lead
acceptance, lead-score bands and the leads behind a number."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from alignment import periods
from alignment.db.store import Connection
from alignment.metrics import funnel, records
from alignment.metrics.dimensions import FUNNEL_DIMENSIONS
from alignment.periods import Period
from alignment.screens import quality
from alignment.selection import Selection

DEFAULT_DIMENSION = FUNNEL_DIMENSIONS[0]
TREND_COHORTS = {"month": 12, "quarter": 8}
"""At most this many cohorts in the trend, by its grain."""


def cohort(
    con: Connection, selection: Selection, first_stage: str, window_days: int | None
) -> dict[str, Any]:
    """The cohort funnel (`stages`: one row per stage) and whether the cohort is still
    maturing (`maturity`)."""
    return {
        "stages": funnel.stage_funnel(
            con, selection, view="cohort", first_stage=first_stage, window_days=window_days
        ),
        "maturity": funnel.maturity(
            con, selection, first_stage=first_stage, window_days=window_days
        ),
    }


def flow(con: Connection, selection: Selection, first_stage: str) -> pl.DataFrame:
    """One row per stage: the period's stage entries and their flow ratios."""
    return funnel.stage_funnel(con, selection, view="flow", first_stage=first_stage)


def by_dimension(
    con: Connection,
    selection: Selection,
    dimension: str,
    view: str,
    first_stage: str,
    window_days: int | None,
) -> pl.DataFrame:
    """One row per step and value of `dimension`, with n and Wilson intervals."""
    return funnel.conversion_by_dimension(
        con,
        selection,
        dimension=dimension,
        view=view,
        first_stage=first_stage,
        window_days=window_days,
    )


def trend_window(
    period: Period, grain: str, earliest: date | None, latest: date | None, today: date
) -> tuple[Period, int]:
    """The trend's last cohort and how many it shows: at most `TREND_COHORTS[grain]` ending at
    the selected period, not before the data's first; for all time the data's whole range."""
    if grain not in TREND_COHORTS:
        raise ValueError(f"a trend is by month or quarter, not {grain!r}")
    return periods.trend_window(period, grain, TREND_COHORTS[grain], earliest, latest, today)  # type: ignore[arg-type]


def trend(
    con: Connection,
    selection: Selection,
    count: int,
    grain: str,
    first_stage: str,
    window_days: int | None,
) -> pl.DataFrame:
    """One row per cohort and step: `count` cohorts of `grain` ending with the selected period
    (the trend's last cohort, see `trend_window`)."""
    return funnel.step_trend(
        con,
        selection,
        grain=grain,
        count=count,
        first_stage=first_stage,
        window_days=window_days,
    )


def time_to_convert(
    con: Connection,
    selection: Selection,
    from_stage: str,
    to_stage: str,
    dimension: str,
) -> dict[str, Any]:
    """Days between two stages: `overall` (one row as a dict: n, median, p75, p90), and, when
    any lead converted, `by` (one row per value of `dimension`) and `histogram` (one row per
    bin); else those two are None."""
    overall = funnel.time_to_convert(con, selection, from_stage=from_stage, to_stage=to_stage).row(
        0, named=True
    )
    if not overall["n"]:
        return {"overall": overall, "by": None, "histogram": None}
    return {
        "overall": overall,
        "by": funnel.time_to_convert(
            con, selection, from_stage=from_stage, to_stage=to_stage, by=dimension
        ),
        "histogram": funnel.time_to_convert_histogram(
            con, selection, from_stage=from_stage, to_stage=to_stage
        ),
    }


def acceptance(con: Connection, selection: Selection, dimension: str) -> dict[str, Any]:
    """Lead acceptance of the period's MQLs: `overall` (one row as a dict), `by` (one row per
    value of `dimension`) and the SLA `target` (a share)."""
    return {
        "overall": funnel.lead_acceptance(con, selection).row(0, named=True),
        "by": funnel.lead_acceptance(con, selection, by=dimension),
        "target": funnel.acceptance_target(con),
    }


def score(con: Connection, selection: Selection) -> dict[str, Any]:
    """Lead scores of the period's leads: `range` (scored leads, lowest, highest) and, when any
    lead has a score, `bands` (one row per score band; else None)."""
    scored, lowest, highest = funnel.score_range(con, selection)
    bands = funnel.score_bands(con, selection) if scored else None
    return {"range": (scored, lowest, highest), "bands": bands}


def whatif(con: Connection, selection: Selection, threshold: float) -> dict[str, Any]:
    """MQL volume and expected MQL -> SQL for an MQL score threshold."""
    return funnel.score_threshold_whatif(con, selection, threshold=float(threshold))


def lead_records(
    con: Connection, cell: funnel.Cell, page: int, page_size: int
) -> tuple[pl.DataFrame, int]:
    """One page of the leads behind a funnel cell (one row per lead, newest first) and how many
    there are in all."""
    condition, params = funnel.cell_condition(cell)
    return records.lead_page(con, condition, params, page=page, page_size=page_size)


def lead_download(con: Connection, cell: funnel.Cell) -> pl.DataFrame:
    """Every lead behind a funnel cell (up to the download limit): one row per lead."""
    condition, params = funnel.cell_condition(cell)
    return records.lead_records(con, condition, params)


def default_view(
    con: Connection,
    selection: Selection,
    *,
    first_stage: str = funnel.DEFAULT_FIRST_STAGE,
    window_days: int | None = None,
    view: str = "cohort",
    dimension: str = DEFAULT_DIMENSION,
) -> dict[str, Any]:
    """Everything the page shows before a section is opened: both funnels, the maturity, the
    trust notes and the conversion by the dimension."""
    return {
        "cohort": cohort(con, selection, first_stage, window_days),
        "flow": flow(con, selection, first_stage),
        "trust": quality.trust_notes(con, selection),
        "by_dimension": by_dimension(con, selection, dimension, view, first_stage, window_days),
    }
