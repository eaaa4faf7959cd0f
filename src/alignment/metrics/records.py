"""Drill-down to records: the lead or opportunity rows behind a number, one page at a time or
all of them for a download.

Callers pass a trusted SQL condition over `lead_facts l` or `opp_facts o` with its bound
parameters (for the Funnel page, `metrics.funnel.cell_condition`; for the explorer,
`compile.compile_records`), so the rows listed are exactly the rows counted.
Frames come back unmasked: pages mask names and e-mails in presenter mode
(`state.personal_data`) and make downloads spreadsheet-safe (`export.safe_csv`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from alignment.db import store
from alignment.db.store import Connection
from alignment.metrics.registry import MODEL_VIEWS
from alignment.sql import quote_identifier

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

OPP_RECORD_COLUMNS: tuple[str, ...] = (
    "opp_id",
    "name",
    "account",
    "channel",
    "segment",
    "region",
    "owner",
    "product",
    "stage",
    "outcome",
    "amount",
    "currency",
    "created_at",
    "closed_at",
    "lost_reason",
)
"""The columns of an opportunity record list, in order."""

RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": LEAD_RECORD_COLUMNS,
    "opportunities": OPP_RECORD_COLUMNS,
}

_ORDERS: dict[str, str] = {
    "leads": "l.reached_lead_at DESC NULLS LAST, l.lead_id",
    "opportunities": "o.created_at DESC NULLS LAST, o.opp_id",
}

DEFAULT_PAGE_SIZE = 50
MAX_DOWNLOAD_ROWS = 1_000_000
"""A download holds at most this many rows (the page says so when the list is longer)."""


def _select(model: str, extra: dict[str, str]) -> str:
    """The select list and source of a record list of `model`, with `extra` (column name ->
    SQL expression over the model's alias) after the record columns."""
    view, alias = MODEL_VIEWS[model]
    columns = [f"{alias}.{c}" for c in RECORD_COLUMNS[model]]
    columns += [f"{sql} AS {quote_identifier(name)}" for name, sql in extra.items()]
    return f"SELECT {', '.join(columns)} FROM {view} {alias}"


def record_page(
    con: Connection,
    model: str,
    condition: str,
    params: dict[str, Any],
    *,
    extra: dict[str, str] | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> tuple[pl.DataFrame, int]:
    """One page (1-based) of the `model` rows (`leads` or `opportunities`) matching
    `condition`, newest first, and the total count. One row per lead (opportunity) with
    `RECORD_COLUMNS[model]`, then the `extra` columns; a page past the end is empty."""
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    view, alias = MODEL_VIEWS[model]
    total = int(store.scalar(con, f"SELECT count(*) FROM {view} {alias} WHERE {condition}", params))
    frame = store.query(
        con,
        f"{_select(model, extra or {})} WHERE {condition} ORDER BY {_ORDERS[model]} "
        "LIMIT $page_limit OFFSET $page_offset",
        {**params, "page_limit": page_size, "page_offset": (page - 1) * page_size},
    )
    return frame, total


def records(
    con: Connection,
    model: str,
    condition: str,
    params: dict[str, Any],
    *,
    extra: dict[str, str] | None = None,
    limit: int = MAX_DOWNLOAD_ROWS,
) -> pl.DataFrame:
    """Every `model` row matching `condition` (up to `limit`), newest first, for a download:
    one row per lead (opportunity) with `RECORD_COLUMNS[model]`, then the `extra` columns."""
    return store.query(
        con,
        f"{_select(model, extra or {})} WHERE {condition} ORDER BY {_ORDERS[model]} "
        "LIMIT $page_limit",
        {**params, "page_limit": limit},
    )


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
    return record_page(con, "leads", condition, params, page=page, page_size=page_size)


def lead_records(
    con: Connection, condition: str, params: dict[str, Any], *, limit: int = MAX_DOWNLOAD_ROWS
) -> pl.DataFrame:
    """Every lead matching `condition` (up to `limit`), newest first: one row per lead with
    `LEAD_RECORD_COLUMNS`, for a download."""
    return records(con, "leads", condition, params, limit=limit)
