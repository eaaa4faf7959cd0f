"""Drill-down to records: the lead rows behind a number, one page at a time or all of them for
a download.

Callers pass a trusted SQL condition over `lead_facts l` with its bound parameters (for the
Funnel page, `metrics.funnel.cell_condition`), so the rows listed are exactly the rows counted.
Frames come back unmasked: pages mask names and e-mails in presenter mode
(`state.personal_data`) and make downloads spreadsheet-safe (`export.safe_csv`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from alignment.db import store
from alignment.db.store import Connection

LEAD_RECORD_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "name",
    "email",
    "company",
    "channel",
    "campaign",
    "segment",
    "region",
    "owner",
    "score",
    "created_at",
    "mql_at",
    "sal_at",
    "sql_at",
    "opp_at",
    "won_at",
    "rejected_at",
    "rejection_reason",
)
"""The columns of a lead record list, in order."""

DEFAULT_PAGE_SIZE = 50
MAX_DOWNLOAD_ROWS = 1_000_000
"""A download holds at most this many rows (the page says so when the list is longer)."""

_ORDER = "l.reached_lead_at DESC NULLS LAST, l.lead_id"


def lead_count(con: Connection, condition: str, params: dict[str, Any]) -> int:
    """How many leads match `condition`."""
    return int(store.scalar(con, f"SELECT count(*) FROM lead_facts l WHERE {condition}", params))


def lead_page(
    con: Connection,
    condition: str,
    params: dict[str, Any],
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> tuple[pl.DataFrame, int]:
    """One page (1-based) of the leads matching `condition`, newest first, and the total count.

    The frame has one row per lead with `LEAD_RECORD_COLUMNS`; a page past the end is empty."""
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    total = lead_count(con, condition, params)
    frame = store.query(
        con,
        f"SELECT {', '.join('l.' + c for c in LEAD_RECORD_COLUMNS)} FROM lead_facts l "
        f"WHERE {condition} ORDER BY {_ORDER} LIMIT $page_limit OFFSET $page_offset",
        {**params, "page_limit": page_size, "page_offset": (page - 1) * page_size},
    )
    return frame, total


def lead_records(
    con: Connection, condition: str, params: dict[str, Any], *, limit: int = MAX_DOWNLOAD_ROWS
) -> pl.DataFrame:
    """Every lead matching `condition` (up to `limit`), newest first: one row per lead with
    `LEAD_RECORD_COLUMNS`, for a download."""
    return store.query(
        con,
        f"SELECT {', '.join('l.' + c for c in LEAD_RECORD_COLUMNS)} FROM lead_facts l "
        f"WHERE {condition} ORDER BY {_ORDER} LIMIT $page_limit",
        {**params, "page_limit": limit},
    )
