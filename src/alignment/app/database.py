"""The app's database handle: one per file and process (`model.Database`: read-only between
writes, a cursor per read, one write at a time), the data version that cached results are keyed
by, and what a page shows when the database cannot be used or was created at start-up.

Reads take `connection()` (through `cache.cached`, which keys them by `data_version()`); writes
take `writing()` and call `data_changed()` afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import streamlit as st

from alignment import model
from alignment.db import store
from alignment.devtools import demo
from alignment.present.text import markdown_text

RETRY_SECONDS = 3
"""How often a page that cannot read the database tries again."""

_version_lock = threading.Lock()
_writes = 0  # writes this process made (see data_version)


def _close_database(database: store.Database) -> None:
    database.close()


@st.cache_resource(show_spinner=False, on_release=_close_database)
def _database(path: str) -> store.Database:
    """One handle per database file and process: read-only between writes, read-write for one
    write at a time (`store.Database`). At start-up a new, empty database gets the demo data
    (unless ALIGNMENT_NO_DEMO is set)."""
    fill = None if os.environ.get("ALIGNMENT_NO_DEMO") else demo.ensure_demo
    return model.Database(path, on_start=fill)


def database_path() -> str:
    return str(store.database_path())


def handle() -> store.Database:
    """The database handle itself, for work on another thread (a download built when its button
    is clicked): take a cursor there with `store.cursor(handle)`."""
    return _database(database_path())


def connection() -> store.Connection:
    """A cursor for reading (DuckDB cursors are per thread). Writes wait until it is
    garbage-collected, so pass it straight to the function that reads and keep no reference."""
    return handle().cursor()


def writing() -> AbstractContextManager[store.Connection]:
    """The read-write connection for one change, alone (`store.Database.write`). Call
    `data_changed()` when it is over, whether it succeeded or not."""
    return handle().write()


def data_version() -> tuple[str, int, tuple[int, int, int] | None]:
    """What cached results are keyed by besides their arguments: the database path, how many
    writes this process made, and the file as it is now (device, inode, modification time; None
    when it is gone). So a file deleted, replaced or changed by another program while the app
    did not hold it is read again (and its state reported) instead of served from the cache.
    The first read of a new handle may prepare the file (a write): the results of that one
    read are computed again on the next."""
    path = database_path()
    try:
        status = os.stat(path)
        file: tuple[int, int, int] | None = (status.st_dev, status.st_ino, status.st_mtime_ns)
    except OSError:
        file = None
    return path, _writes, file


def data_changed() -> None:
    """Call after anything writes to the database: the data version moves on and cached results
    are dropped."""
    global _writes
    with _version_lock:
        _writes += 1
    st.cache_data.clear()


@contextmanager
def database_guard() -> Iterator[None]:
    """Around everything app.py draws: when the database cannot be used (another program is
    changing it, the file was deleted, moved or replaced, it is not an Alignment database)
    the page says so instead of a traceback, and retries by itself when waiting can help."""
    try:
        yield
    except store.DatabaseUnavailable as error:
        if error.retry:
            st.warning(markdown_text(str(error)), icon=":material/hourglass_top:")
            _retry_when_available()
        else:
            st.error(markdown_text(str(error)), icon=":material/block:")


@st.fragment(run_every=RETRY_SECONDS)
def _retry_when_available() -> None:
    if handle().available():
        st.rerun(scope="app")


def new_database_notice(has_real_imports: bool) -> None:
    """Say so when the app created the database file at start-up (a restart after the file was
    lost must never pass for the user's data), until the first import of real data."""
    database = handle()
    if not database.created or has_real_imports:
        return
    filled = "and loaded the demo data into it" if database.started else "(it is empty)"
    st.warning(
        markdown_text(
            f"New database: there was no file at {database.path} when the app started, so it "
            f"created one {filled}. If your data was there, the file was moved or deleted: "
            "stop the app, put the file back and start the app again."
        ),
        icon=":material/new_releases:",
    )
