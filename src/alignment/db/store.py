"""The DuckDB database: where it lives, connecting, refusing files that are not ours, schema
migrations, transactions, quoting, and `Database`, the handle that lets the app and the CLI share
the file.

One file, `data/alignment.duckdb` by default, `ALIGNMENT_DB` to override. Every table is created
by a numbered migration recorded in `schema_version`. This layer knows nothing of what is built
on the tables: the model layer (`alignment.model`) hands `connect` / `Database` its `Models`
(what to create on a read-write open, what to refresh after a write), and opens the database
for everything above it.

DuckDB lets one process hold a file read-write, or any number of processes hold it read-only.
So the app's `Database` keeps the file read-only between writes (the CLI's reading commands can
open it too) and holds it read-write only for the length of one write, which waits for the
process's reads in progress and runs alone. A file that is not an Alignment database, or comes
from a newer version, is refused before anything is written to it, and no connection ever
installs or loads a DuckDB extension by itself.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from alignment.db import schema
from alignment.sql import quote_identifier as quote_identifier  # re-exported
from alignment.sql import quote_literal as quote_literal  # re-exported

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "alignment.duckdb"

Connection = duckdb.DuckDBPyConnection


def database_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database file to use: the argument, else `ALIGNMENT_DB`, else data/alignment.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("ALIGNMENT_DB")
    return Path(env) if env else DEFAULT_DB_PATH


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


def _migration_5(con: Connection) -> None:
    """Leads get `is_won` (a generic `Converted` flag: the lead became a customer, for exports
    with a flag but no dates, such as X Education's)."""
    for table in ("leads", "leads" + schema.REPLACED_SUFFIX):
        con.execute(
            f"ALTER TABLE {quote_identifier(table)} ADD COLUMN IF NOT EXISTS is_won BOOLEAN"
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


def _migration_7(con: Connection) -> None:
    """Activities and touchpoints store the lead they belong to (`schema.LINKED_TABLES`), filled
    here for the rows already there with the rule the model views used to apply on every read:
    the lead with the record's lead id, else the earliest-created lead with its e-mail (lower
    case, trimmed); the model keeps it in step from then on. Leads get the fields that measure
    the SLA without activities (`schema.SLA_LEAD_FIELDS`), in the table and its undo shadow,
    and the stored fact columns added since migration 4: `fact_email_key`, filled here (the
    address as addresses are compared, which the links below use too)."""
    for name, kind in schema.STORED_LEAD_FACTS.items():
        con.execute(
            f"ALTER TABLE leads ADD COLUMN IF NOT EXISTS {quote_identifier(name)} "
            f"{schema.DUCKDB_TYPE[kind]}"
        )
    key = "nullif(lower(trim(email)), '')"
    con.execute(
        f"UPDATE leads SET fact_email_key = {key} WHERE fact_email_key IS DISTINCT FROM {key}"
    )
    for name in schema.SLA_LEAD_FIELDS:
        col = schema.column("leads", name)
        for table in ("leads", "leads" + schema.REPLACED_SUFFIX):
            con.execute(
                f"ALTER TABLE {quote_identifier(table)} ADD COLUMN IF NOT EXISTS "
                f"{quote_identifier(col.name)} {col.duckdb_type}"
            )
    linked = schema.LINKED_LEAD_COLUMN
    for table in schema.LINKED_TABLES:
        name = quote_identifier(table)
        con.execute(
            f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {linked.name} {linked.duckdb_type}"
        )
        con.execute(
            f"""UPDATE {name} SET {linked.name} = n.lead_id FROM (
              SELECT t.rowid AS row_id, coalesce(l.lead_id, e.lead_id) AS lead_id
              FROM {name} t
              LEFT JOIN leads l ON l.lead_id = t.lead_id
              LEFT JOIN (
                SELECT lower(trim(email)) AS email,
                  first(lead_id ORDER BY created_at NULLS LAST, lead_id) AS lead_id
                FROM leads WHERE nullif(trim(email), '') IS NOT NULL GROUP BY 1
              ) e ON e.email = lower(trim(t.email))
            ) n
            WHERE {name}.rowid = n.row_id AND n.lead_id IS DISTINCT FROM {name}.{linked.name}"""
        )


def _migration_8(con: Connection) -> None:
    """The SLA contract's versions (`model.sla_contract_io`): one row per version, keyed by the
    date it takes effect, its terms as the TOML text users download and upload."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS sla_contracts ("
        "effective_from DATE PRIMARY KEY, body VARCHAR NOT NULL, saved_at TIMESTAMPTZ)"
    )


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "canonical tables, lookups, mapping tables, imports", _migration_1),
    (2, "leads.is_converted", _migration_2),
    (3, "e-mail on activities / touchpoints, saved preset, lookup undo shadows", _migration_3),
    (4, "lead fact columns stored on leads", _migration_4),
    (5, "leads.is_won", _migration_5),
    (6, "NaN and infinite numbers stored as NULL", _migration_6),
    (7, "linked lead stored on activities / touchpoints; lead SLA fields", _migration_7),
    (8, "SLA contract versions", _migration_8),
]
"""Numbered schema migrations, applied in order, each once, each in its own transaction. The
numbers rise but need not be contiguous (branches number their migrations ahead of merging):
a migration is applied when its number is not recorded, even below the highest recorded one."""


def schema_version(con: Connection) -> int:
    """The highest migration applied to this database (0 for an empty one)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _applied_versions(con: Connection) -> set[int]:
    """The migrations recorded in `schema_version` (none when it does not exist; reads only)."""
    if not _has_table(con, "schema_version"):
        return set()
    return {int(row[0]) for row in con.execute("SELECT version FROM schema_version").fetchall()}


def _pending(con: Connection) -> list[tuple[int, str, Callable[[Connection], None]]]:
    """The migrations of this code not yet applied (by number, not by the highest applied)."""
    applied = _applied_versions(con)
    return [migration for migration in MIGRATIONS if migration[0] not in applied]


def migrate(con: Connection) -> int:
    """Apply every pending migration; returns the resulting schema version."""
    schema_version(con)  # creates the table on an empty database
    for version, description, apply in _pending(con):
        with transaction(con, changes_data=False):
            apply(con)
            con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, description])
    return schema_version(con)


def configure(con: Connection) -> Connection:
    """Session settings every connection and cursor needs (timestamps shown in UTC)."""
    con.execute("SET TimeZone = 'UTC'")
    return con


CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
"""Settings of every connection we open: DuckDB never downloads or loads an extension by itself
(asked to open a SQLite file, it would otherwise fetch the sqlite extension)."""

CODE_FINGERPRINT_SETTING = "code_fingerprint"


@dataclass(frozen=True)
class Models:
    """What the layer above the storage adds to a database, handed to `connect` and `Database`
    (the storage layer knows nothing of it otherwise): `create` makes the views and seeds the
    tables it needs on every read-write open; `after_write` keeps derived data in step inside
    every data-changing `transaction`; `sources` are the files of its code, part of the code
    fingerprint (see `needs_upgrade`)."""

    create: Callable[[Connection], None]
    after_write: WriteHook
    sources: tuple[Path, ...]


_STORAGE_SOURCES = (Path(__file__), Path(schema.__file__))


@cache
def code_fingerprint(models: Models | None = None) -> str:
    """A hash of the code that shapes a database (migrations, schema, and the models' views and
    default maps): `prepare` records it, and a read-only open compares it to know whether the
    database is in step with this code without writing."""
    digest = hashlib.sha256()
    for path in (*_STORAGE_SOURCES, *(models.sources if models else ())):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def install(models: Models | None) -> None:
    """Run `models.after_write` at the end of every data-changing transaction from now on
    (once, however often it is installed)."""
    if models is not None:
        after_every_write(models.after_write)


def prepare(con: Connection, models: Models | None = None) -> None:
    """Bring a read-write connection's database in step with this code: pending migrations,
    the models' views and seeded tables, and the code fingerprint (see `needs_upgrade`)."""
    install(models)
    migrate(con)
    if models is not None:
        models.create(con)
    if get_setting(con, CODE_FINGERPRINT_SETTING) != code_fingerprint(models):
        with transaction(con, changes_data=False):
            set_setting(con, CODE_FINGERPRINT_SETTING, code_fingerprint(models))


def needs_upgrade(con: Connection, models: Models | None = None) -> bool:
    """Whether the database misses migrations or view definitions of this code (read only)."""
    if _pending(con):
        return True
    return get_setting(con, CODE_FINGERPRINT_SETTING) != code_fingerprint(models)


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    models: Models | None = None,
) -> Connection:
    """Open the database and return a connection.

    Read-write (the CLI's import and demo, tests): a missing file is created; an existing one is
    first checked read-only and refused (`DatabaseRefused`, nothing written) when it is not an
    Alignment database or comes from a newer version; then it is migrated and prepared.
    Read-only (the CLI's reports): the same check, and `DatabaseOutdated` when it needs an
    upgrade only a write can do. A file another process holds raises `DatabaseBusy`."""
    db_path = database_path(path)
    if str(db_path) == ":memory:":
        con = configure(duckdb.connect(":memory:", config=CONNECT_CONFIG))
        if not read_only:
            prepare(con, models)
        return con
    exists = check_file(db_path)
    if read_only:
        if not exists:
            raise DatabaseUnavailable(
                f"There is no database at {db_path}: import files or run `alignment demo` first.",
                db_path,
            )
        con = _open(db_path, read_only=True)
        try:
            check_contents(con, db_path)
            if needs_upgrade(con, models):
                raise DatabaseOutdated(
                    f"The database {db_path} needs an upgrade to this version of Alignment, "
                    "which a read-only command does not do: open the app once, or run an "
                    "`alignment import`, and it is upgraded in place.",
                    db_path,
                )
        except BaseException:
            con.close()
            raise
        return con
    if exists:
        _inspect_file(db_path)
    else:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(db_path, read_only=False)
    try:
        prepare(con, models)
    except BaseException:
        con.close()
        raise
    return con


def cursor(con: Connection | Database) -> Connection:
    """A new cursor on the same database, configured like its parent (one per thread). On a
    `Database`, a cursor for reading that holds off writes until it is garbage-collected."""
    if isinstance(con, Database):
        return con.cursor()
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
    value = scalar(con, "SELECT value FROM settings WHERE key = $key", {"key": key})
    return default if value is None else str(value)


def set_setting(con: Connection, key: str, value: str | None) -> None:
    """Store (or, with None, remove) a value in the settings table."""
    con.execute("DELETE FROM settings WHERE key = $key", {"key": key})
    if value is not None:
        con.execute("INSERT INTO settings VALUES ($key, $value)", {"key": key, "value": value})


# ---- files that are not ours, and files other processes hold ----------------------------------
class DatabaseUnavailable(Exception):
    """The database cannot be used now, or at all. `str(error)` is the sentence for the user
    (what happened, the path, what to do); `retry` says whether waiting can help."""

    retry = False

    def __init__(self, message: str, path: str | os.PathLike[str], *, retry: bool | None = None):
        super().__init__(message)
        self.path = Path(path)
        if retry is not None:
            self.retry = retry


class DatabaseBusy(DatabaseUnavailable):
    """Another program (or another change of this one) holds the file; `holder` names it."""

    retry = True

    def __init__(
        self,
        message: str,
        path: str | os.PathLike[str],
        *,
        holder: str = "another program",
        retry: bool | None = None,
    ) -> None:
        super().__init__(message, path, retry=retry)
        self.holder = holder


class DatabaseGone(DatabaseUnavailable):
    """The file was deleted, moved or replaced while this process had it open. Putting it back
    at its path lets the process carry on."""

    retry = True


class DatabaseRefused(DatabaseUnavailable):
    """Not an Alignment database (or one from a newer version): never written to."""


class DatabaseOutdated(DatabaseUnavailable):
    """Opened read-only, the database misses an upgrade that only a read-write open does."""


_DUCKDB_MAGIC = b"DUCK"  # bytes 8 to 11 of every DuckDB database file
_SQLITE_MAGIC = b"SQLite format 3\x00"
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")
_NOTHING_WRITTEN = (
    "Nothing was written to it. Point ALIGNMENT_DB (or --db) at an Alignment database, or at a "
    "path where no file exists yet to start a new one."
)


def check_file(path: Path) -> bool:
    """Whether a database file exists at `path`. Raises `DatabaseRefused` when what is there
    is not a DuckDB database (a text file, a SQLite database, an empty file, a folder): only
    its first bytes are read, and DuckDB never sees it."""
    if not path.exists():
        return False
    if not path.is_file():
        raise DatabaseRefused(
            f"{path} is a folder, not an Alignment database. {_NOTHING_WRITTEN}", path
        )
    with path.open("rb") as file:
        head = file.read(64)
    if head[8:12] == _DUCKDB_MAGIC:
        return True
    if not head:
        kind = "an empty file"
    elif head.startswith(_SQLITE_MAGIC):
        kind = "a SQLite database"
    else:
        try:
            head.decode("utf-8")
            kind = "a text file"
        except UnicodeDecodeError:
            kind = "not a DuckDB database file"
    raise DatabaseRefused(
        f"{path} is not an Alignment database: it is {kind}. {_NOTHING_WRITTEN}", path
    )


def _has_table(con: Connection, name: str) -> bool:
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = $name",
            {"name": name},
        )
    )


def _applied_version(con: Connection) -> int:
    """`schema_version` without creating its table (for read-only connections)."""
    if not _has_table(con, "schema_version"):
        return 0
    return int(scalar(con, "SELECT coalesce(max(version), 0) FROM schema_version"))


def check_contents(con: Connection, path: Path) -> int:
    """Refuse (`DatabaseRefused`) a DuckDB database that is not an Alignment one (no
    `schema_version` table of ours, or none of our tables) or that a newer version of Alignment
    wrote (a schema version above this code's last migration). Reads only; returns the schema
    version."""
    columns = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = 'schema_version'"
        ).fetchall()
    }
    if not {"version", "description", "applied_at"} <= columns:
        raise DatabaseRefused(
            f"{path} is a DuckDB database but not an Alignment one (it has no schema_version "
            f"table of ours). {_NOTHING_WRITTEN}",
            path,
        )
    version = _applied_version(con)
    if version and not all(_has_table(con, name) for name in ("imports", "settings", "leads")):
        raise DatabaseRefused(
            f"{path} is a DuckDB database but not an Alignment one (its schema_version table "
            f"says version {version}, but the imports, settings and leads tables are missing). "
            f"{_NOTHING_WRITTEN}",
            path,
        )
    latest = MIGRATIONS[-1][0]
    if version > latest:
        raise DatabaseRefused(
            f"{path} was written by a newer version of Alignment (schema version {version}; this "
            f"version knows up to {latest}). Nothing was written to it: upgrade Alignment to "
            "open it, or point ALIGNMENT_DB (or --db) at another file.",
            path,
        )
    return version


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class _HeldInThisProcess(DatabaseBusy):
    """This process has the file open with another configuration (read-only vs read-write)."""


def _open(path: Path, *, read_only: bool) -> Connection:
    """`duckdb.connect` with `CONNECT_CONFIG`. A lock another process holds becomes
    `DatabaseBusy` naming the process; a file DuckDB cannot read, `DatabaseRefused`."""
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=CONNECT_CONFIG)
    except duckdb.Error as exc:
        text = str(exc)
        if "Could not set lock" in text:
            found = _LOCK_HOLDER.search(text)
            holder = f"process {found.group(1)}" if found else "another program"
            if read_only:
                message = (
                    f"The database {path} is being changed by another program ({holder}, for "
                    "example an import from the command line): try again when it has finished."
                )
            else:
                message = (
                    f"The database {path} is open in another program ({holder}). The Alignment "
                    "app keeps its database open while it runs: import from the app's Import "
                    "page, or stop the app (or wait for the other program to finish) and try "
                    "again."
                )
            raise DatabaseBusy(message, path, holder=holder) from exc
        if "different configuration" in text:
            mode = "read-write" if read_only else "read-only"
            raise _HeldInThisProcess(
                f"The database {path} is already open {mode} in this process (the app's "
                f"database handle): close that first, or open it {mode} here too.",
                path,
                holder="this process",
            ) from exc
        if "not a valid DuckDB database" in text or "version number" in text:
            raise DatabaseRefused(
                f"{path} cannot be read as an Alignment database ({_first_line(exc)}). "
                f"{_NOTHING_WRITTEN}",
                path,
            ) from exc
        raise DatabaseUnavailable(
            f"Cannot open the database {path}: {_first_line(exc)}", path
        ) from exc
    return configure(con)


def _inspect_file(path: Path) -> None:
    """Check an existing file read-only before opening it read-write (see `check_contents`).
    Skipped when this process already has it open read-write: it was checked then."""
    try:
        con = _open(path, read_only=True)
    except _HeldInThisProcess:
        return
    try:
        check_contents(con, path)
    finally:
        con.close()


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, None when there is none: a file deleted, moved
    or replaced by another one no longer has the identity it had when it was opened."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


# ---- one process, many threads: reads together, each write alone --------------------------------
LOCK_WAIT_SECONDS = 5.0
"""How long a write (or the start-up) waits for another program to release the file."""
QUEUE_WAIT_SECONDS = 120.0
"""How long a read or a write waits for this process's other writes (an import) to finish."""
OPEN_WAIT_SECONDS = 1.0
"""How long reading waits for another program that is changing the file before saying so."""
_POLL_SECONDS = 0.05


class ReadWriteLock:
    """Many readers or one writer, among the threads of one process.

    Phase-fair: a waiting writer goes before readers that come after it (page views cannot starve
    an import), and the readers that waited for a write go before the next writer (a run of
    imports cannot starve page views). A thread that already reads may read again without
    waiting (nested reads never deadlock); the writing
    thread may read and write again (what it reads is its own write). A thread that reads cannot
    start writing: it would wait for itself, so that is a RuntimeError. A read may be released
    from another thread (a garbage-collected cursor): `release_read(owner)` only queues the
    release, and the queue is applied under the lock, so it is safe from a finalizer."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._readers: dict[int, int] = {}  # thread id -> reads it holds
        self._writer: int | None = None
        self._depth = 0  # nested writes of the writing thread
        self._waiting_writers = 0
        self._writes_done = 0  # writes finished so far: a reader's turn comes after one
        self._waiting_readers: dict[int, int] = {}  # writes done when they began -> readers
        self._released: deque[int] = deque()

    def _apply_releases(self) -> None:
        while self._released:
            owner = self._released.popleft()
            left = self._readers.get(owner, 0) - 1
            if left > 0:
                self._readers[owner] = left
            else:
                self._readers.pop(owner, None)

    def readers(self) -> int:
        """Reads held now, by every thread."""
        with self._condition:
            self._apply_releases()
            return sum(self._readers.values())

    def is_writer(self) -> bool:
        """Whether the calling thread holds the write lock."""
        return self._writer == threading.get_ident()

    def acquire_read(self, timeout: float) -> bool:
        """Wait (up to `timeout` seconds) until reading is allowed; False when it was not."""
        me = threading.get_ident()
        deadline = time.monotonic() + timeout
        with self._condition:
            self._apply_releases()
            if not (self._writer == me or self._readers.get(me)):
                since = self._writes_done
                self._waiting_readers[since] = self._waiting_readers.get(since, 0) + 1
                try:
                    while not (
                        self._writer is None
                        and (not self._waiting_writers or self._writes_done > since)
                    ):
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            return False
                        self._condition.wait(min(remaining, _POLL_SECONDS))
                        self._apply_releases()
                finally:
                    left = self._waiting_readers[since] - 1
                    if left:
                        self._waiting_readers[since] = left
                    else:
                        del self._waiting_readers[since]
                        self._condition.notify_all()  # a writer may wait for this turn to end
            self._readers[me] = self._readers.get(me, 0) + 1
            return True

    def release_read(self, owner: int | None = None) -> None:
        """Release one read of `owner` (the calling thread by default)."""
        self._released.append(owner if owner is not None else threading.get_ident())
        if self._condition.acquire(blocking=False):  # else a waiter applies it when it polls
            try:
                self._apply_releases()
                self._condition.notify_all()
            finally:
                self._condition.release()

    def acquire_write(self, timeout: float) -> bool:
        """Wait (up to `timeout` seconds) until no other thread reads or writes; False when
        they did not finish in time. Readers' cursors that only a reference cycle keeps alive
        are collected once, after a second of waiting."""
        me = threading.get_ident()
        deadline = time.monotonic() + timeout
        collected = False
        with self._condition:
            self._apply_releases()
            if self._writer == me:
                self._depth += 1
                return True
            if self._readers.get(me):
                gc.collect()
                self._apply_releases()
                if self._readers.get(me):
                    raise RuntimeError(
                        "this thread still holds a cursor for reading the database and cannot "
                        "write until it is released (it would wait for itself)"
                    )
            self._waiting_writers += 1
            try:
                while (
                    self._writer is not None
                    or self._readers
                    or any(since < self._writes_done for since in self._waiting_readers)
                ):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    if self._readers and not collected and remaining < timeout - 1.0:
                        collected = True
                        gc.collect()
                    self._condition.wait(min(remaining, _POLL_SECONDS))
                    self._apply_releases()
            finally:
                self._waiting_writers -= 1
            self._writer = me
            self._depth = 1
            return True

    def release_write(self) -> None:
        with self._condition:
            self._depth -= 1
            if self._depth == 0:
                self._writer = None
                self._writes_done += 1
                self._condition.notify_all()


class Database:
    """The app's handle on one database file, shared by every thread of the process.

    Between writes it holds the file read-only, so other programs (`alignment kpis`) can read
    it too. A write (`write()`) waits for the reads in progress in this process, runs alone,
    closes the read-only connection, opens the file read-write, and opens it read-only again
    afterwards. At the first use it creates a missing file (`created`), migrates and prepares
    it, and runs `on_start` with write access (the app loads the demo into a new database;
    `started` keeps what it returned). Every read start and every write first checks that the
    file at the path is still the one it opened (`DatabaseGone` otherwise: nothing is written,
    and no new file is ever created in its place). When another program holds the file, reads
    and writes wait a little, then raise `DatabaseBusy` with a sentence for the page. The waits
    default to the module's `LOCK_WAIT_SECONDS`, `QUEUE_WAIT_SECONDS` and `OPEN_WAIT_SECONDS`."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        models: Models | None = None,
        on_start: Callable[[Connection], Any] | None = None,
        lock_wait: float | None = None,
        queue_wait: float | None = None,
        open_wait: float | None = None,
    ) -> None:
        self.path = database_path(path)
        self.created = False
        self.started: Any = None
        self._on_start = on_start
        self._models = models
        install(models)
        self._lock_wait = LOCK_WAIT_SECONDS if lock_wait is None else lock_wait
        self._queue_wait = QUEUE_WAIT_SECONDS if queue_wait is None else queue_wait
        self._open_wait = OPEN_WAIT_SECONDS if open_wait is None else open_wait
        self._lock = ReadWriteLock()
        self._reader: Connection | None = None  # read-only, between writes
        self._writer: Connection | None = None  # read-write, during a write
        self._identity: tuple[int, int] | None = None
        self._prepared = False
        self._closed = False

    # ---- reading ----------------------------------------------------------------------------
    def cursor(self) -> Connection:
        """A cursor for reading. No write starts until it is garbage-collected, so hand it
        straight to the function that reads (`overview.kpis(db.cursor(), ...)`) and keep no
        reference to it."""
        if self._lock.is_writer() and self._writer is not None:
            return cursor(self._writer)  # this thread's own write: read what it wrote
        con = self._acquire_read()
        try:
            result = cursor(con)
        except BaseException:
            self._lock.release_read()
            raise
        weakref.finalize(result, self._lock.release_read, threading.get_ident())
        return result

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A cursor for one block of reads; writes wait until the block ends."""
        if self._lock.is_writer() and self._writer is not None:
            yield cursor(self._writer)
            return
        con = self._acquire_read()
        try:
            reading = cursor(con)
            try:
                yield reading
            finally:
                reading.close()
        finally:
            self._lock.release_read()

    def available(self) -> bool:
        """Whether the database can be read now (opening it if needed)."""
        try:
            with self.read():
                return True
        except DatabaseUnavailable:
            return False

    def _acquire_read(self) -> Connection:
        """The read-only connection, with a read lock the caller releases."""
        while True:
            if not self._lock.acquire_read(self._queue_wait):
                raise DatabaseBusy(
                    f"Another change to the database {self.path} has been running in the app "
                    f"for over {self._queue_wait:.0f} s; this page retries every few seconds.",
                    self.path,
                    holder="this app",
                )
            try:
                if self._reader is not None:
                    self._check_identity()
                    return self._reader
            except BaseException:
                self._lock.release_read()
                raise
            self._lock.release_read()
            with self._exclusive():  # (re)opening changes what every reader uses
                if self._reader is None:
                    self._open_for_reading()

    # ---- writing ----------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """The read-write connection for one change (run its statements in `transaction`).

        Waits for this process's reads and writes in progress, then for another program to
        release the file (a little: `DatabaseBusy`, "another change is running", after
        `lock_wait` seconds, with nothing written). Raises `DatabaseGone`, with nothing
        written, when the file at the path is not the one opened at start-up; and after the
        change when the file went away while it ran (the change is then not in the file at the
        path, so it must not be reported as done). Nested in the same thread, it is the same
        write."""
        if self._lock.is_writer() and self._writer is not None:
            yield self._writer
            return
        with self._exclusive():
            if self._identity is None:
                self._open_for_reading()  # the start-up: check, create, migrate, prepare
            self._check_identity()
            self._close_reader()
            try:
                try:
                    con = self._wait_for(read_only=False, wait=self._lock_wait)
                except DatabaseBusy as exc:
                    raise DatabaseBusy(
                        f"Another change is running: {exc.holder} holds the database "
                        f"{self.path}. Try again in a moment.",
                        self.path,
                        holder=exc.holder,
                        retry=False,
                    ) from exc
                try:
                    self._check_identity()  # the file opened is the one checked
                    if not self._prepared:
                        self._prepare(con, starting=False)
                    self._writer = con
                    yield con
                finally:
                    self._writer = None
                    con.close()
                self._check_identity(after_write=True)
            finally:
                if file_identity(self.path) == self._identity:
                    with contextlib.suppress(DatabaseUnavailable):
                        self._reader = self._wait_for(read_only=True, wait=self._open_wait)

    def close(self) -> None:
        """Close the handle (after the reads in progress, or at once when they take longer
        than the queue wait)."""
        acquired = False
        with contextlib.suppress(RuntimeError):
            acquired = self._lock.acquire_write(self._queue_wait)
        try:
            self._closed = True
            self._close_reader()
        finally:
            if acquired:
                self._lock.release_write()

    # ---- internals ----------------------------------------------------------------------------
    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if not self._lock.acquire_write(self._queue_wait):
            raise DatabaseBusy(
                f"Another change to the database {self.path} has been running in the app for "
                f"over {self._queue_wait:.0f} s: try again when it has finished.",
                self.path,
                holder="this app",
                retry=False,
            )
        try:
            yield
        finally:
            self._lock.release_write()

    def _wait_for(self, *, read_only: bool, wait: float) -> Connection:
        """Open the file, retrying for `wait` seconds while another program holds it."""
        deadline = time.monotonic() + wait
        while True:
            try:
                return _open(self.path, read_only=read_only)
            except DatabaseBusy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()  # closes every cursor made from it, too
            self._reader = None

    def _open_for_reading(self) -> None:
        """(Under the write lock.) Open the file read-only; the first time, start it up."""
        if self._closed:
            raise DatabaseUnavailable(f"The handle on {self.path} is closed.", self.path)
        try:
            if self._identity is None:
                self._start()
            else:
                self._check_identity()
                self._reader = self._wait_for(read_only=True, wait=self._open_wait)
        except DatabaseBusy as exc:
            if isinstance(exc, _HeldInThisProcess):
                raise
            raise DatabaseBusy(
                f"The database {self.path} is being changed by another program ({exc.holder}, "
                "for example an import from the command line); this page retries every few "
                "seconds.",
                self.path,
                holder=exc.holder,
            ) from exc

    def _start(self) -> None:
        """Check the file, create it if missing, prepare it with write access, then keep it
        read-only. When other programs are reading it and it is already in step with this
        code, it is opened read-only and prepared at the first write instead."""
        exists = check_file(self.path)
        in_step = False
        if exists:
            con = self._wait_for(read_only=True, wait=self._open_wait)
            try:
                check_contents(con, self.path)
                in_step = not needs_upgrade(con, self._models)
            finally:
                con.close()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:  # when reading is enough to start, readers elsewhere are not waited for long
            writer = self._wait_for(
                read_only=False, wait=self._open_wait if in_step else self._lock_wait
            )
        except DatabaseBusy:
            if not in_step:
                raise
            self._reader = self._wait_for(read_only=True, wait=self._open_wait)
            self._identity = file_identity(self.path)
            return
        try:
            self.created = self.created or not exists
            self._prepare(writer, starting=True)
            self._identity = file_identity(self.path)
        finally:
            writer.close()
        self._reader = self._wait_for(read_only=True, wait=self._open_wait)

    def _prepare(self, con: Connection, *, starting: bool) -> None:
        prepare(con, self._models)
        if starting and self._on_start is not None:
            self.started = self._on_start(con)
        self._prepared = True

    def _check_identity(self, *, after_write: bool = False) -> None:
        current = file_identity(self.path)
        if current == self._identity:
            return
        what = "deleted or moved" if current is None else "replaced by another file"
        if after_write:
            done = (
                " while a change was being written: the change went into the old file and is "
                "not in the file at that path"
            )
        else:
            done = " while the app was running. Nothing was written"
        raise DatabaseGone(
            f"The database file {self.path} was {what}{done}. Put the file back at that path "
            "(the app then carries on by itself), or restart the app to use the file that is "
            "there now (without one, a new database is created).",
            self.path,
        )
