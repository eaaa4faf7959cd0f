"""The DuckDB database: where it lives, connecting, schema migrations, transactions, quoting.

One file, `data/alignment.duckdb` by default, `ALIGNMENT_DB` to override. Every table is created
by a numbered migration recorded in `schema_version`. Views over the tables (the "models" that
metrics read) are recreated on every read-write connect by `models.create_views`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from alignment import schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "alignment.duckdb"

Connection = duckdb.DuckDBPyConnection


def database_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database file to use: the argument, else `ALIGNMENT_DB`, else data/alignment.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("ALIGNMENT_DB")
    return Path(env) if env else DEFAULT_DB_PATH


def quote_identifier(name: str) -> str:
    """Quote a table or column name for SQL (the one place identifiers are quoted)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"not an identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for the few SQL places that cannot take a bound parameter
    (e.g. DDL defaults, `read_csv` option strings)."""
    return "'" + str(value).replace("'", "''") + "'"


def _table_ddl(name: str, cols: Sequence[schema.Column], extra: str = "") -> str:
    body = ",\n  ".join(f"{quote_identifier(c.name)} {c.duckdb_type}" for c in cols)
    return f"CREATE TABLE IF NOT EXISTS {quote_identifier(name)} (\n  {body}{extra}\n)"


def _migration_1(con: Connection) -> None:
    """The canonical tables of DESIGN section 3, their undo shadows and the settings tables."""
    for name, cols in schema.FACT_TABLES.items():
        con.execute(_table_ddl(name, cols))
        con.execute(
            _table_ddl(
                name + schema.REPLACED_SUFFIX, cols, ",\n  replaced_by_import BIGINT NOT NULL"
            )
        )
    for name, body in schema.OTHER_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {quote_identifier(name)} ({body})")
    con.execute("CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1")


def _migration_2(con: Connection) -> None:
    """Leads get `is_converted` (Salesforce IsConverted, X Education Converted: a flag for
    exports that have no stage dates)."""
    for table in ("leads", "leads" + schema.REPLACED_SUFFIX):
        con.execute(
            f"ALTER TABLE {quote_identifier(table)} ADD COLUMN IF NOT EXISTS is_converted BOOLEAN"
        )


def _migration_3(con: Connection) -> None:
    """Source presets and linking (issue 3): e-mail on activities and touchpoints (links a touch
    to a lead when the export has no lead id), the preset a saved mapping came from, and undo
    shadows for the owner / account lookups, which imports now write."""
    for table, cols in schema.ADDED_COLUMNS.items():
        for name in (table, table + schema.REPLACED_SUFFIX):
            for col in cols:
                con.execute(
                    f"ALTER TABLE {quote_identifier(name)} ADD COLUMN IF NOT EXISTS "
                    f"{quote_identifier(col.name)} {col.duckdb_type}"
                )
    con.execute("ALTER TABLE saved_mappings ADD COLUMN IF NOT EXISTS preset VARCHAR")
    for name, cols in schema.LOOKUP_TABLES.items():
        con.execute(
            _table_ddl(
                name + schema.REPLACED_SUFFIX, cols, ",\n  replaced_by_import BIGINT NOT NULL"
            )
        )


def _migration_4(con: Connection) -> None:
    """Leads carry their computed fact columns (`schema.STORED_LEAD_FACTS`): `lead_facts` becomes
    a view over `leads`, so an import writes each lead once instead of twice. `models`
    computes the values (the old `lead_facts` table is dropped when the views are created)."""
    for name, kind in schema.STORED_LEAD_FACTS.items():
        con.execute(
            f"ALTER TABLE leads ADD COLUMN IF NOT EXISTS {quote_identifier(name)} "
            f"{schema.DUCKDB_TYPE[kind]}"
        )


NON_FINITE_COLUMNS: dict[str, str] = {
    "leads": "score",
    "opportunities": "amount",
    "accounts": "revenue",
    "spend": "amount",
    "targets": "value",
}
"""The number columns of the canonical tables (a DOUBLE can hold NaN and infinity)."""


def _migration_6(con: Connection) -> None:
    """Stored NaN and infinite numbers (imports used to accept `NaN`, `inf`) become NULL, in
    the tables and their undo shadows: no sum, average or score band can use them."""
    for table, column in NON_FINITE_COLUMNS.items():
        col = quote_identifier(column)
        for name in (table, table + schema.REPLACED_SUFFIX):
            con.execute(
                f"UPDATE {quote_identifier(name)} SET {col} = NULL WHERE NOT isfinite({col})"
            )


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "canonical tables, lookups, mapping tables, imports", _migration_1),
    (2, "leads.is_converted", _migration_2),
    (3, "e-mail on activities / touchpoints, saved preset, lookup undo shadows", _migration_3),
    (4, "lead fact columns stored on leads", _migration_4),
    (6, "NaN and infinite numbers stored as NULL", _migration_6),
]
"""Numbered schema migrations, applied in order, each once, each in its own transaction."""


def schema_version(con: Connection) -> int:
    """The highest migration applied to this database (0 for an empty one)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(con: Connection) -> int:
    """Apply every pending migration; returns the resulting schema version."""
    current = schema_version(con)
    for version, description, apply in MIGRATIONS:
        if version <= current:
            continue
        with transaction(con, changes_data=False):
            apply(con)
            con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, description])
        current = version
    return current


def configure(con: Connection) -> Connection:
    """Session settings every connection and cursor needs (timestamps shown in UTC)."""
    con.execute("SET TimeZone = 'UTC'")
    return con


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Connection:
    """Open the database (creating and migrating it if needed) and return a connection."""
    db_path = database_path(path)
    if str(db_path) != ":memory:":
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=read_only)
    configure(con)
    if not read_only:
        from alignment import models

        migrate(con)
        models.create_views(con)
        models.seed_default_maps(con)
    return con


def cursor(con: Connection) -> Connection:
    """A new cursor on the same database, configured like its parent (one per thread)."""
    return configure(con.cursor())


WriteHook = Callable[[Connection, frozenset[str] | None], None]
_after_write: list[WriteHook] = []


def after_every_write(hook: WriteHook) -> None:
    """Run `hook(con, changed)` at the end of every data-changing transaction, before it
    commits: `changed` names the tables the block wrote, or is None when it may have written
    any (how `models` keeps its fact columns and tables in step: see `transaction`)."""
    if hook not in _after_write:
        _after_write.append(hook)


@contextmanager
def transaction(
    con: Connection, *, changes_data: bool | Collection[str] = True
) -> Iterator[Connection]:
    """Run a block in one transaction: commit on success, roll back on any exception.

    When the block `changes_data` (imports, undo, demo, map edits), the `after_every_write`
    hooks run inside the same transaction before the commit, so derived data is never out of
    step: both commit together or neither does. `changes_data` may name the tables the block
    writes (an import of activities), so the hooks skip what those tables cannot affect; True
    means any table."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        if changes_data:
            changed = None if changes_data is True else frozenset(changes_data)
            for hook in _after_write:
                hook(con, changed)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def query(
    con: Connection, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
) -> pl.DataFrame:
    """Run a query with bound parameters and return the result as a polars frame."""
    result = con.execute(sql, params) if params is not None else con.execute(sql)
    with warnings.catch_warnings():  # DuckDB 2 warns that the Arrow result is copied once
        warnings.simplefilter("ignore", UserWarning)
        return pl.from_arrow(result.to_arrow_table())  # type: ignore[return-value]


def scalar(con: Connection, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
    """Run a query that returns one value."""
    result = con.execute(sql, params) if params is not None else con.execute(sql)
    rows = result.fetchall()  # fetch to the end: DuckDB 2 keeps a half-read result pending
    return rows[0][0] if rows else None


def table_counts(con: Connection) -> dict[str, int]:
    """Row count of each fact table (one row per table)."""
    return {
        name: int(scalar(con, f"SELECT count(*) FROM {quote_identifier(name)}"))
        for name in schema.FACT_TABLES
    }


def get_setting(con: Connection, key: str, default: str | None = None) -> str | None:
    """A value from the settings table."""
    value = scalar(con, "SELECT value FROM settings WHERE key = ?", [key])
    return default if value is None else str(value)


def set_setting(con: Connection, key: str, value: str | None) -> None:
    """Store (or, with None, remove) a value in the settings table."""
    con.execute("DELETE FROM settings WHERE key = ?", [key])
    if value is not None:
        con.execute("INSERT INTO settings VALUES (?, ?)", [key, value])
