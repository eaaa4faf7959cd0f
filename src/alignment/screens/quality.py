"""The Data quality page (checks over everything imported, the records behind each) and the
trust notes that the Overview and Funnel show beside the KPIs the issues touch."""

from __future__ import annotations

from typing import Any

import polars as pl

from alignment.db.store import Connection
from alignment.metrics import quality
from alignment.periods import Period
from alignment.present import sentences
from alignment.selection import Selection, selection_of

PAGE_SIZE = quality.PAGE_SIZE


def trust_notes(con: Connection, selection: Selection | Period) -> dict[str, str]:
    """One sentence per KPI whose number data-quality issues put in doubt (KPI name -> text)."""
    counts = quality.trust_counts(con, selection)
    return sentences.trust_notes(counts, selection_of(selection).period)


def checks(con: Connection) -> pl.DataFrame:
    """One row per data-quality check: name, label, description, count, unit, share, total."""
    return quality.check_counts(con)


def check_rows(con: Connection, name: str, page: int, page_size: int = PAGE_SIZE) -> pl.DataFrame:
    """One page (1-based) of the records behind a check: one row per record."""
    return quality.check_rows(con, name, page=page, page_size=page_size)


def check_download(con: Connection, name: str) -> pl.DataFrame:
    """Every record behind a check (up to the download limit): one row per record."""
    return quality.check_download(con, name)


def has_data(counts: pl.DataFrame) -> bool:
    """Whether there is anything to check: a record in any table the checks read (the map
    check counts values, not records)."""
    totals = counts.filter(pl.col("name") != "unmapped_values")["total"].fill_null(0)
    return bool(totals.sum())


def first_check(counts: pl.DataFrame) -> str | None:
    """The check the page opens on: the first one that found something (None when all pass)."""
    found = counts.filter(pl.col("count") > 0)["name"].to_list()
    return found[0] if found else None


def default_view(con: Connection) -> dict[str, Any]:
    """Everything the page's default view shows: the checks' counts and the first page of the
    records behind the first check that found something."""
    counts = checks(con)
    name = first_check(counts) if has_data(counts) else None
    rows = check_rows(con, name, 1) if name else None
    return {"checks": counts, "rows": rows}
