"""The SQL page: a console query's answer (its rows or the reason it was refused), the schema
browser's table and the example queries, over the read-only sandbox of `metrics.sql_console`."""

from __future__ import annotations

import os
from dataclasses import dataclass

import polars as pl

from alignment.db import store
from alignment.metrics import sql_console
from alignment.metrics.sql_console import EXAMPLES as EXAMPLES
from alignment.metrics.sql_console import MEMORY_LIMIT as MEMORY_LIMIT
from alignment.metrics.sql_console import ROW_LIMIT as ROW_LIMIT
from alignment.metrics.sql_console import SECONDS as SECONDS
from alignment.metrics.sql_console import Result as Result

Source = str | os.PathLike[str] | store.Database


@dataclass(frozen=True)
class Answer:
    """What the page shows for one Run: the result, or the refusal (one sentence)."""

    result: Result | None = None
    refusal: str | None = None


def answer(
    source: Source, query: str, *, row_limit: int = ROW_LIMIT, seconds: float = SECONDS
) -> Answer:
    """Run a console query (at most `row_limit` rows, one per result row), or say why not."""
    try:
        return Answer(result=sql_console.run(source, query, row_limit=row_limit, seconds=seconds))
    except sql_console.Refused as refused:
        return Answer(refusal=str(refused))


def schema_table(con: store.Connection) -> pl.DataFrame:
    """The schema browser: one row per table and view (name, kind, rows, columns) of the
    database `con` reads (the page caches it per data version)."""
    return sql_console.schema(con)


def limits_text(row_limit: int = ROW_LIMIT, seconds: float = SECONDS) -> str:
    """The console's limits as the page states them."""
    return (
        f"Read-only. At most {row_limit:,} rows are returned, and a query is stopped after "
        f"{seconds:g} s or when it needs more than {MEMORY_LIMIT} of memory. One statement at "
        "a time: SELECT, WITH, VALUES, DESCRIBE, SHOW or SUMMARIZE over the tables and views "
        "below; no files, no settings, no writes."
    )
