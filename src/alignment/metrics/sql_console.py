"""The read-only SQL console: what a typed query may do (`check`), running it in a sandbox with a
row limit and a time limit (`run`), the schema browser's data (`schema`) and the example queries.

Two defences, either of which stops a harmful query on its own:
1. `check` parses the query (DuckDB's parser for the statements and their kind, then sqlglot in
   the DuckDB dialect for everything inside) and refuses anything but one SELECT / WITH
   / VALUES / DESCRIBE / SHOW / SUMMARIZE statement: no writes, no ATTACH, INSTALL, LOAD, COPY,
   EXPORT, SET, PRAGMA, CALL..., no function that reads files or the network (`read_csv`,
   `glob`, ...), and no table name that looks like a file (`FROM '/etc/passwd'`).
2. `run` executes on a connection of its own: an in-memory DuckDB that attaches the database file
   READ_ONLY, then disables external access and locks its configuration. So a case `check`
   misses can neither write the database nor read or write any other file. (Opening the file
   itself with those settings is refused by DuckDB while the app's handle has it open with
   others in the same process; attaching it is not.) It also caps the query's memory
   (`MEMORY_LIMIT`, no spilling to disk) and threads (`THREADS`), so one console query cannot
   starve the app.
"""

from __future__ import annotations

import os
import re
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from alignment.db import schema as db_schema
from alignment.db import store
from alignment.sql import quote_literal

ROW_LIMIT = 10_000
"""Rows a console query returns at most (more are cut, and the result says so)."""
SECONDS = 10.0
"""Seconds a console query may run before it is interrupted."""
MEMORY_LIMIT = "1 GiB"
"""Memory a console query may use (DuckDB's `memory_limit` of the sandbox): past it the query
fails with a message, so one query cannot take the memory of the app serving everyone."""
THREADS = 1
"""Threads a console query runs on: on a small shared server (2 cores) it leaves the other
cores to the app's own pages."""
SANDBOX_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    **store.CONNECT_CONFIG,
    "memory_limit": MEMORY_LIMIT,
    "threads": THREADS,
    "temp_directory": "",
}
"""The sandbox connection's settings, fixed before its configuration is locked. No temporary
directory: a query over the memory limit fails instead of spilling to the server's disk (which
would both write files and let one query fill the disk)."""

ALLOWED = "SELECT, WITH, VALUES, DESCRIBE, SHOW or SUMMARIZE"

REFUSED_KEYWORDS = frozenset(
    {
        "ALTER", "ANALYZE", "ATTACH", "BEGIN", "CALL", "CHECKPOINT", "COMMENT", "COMMIT", "COPY",
        "CREATE", "DEALLOCATE", "DELETE", "DETACH", "DROP", "EXECUTE", "EXPORT", "FORCE",
        "GRANT", "IMPORT", "INSERT", "INSTALL", "LOAD", "MERGE", "PRAGMA", "PREPARE", "RESET",
        "ROLLBACK", "SET", "TRUNCATE", "UNINSTALL", "UPDATE", "UPSERT", "USE", "VACUUM",
    }
)  # fmt: skip
"""Statements refused by their first word, before parsing (sqlglot cannot parse all of them)."""

_REFUSED_NODES: tuple[type[exp.Expression], ...] = tuple(
    node
    for node in (
        getattr(exp, name, None)
        for name in (
            "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "AlterTable",
            "TruncateTable", "Copy", "Attach", "Detach", "Install", "Set", "Pragma", "Command",
            "Use", "Transaction", "Commit", "Rollback", "LoadData", "Analyze", "Grant", "Export",
        )
    )
    if isinstance(node, type)
)  # fmt: skip
"""Expression types refused anywhere in the tree (a data-modifying CTE too)."""

_ALLOWED_ROOTS: tuple[type[exp.Expression], ...] = (
    exp.Select,
    exp.SetOperation,
    exp.Values,
    exp.Subquery,
    exp.Describe,
    exp.Show,
    *((exp.Summarize,) if hasattr(exp, "Summarize") else ()),
)

FILE_FUNCTIONS = frozenset(
    {
        "glob", "getenv", "query", "query_table", "sniff_csv", "csv_scan", "parquet_scan",
        "json_scan", "ndjson_scan", "iceberg_scan", "iceberg_metadata", "iceberg_snapshots",
        "delta_scan", "sqlite_scan", "sqlite_attach", "postgres_scan", "postgres_query",
        "postgres_attach", "mysql_scan", "mysql_query", "st_read", "st_read_meta",
        "st_drivers", "load_aws_credentials", "http_get", "http_post", "which_secret",
        "duckdb_secrets", "from_csv_auto", "current_setting", "duckdb_settings",
        "duckdb_extensions", "duckdb_databases", "duckdb_temporary_files", "duckdb_log",
        "duckdb_logs",
    }
)  # fmt: skip
"""Functions refused by name: they read or write files, the network or the environment,
run SQL given as text (which `check` cannot see), or show the server's settings and paths."""
FILE_FUNCTION_PREFIXES = ("read_", "parquet_", "iceberg_", "delta_", "sqlite_", "postgres_",
                          "mysql_", "st_read", "http_", "write_", "copy_")  # fmt: skip
"""Function name prefixes refused likewise (`read_csv_auto`, `parquet_metadata`, ...)."""

_PATH_LIKE = re.compile(r"[/\\.:~]")
"""A table name with one of these is a file or URL to DuckDB (replacement scan), not a table."""

_FIRST_WORD = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/|\()*([A-Za-z_]+)", re.S)

_SANDBOX_ALIAS = "console"


class Refused(ValueError):
    """A console query that is not allowed; the message says why, in one sentence."""


@dataclass(frozen=True)
class Result:
    """What a console query returned: at most `row_limit` rows (`truncated` when there were
    more), how long it took in seconds, and a sentence for the user."""

    frame: pl.DataFrame
    truncated: bool
    elapsed: float
    message: str


class Stopped(RuntimeError):
    """A console query interrupted at its time limit, or stopped at its memory limit."""


def _function_name(node: exp.Func) -> str:
    """The name DuckDB knows a function by (sqlglot maps some to its own classes)."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql(dialect="duckdb").split("(", 1)[0].strip().strip('"').lower()


def _refused_function(name: str) -> bool:
    return name in FILE_FUNCTIONS or name.startswith(FILE_FUNCTION_PREFIXES)


def _statements(query: str) -> list[exp.Expression]:
    try:
        parsed = sqlglot.parse(query, read="duckdb")
    except (ParseError, TokenError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "syntax error"
        raise Refused(f"The console could not check this query ({first}).") from error
    return [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]


def _check_with_duckdb(query: str) -> None:
    """DuckDB's own parser (nothing runs): a syntax error in DuckDB's words, several statements,
    or a statement other than a query (DESCRIBE, SHOW, SUMMARIZE and VALUES are queries)."""
    parser = duckdb.connect(":memory:", config=dict(store.CONNECT_CONFIG))
    try:
        statements = parser.extract_statements(query)
    except duckdb.Error as error:
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        reason = " ".join(lines[:1]) or "syntax error"
        raise Refused(f"The query could not be read: {reason}.") from error
    finally:
        parser.close()
    if not statements:
        raise Refused("Write a query first.")
    if len(statements) > 1:
        raise Refused(
            f"Several statements at once ({len(statements)}) are not allowed: run one query "
            "at a time."
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise Refused(f"{kind.name} is not allowed: the console only reads ({ALLOWED}).")


def check(query: str) -> None:
    """Refuse (`Refused`, with the reason) a query the console must not run; return quietly
    for one read-only statement that touches only the database's tables and views."""
    if not query.strip():
        raise Refused("Write a query first.")
    first = _FIRST_WORD.match(query)
    if first and first.group(1).upper() in REFUSED_KEYWORDS:
        raise Refused(
            f"{first.group(1).upper()} is not allowed: the console only reads ({ALLOWED})."
        )
    _check_with_duckdb(query)
    statements = _statements(query)
    if len(statements) != 1:  # DuckDB saw one statement: sqlglot must too
        raise Refused("The console could not check this query: write it as one SELECT.")
    (statement,) = statements
    if not isinstance(statement, _ALLOWED_ROOTS):
        raise Refused(f"This statement is not allowed: the console only reads ({ALLOWED}).")
    for node in statement.walk():
        if isinstance(node, _REFUSED_NODES):
            kind = type(node).__name__.upper()
            raise Refused(f"{kind} is not allowed: the console only reads ({ALLOWED}).")
        if isinstance(node, exp.Func) and _refused_function(name := _function_name(node)):
            raise Refused(
                f"The function {name}() is not allowed: the console reads the database's "
                "tables and views, never files, the network or the server's settings."
            )
        if (
            isinstance(node, exp.Table)
            and isinstance(node.this, exp.Identifier | exp.Literal)
            and _PATH_LIKE.search(str(node.this.name))
        ):
            raise Refused(
                f"'{node.this.name}' looks like a file, which the console does not read: "
                "query the database's tables and views (see the schema)."
            )


def _source_path(source: str | os.PathLike[str] | store.Database) -> Path:
    return source.path if isinstance(source, store.Database) else store.database_path(source)


@contextmanager
def sandbox(source: str | os.PathLike[str] | store.Database) -> Iterator[store.Connection]:
    """A connection of its own on the database, read-only, with no access to files, the
    network or extensions, at most `MEMORY_LIMIT` of memory on `THREADS` threads, and its
    configuration locked (closed afterwards). On the app's `Database` handle, the app's writes
    wait until it is closed."""
    path = _source_path(source)
    if not path.exists():
        raise store.DatabaseUnavailable(f"There is no database at {path}.", path)
    holding = source.read() if isinstance(source, store.Database) else nullcontext()
    with holding:
        con = duckdb.connect(":memory:", config=dict(SANDBOX_CONFIG))  # limits before the lock
        try:
            try:
                con.execute(f"ATTACH {quote_literal(str(path))} AS {_SANDBOX_ALIAS} (READ_ONLY)")
            except duckdb.Error as error:
                raise store.DatabaseUnavailable(
                    f"Cannot open the database {path} for the console: "
                    f"{str(error).strip().splitlines()[0]}",
                    path,
                ) from error
            con.execute(f"USE {_SANDBOX_ALIAS}")
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            yield con
        finally:
            con.close()


def _statement_text(query: str) -> str:
    """The query without trailing semicolons and comments, so it can be wrapped."""
    text = query.strip()
    while True:
        stripped = re.sub(r"(?:;|\s+|--[^\n]*\Z)+\Z", "", text)
        if stripped == text:
            return text
        text = stripped


def _fetch(con: store.Connection, sql: str, seconds: float) -> pl.DataFrame:
    """Run `sql`, interrupting it after `seconds`; `Stopped` then, or when it needs more than
    the sandbox's memory limit (DuckDB's own message suggests settings the console refuses)."""
    timer = threading.Timer(seconds, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        result = con.execute(sql)
        with warnings.catch_warnings():  # DuckDB 2 warns that the Arrow result is copied once
            warnings.simplefilter("ignore", UserWarning)
            frame = pl.from_arrow(result.to_arrow_table())
    except duckdb.InterruptException as error:
        raise Stopped(f"Stopped after {seconds:g} s: the query took too long.") from error
    except duckdb.OutOfMemoryException as error:
        raise Stopped(
            f"Stopped: the query needed more than the console's {MEMORY_LIMIT} of memory. "
            "Aggregate or filter it further, or select fewer columns."
        ) from error
    finally:
        timer.cancel()
    assert isinstance(frame, pl.DataFrame)
    return frame


def run(
    source: str | os.PathLike[str] | store.Database,
    query: str,
    *,
    row_limit: int = ROW_LIMIT,
    seconds: float = SECONDS,
) -> Result:
    """Check and run one console query (one row per result row, at most `row_limit`).

    Raises `Refused` for a query `check` refuses; a query that fails in DuckDB or runs out of
    time returns an empty frame and the reason in `message`."""
    check(query)
    wrapped = (
        f"SELECT * FROM (\n{_statement_text(query)}\n) AS console_query LIMIT {int(row_limit) + 1}"
    )
    start = time.monotonic()
    with sandbox(source) as con:
        try:
            frame = _fetch(con, wrapped, seconds)
        except Stopped as stopped:
            return Result(pl.DataFrame(), False, time.monotonic() - start, str(stopped))
        except duckdb.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "failed"
            return Result(pl.DataFrame(), False, time.monotonic() - start, reason)
    elapsed = time.monotonic() - start
    truncated = frame.height > row_limit
    if truncated:
        frame = frame.head(row_limit)
        message = f"First {row_limit:,} rows (there are more) in {elapsed:.2f} s."
    else:
        message = f"{frame.height:,} row{'s' if frame.height != 1 else ''} in {elapsed:.2f} s."
    return Result(frame, truncated, elapsed, message)


HIDDEN_TABLES = ("schema_version", "settings")
"""Bookkeeping tables the schema browser does not list (nor the undo shadows, `*_replaced`)."""


def schema(source: store.Connection | str | os.PathLike[str] | store.Database) -> pl.DataFrame:
    """The schema browser: one row per table and view a console query can use (`name`, `kind`
    "table" or "view", `rows`: the exact count for a table, null for a view, and `columns`:
    "name TYPE" joined by commas in table order), tables first, then by name. On a connection
    (the app's cursor, so the app can cache it) it reads that connection's database; on a path
    or the app's handle, the console's sandbox."""
    if isinstance(source, store.Connection):
        return _schema(source, str(store.scalar(source, "SELECT current_database()")))
    with sandbox(source) as con:
        return _schema(con, _SANDBOX_ALIAS)


def _schema(con: store.Connection, database: str) -> pl.DataFrame:
    params = {"db": database, "hidden": list(HIDDEN_TABLES), "shadow": db_schema.REPLACED_SUFFIX}
    relations = store.query(
        con,
        """
        WITH relations AS (
            SELECT schema_name, table_name AS name, 'table' AS kind
            FROM duckdb_tables() WHERE database_name = $db AND NOT temporary
            UNION ALL
            SELECT schema_name, view_name, 'view' FROM duckdb_views()
            WHERE database_name = $db AND NOT internal AND NOT temporary
        ),
        columns AS (
            SELECT schema_name, table_name AS name,
                   string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
                       AS columns
            FROM duckdb_columns() WHERE database_name = $db
            GROUP BY ALL
        )
        SELECT r.name, r.kind, c.columns
        FROM relations r LEFT JOIN columns c USING (schema_name, name)
        WHERE r.schema_name = 'main' AND NOT list_contains($hidden, r.name)
          AND NOT suffix(r.name, $shadow)
        ORDER BY r.kind <> 'table', r.name
        """,
        params,
    )
    counts = [
        int(store.scalar(con, f"SELECT count(*) FROM {store.quote_identifier(name)}"))
        if kind == "table"
        else None
        for name, kind in relations.select("name", "kind").iter_rows()
    ]  # exact (duckdb_tables' estimated_size is an estimate); count(*) reads no rows
    return relations.with_columns(rows=pl.Series(counts, dtype=pl.Int64)).select(
        "name", "kind", "rows", "columns"
    )


EXAMPLES: dict[str, str] = {
    "Win rate by channel (closed opportunities)": """\
SELECT channel,
       count(*) FILTER (WHERE is_won) AS won,
       count(*) FILTER (WHERE is_closed) AS closed,
       round(100.0 * won / nullif(closed, 0), 1) AS win_rate_pct
FROM opp_facts
GROUP BY channel
ORDER BY closed DESC""",
    "MQLs by month": """\
SELECT date_trunc('month', mql_at) AS month, count(*) AS mqls
FROM lead_facts
WHERE mql_at IS NOT NULL
GROUP BY month
ORDER BY month""",
    "Leads by segment and region": """\
SELECT segment, region, count(*) AS leads
FROM lead_facts
GROUP BY ALL
ORDER BY leads DESC""",
    "Largest open opportunities": """\
SELECT opp_id, channel, amount, stage
FROM opp_facts
WHERE NOT is_closed
ORDER BY amount DESC
LIMIT 20""",
    "Columns of a view": "DESCRIBE lead_facts",
}
"""Example queries shown on the SQL page (each is tested to run on the demo data)."""
