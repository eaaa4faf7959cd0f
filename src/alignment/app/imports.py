"""Imports in the app: uploads spooled to temporary files and imported from disk, what the page
keeps of a result, the import history, deleting an import and removing the demo data (each
asking first, naming what would go), and the demo-data banner."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from alignment import ingest
from alignment.app import access, database, presenter, widgets
from alignment.app.cache import cached
from alignment.db import store
from alignment.devtools import demo
from alignment.present.text import markdown_text

UPLOADS_KEY = "_upload_files"
"""Session key: upload id -> the temporary file the upload was written to."""


def _upload_path(upload: Any) -> Path:
    """The upload written to a temporary file, once per upload: the import reads it from disk,
    so the only copy of the file in memory is the one Streamlit keeps for the upload widget."""
    files: dict[str, str] = st.session_state.setdefault(UPLOADS_KEY, {})
    path = files.get(upload.file_id)
    if path is None or not Path(path).exists():
        fd, path = tempfile.mkstemp(prefix="alignment-upload-", suffix=Path(upload.name).suffix)
        with os.fdopen(fd, "wb") as out:
            buffer = upload.getbuffer()  # a view of the upload's bytes, not a copy
            try:
                out.write(buffer)
            finally:
                buffer.release()
        files[upload.file_id] = path
    return Path(path)


def forget_uploads(kept: list[Any]) -> None:
    """Delete the temporary files of uploads that are no longer in the upload widget."""
    files: dict[str, str] = st.session_state.setdefault(UPLOADS_KEY, {})
    keep = {upload.file_id for upload in kept}
    for file_id in [f for f in files if f not in keep]:
        with contextlib.suppress(OSError):
            os.unlink(files.pop(file_id))


def _inspect(con: store.Connection, file_key: str, file_name: str, path: str) -> tuple[Any, Any]:
    """(Cached per upload id by `inspect_upload`; `file_key` is part of the key.)"""
    sniffed = ingest.sniff(Path(path), file_name)
    proposal = ingest.saved_mapping(con, sniffed.columns) or ingest.propose_mapping(sniffed.columns)
    return sniffed, proposal


def inspect_upload(upload: Any) -> tuple[Any, Any]:
    """Sniff an uploaded file and propose a mapping (a remembered one when the header was seen
    before). Cached per upload; raises ingest.IngestError for unreadable files."""
    with st.spinner("Reading the file…"):
        return cached(_inspect, upload.file_id, upload.name, str(_upload_path(upload)))


def propose(columns: list[str], object_type: str | None = None, preset: str | None = None) -> Any:
    """A mapping proposal for a header when the user chose the object type or the preset."""
    return ingest.propose_mapping(columns, object_type=object_type, preset=preset)


def import_upload(upload: Any, **options: Any) -> Any:
    """Import one uploaded file (one write, one transaction), read from its temporary file, and
    drop cached results. Raises ingest.IngestError, also when another change is running or the
    database file went away."""
    path = _upload_path(upload)
    limit = ingest.upload_memory_limit(path.stat().st_size)  # the upload itself is in memory too
    try:
        with database.writing() as con:
            return ingest.import_file(con, path, upload.name, memory_limit=limit, **options)
    except store.DatabaseUnavailable as error:
        raise ingest.IngestError(str(error), file_name=upload.name) from error
    finally:
        database.data_changed()


def result_summary(result: Any) -> dict[str, Any]:
    """What the page keeps of an import result across reruns, with a one-line headline."""
    if result.status == "unchanged":
        headline = (
            f"{result.file_name} was already imported: nothing changed "
            f"({result.rows_read:,} rows read)."
        )
    elif result.split:  # an event log: one import, two tables
        headline = (
            f"Imported {result.file_name} as an event log (source {result.source_system}, "
            f"import #{result.import_id}): {result.rows_read:,} rows read, "
            f"{result.rows_loaded:,} loaded ({result.split.get('touchpoints', 0):,} touchpoints, "
            f"{result.split.get('opportunities', 0):,} conversions as won opportunities; "
            f"{result.rows_inserted:,} new, {result.rows_updated:,} updated), "
            f"{result.rows_rejected:,} rejected."
        )
    else:
        headline = (
            f"Imported {result.file_name} as {result.source_system} {result.object_type} "
            f"(import #{result.import_id}): {result.rows_read:,} rows read, "
            f"{result.rows_loaded:,} loaded ({result.rows_inserted:,} new, "
            f"{result.rows_updated:,} updated), {result.rows_rejected:,} rejected."
        )
    return {
        "status": result.status,
        "headline": headline,
        "warnings": list(result.warnings),
        "rows_rejected": result.rows_rejected,
        "import_id": result.import_id,
    }


def import_rejects(import_id: int) -> pl.DataFrame:
    """One row per rejected value of an import."""
    return cached(ingest.import_rejects, import_id)


def import_history() -> pl.DataFrame:
    """One row per import, newest first."""
    return cached(ingest.list_imports)


TABLE_NOUNS: dict[str, str] = {
    "leads": "leads",
    "opportunities": "opportunities",
    "activities": "activities",
    "touchpoints": "touchpoints",
    "spend": "spend rows",
    "targets": "targets",
}
"""How a fact table's rows are called in messages."""


def _import_row(import_id: int) -> dict[str, Any] | None:
    history = import_history().filter(pl.col("import_id") == import_id)
    return history.row(0, named=True) if history.height else None


def _demo_description() -> str:
    """`the demo data (#1 Demo data (generated): 20,000 generated leads with ...)`."""
    demo_rows = import_history().filter(pl.col("is_demo").fill_null(False))
    leads = int(demo_rows["rows_loaded"].fill_null(0).sum())
    names = ", ".join(
        f"#{i} {name}" for i, name in demo_rows.select("import_id", "file_name").iter_rows()
    )
    return (
        f"the demo data ({names}: {leads:,} generated leads with their opportunities, "
        "activities, touchpoints, spend and targets)"
    )


def delete_import_question(import_id: int) -> str:
    """What deleting an import would do, as a question naming the file and its rows."""
    row = _import_row(import_id)
    if row is None:
        return f"Import #{import_id} no longer exists."
    if row["is_demo"]:
        return remove_demo_question()
    inserted, updated = row["rows_inserted"] or 0, row["rows_updated"] or 0
    return (
        f"Delete import #{import_id} ({row['file_name']}, {row['object_type']})? Its "
        f"{inserted:,} new rows are removed and the {updated:,} rows it updated get their "
        "previous values back (rows a later import changed keep the later values)."
    )


def remove_demo_question() -> str:
    """What "Remove demo data" would do, as a question naming the import and its rows."""
    return f"Remove {_demo_description()}? Your own imports are kept."


def remove_demo() -> str:
    """Remove the demo data (one write, one transaction); returns a sentence saying what went.
    Raises ingest.IngestError when another change is running or the file went away."""
    try:
        with database.writing() as con:
            before = store.table_counts(con)
            demo.remove_demo(con)
            after = store.table_counts(con)
    except store.DatabaseUnavailable as error:
        raise ingest.IngestError(str(error)) from error
    finally:
        database.data_changed()
    removed = [
        f"{before[name] - after[name]:,} {TABLE_NOUNS.get(name, name)}"
        for name in before
        if before[name] != after[name]
    ]
    return "Demo data removed" + (f": {', '.join(removed)}." if removed else ".")


def delete_import(import_id: int) -> str:
    """Undo an import (demo data is removed as a whole); returns a sentence for the user that
    names the file and the rows removed and restored."""
    try:
        if demo.is_demo_import(database.connection(), import_id):
            return remove_demo()
        row = _import_row(import_id)
        with database.writing() as con:
            counts = ingest.delete_import(con, import_id)
    except store.DatabaseUnavailable as error:
        raise ingest.IngestError(str(error)) from error
    finally:
        database.data_changed()
    removed = counts.get("rows_removed", 0)
    restored = counts.get("rows_restored", 0)
    name = f" ({row['file_name']})" if row else ""
    return (
        f"Import #{import_id}{name} deleted: {removed:,} rows removed, {restored:,} rows restored."
    )


REMOVE_DEMO_KEY = "remove_demo_pending"
"""Session key set while "Remove demo data" waits for its confirmation."""


def demo_banner() -> None:
    """A visible banner while demo data is loaded, with a button to remove it that asks first
    (naming what would go) and, after the rerun, says what it removed; before it, the notice
    of a database the app created at start-up (`database.new_database_notice`)."""
    is_demo = import_history()["is_demo"].fill_null(False)
    database.new_database_notice(has_real_imports=bool((~is_demo).any()))
    widgets.show_notice("demo")
    if not is_demo.any():
        st.session_state.pop(REMOVE_DEMO_KEY, None)
        return
    # a shared screen or a viewer: say it, but no banner and no button
    if presenter.presenter_mode() or not access.is_analyst():
        st.caption(":material/science: Demo data: a generated example company.")
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(
        "**Demo data.** You are looking at a generated example company, not your data. "
        "Import your exports on the Import page, then remove the demo.",
        icon=":material/science:",
    )
    if right.button("Remove demo data", key="remove_demo", type="secondary"):
        st.session_state[REMOVE_DEMO_KEY] = True
    if st.session_state.get(REMOVE_DEMO_KEY) and widgets.confirmation(
        REMOVE_DEMO_KEY, remove_demo_question(), "Remove the demo data"
    ):
        try:
            widgets.notify("demo", remove_demo())
        except ingest.IngestError as error:
            st.error(markdown_text(str(error)), icon=":material/block:")
            return
        st.rerun()
