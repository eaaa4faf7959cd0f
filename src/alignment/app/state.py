"""Streamlit glue, and the ONLY module of the package that imports streamlit.

Owns: the cached database handle (one per process, read-only between writes, a cursor per
read; `store.Database`), what the pages show when the database cannot be used, cached query
results (cleared after anything writes), the global sidebar filters bound to the URL, and the
demo-data banner. Pages call these and `alignment` functions; they never open the database or
write SQL themselves.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import polars as pl
import streamlit as st

from alignment import clock, ingest, model, periods
from alignment.app import links
from alignment.db import store
from alignment.devtools import demo
from alignment.filters import DIMENSIONS, Filters
from alignment.metrics import funnel, overview, quality, records, rejections
from alignment.metrics.rejections import Kind, Level
from alignment.model import maps
from alignment.periods import ALL_TIME, COMPARISONS, GRAINS, Comparison, Grain, Period
from alignment.present import export, privacy
from alignment.present.text import markdown_text

DIMENSION_LABELS: dict[str, str] = {
    "channel": "Channel",
    "segment": "Segment",
    "region": "Region",
    "team": "Team",
    "owner": "Owner",
}


# ---- database -----------------------------------------------------------------------------
RETRY_SECONDS = 3
"""How often a page that cannot read the database tries again."""


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


def connection() -> store.Connection:
    """A cursor for reading (DuckDB cursors are per thread). Writes wait until it is
    garbage-collected, so pass it straight to the function that reads and keep no reference."""
    return _database(database_path()).cursor()


def _writing() -> AbstractContextManager[store.Connection]:
    """The read-write connection for one change, alone (`store.Database.write`)."""
    return _database(database_path()).write()


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
    if _database(database_path()).available():
        st.rerun(scope="app")


def database_notice() -> None:
    """Say so when the app created the database file at start-up (a restart after the file was
    lost must never pass for the user's data), until the first import of real data."""
    database = _database(database_path())
    if not database.created:
        return
    history = ingest.list_imports(connection())
    if history.filter(~pl.col("is_demo").fill_null(False)).height:
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


def data_changed() -> None:
    """Call after anything writes to the database: cached query results are dropped."""
    st.cache_data.clear()


# ---- cached metric calls (keyed by the database file and plain, hashable arguments) -------
@st.cache_data(show_spinner=False)
def _dimension_values(path: str, dimension: str) -> list[str]:
    return overview.dimension_values(connection(), dimension)


@st.cache_data(show_spinner=False)
def _data_date_range(path: str) -> tuple[date | None, date | None]:
    return overview.data_date_range(connection())


@st.cache_data(show_spinner="Computing KPIs…")
def _kpi_comparison(path: str, period_key: str, comparison: str, filters: Filters) -> pl.DataFrame:
    return overview.kpi_comparison(connection(), Period.parse(period_key), comparison, filters)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False)
def _kpis(path: str, period_key: str, filters: Filters) -> pl.DataFrame:
    return overview.kpis(connection(), Period.parse(period_key), filters)


@st.cache_data(show_spinner=False)
def _monthly_trend(path: str, end_key: str, filters: Filters, months: int) -> pl.DataFrame:
    return overview.monthly_trend(connection(), filters, Period.parse(end_key), months)


@st.cache_data(show_spinner=False)
def _maturity(path: str, period_key: str, filters: Filters) -> dict[str, Any]:
    return overview.cohort_maturity(connection(), Period.parse(period_key), filters)


# ---- presenter mode -----------------------------------------------------------------------
PRESENT_KEY = "present"
PRESENTER_CSS = """
<style>
  /* presenter mode: readable at 3 m on a projector */
  .stMainBlockContainer { font-size: 1.2rem; }
  [data-testid="stMetricValue"] { font-size: 3rem; }
  [data-testid="stMetricLabel"] p { font-size: 1.15rem; }
  .stMainBlockContainer h1 { font-size: 2.8rem; }
</style>
"""


def presenter_mode_requested() -> bool:
    """Whether presenter mode is on; `?present=1` in a link turns it on when the session starts.

    Call before `st.set_page_config` (the sidebar starts collapsed in presenter mode)."""
    if PRESENT_KEY not in st.session_state:
        value = str(st.query_params.get(PRESENT_KEY, "")).strip().lower()
        if value in ("1", "true", "yes", "on"):
            st.session_state[PRESENT_KEY] = True
    return presenter_mode()


def presenter_mode() -> bool:
    """Presenter mode: larger type, sidebar collapsed, names and e-mails masked."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def apply_presenter_style() -> None:
    """Larger type for a shared screen (no-op outside presenter mode)."""
    if presenter_mode():
        st.html(PRESENTER_CSS)


def personal_data(frame: pl.DataFrame) -> pl.DataFrame:
    """Record-level frames for display or download: names and e-mails masked in presenter
    mode, untouched otherwise."""
    return privacy.mask_personal_data(frame) if presenter_mode() else frame


# ---- tables and messages ------------------------------------------------------------------
def table(frame: pl.DataFrame) -> pl.DataFrame:
    """Any frame a page shows with `st.dataframe` (one row per input row): names and e-mails
    masked in presenter mode, and text cells and column names that a spreadsheet would run as
    a formula neutralised, because the table toolbar's "Download as CSV" exports what the
    table holds."""
    return export.neutralise(personal_data(frame))


def editor_table(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame for `st.data_editor` (one row per input row): formulas neutralised as in
    `table`, nothing masked (the edits are saved). Read the result back with `edited_table`."""
    return export.neutralise(frame)


def editor_options(values: list[str]) -> list[str]:
    """The options of an editor's select column, neutralised like the cells that hold them."""
    return [export.neutralise_value(value) for value in values]


def edited_table(frame: pl.DataFrame) -> pl.DataFrame:
    """What `st.data_editor` returned for an `editor_table`, as it is to be stored: neutralised
    text gets its original value back."""
    return export.restore(frame)


NOTICE_KEY = "notices"
"""Session key of the messages kept for the next run, by the place that shows them."""
NOTICE_ICONS: dict[str, str] = {
    "success": ":material/check_circle:",
    "info": ":material/info:",
    "warning": ":material/warning:",
    "error": ":material/block:",
}


def notify(place: str, text: str, kind: str = "success") -> None:
    """Keep a message for the next run (a `st.rerun()` wipes one shown now); `show_notice`
    with the same `place` shows it once. `kind`: success, info, warning or error."""
    st.session_state.setdefault(NOTICE_KEY, {})[place] = (kind, text)


def show_notice(place: str) -> None:
    """Show, once, the message `notify` kept for `place` (as text: it may quote file names)."""
    notice = st.session_state.get(NOTICE_KEY, {}).pop(place, None)
    if notice is not None:
        kind, text = notice
        getattr(st, kind)(markdown_text(text), icon=NOTICE_ICONS.get(kind))


def confirmation(key: str, question: str, action: str) -> bool:
    """The confirm step of a destructive action pending under session key `key`: the question
    (which names what would go) with an `action` button and Cancel. True once confirmed;
    Cancel forgets the pending action and reruns. Either click clears `key`."""
    with st.container(border=True):
        st.warning(markdown_text(question), icon=":material/warning:")
        yes, no, _ = st.columns([2, 1, 3])
        if yes.button(action, key=f"{key}_yes", type="primary"):
            st.session_state.pop(key, None)
            return True
        if no.button("Cancel", key=f"{key}_cancel"):
            st.session_state.pop(key, None)
            st.rerun()
    return False


# ---- routing ------------------------------------------------------------------------------
VIEW_KEY = "view"
"""Session key where app.py (the router) leaves the sidebar selection for the page it runs."""


def require_router() -> None:
    """Make sure a page runs through the router (app.py); call first thing on every page.

    Streamlit decides per server process whether a `pages/` folder means its legacy
    pages-folder mode, and `st.navigation` switches that off only once app.py has run. So a
    deep link (`/funnel`) that is the very first request of a freshly started server runs the
    page file alone: no router, no sidebar filters. Then this switches the legacy mode off and
    reruns, and app.py draws the page as usual."""
    if VIEW_KEY not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()


def page_view() -> View:
    """The sidebar selection (period, comparison, filters) for the page being drawn."""
    require_router()
    return st.session_state[VIEW_KEY]


# ---- global filters -----------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """What the sidebar selects: the period, what to compare it with, and the filters."""

    period: Period
    comparison: Comparison
    filters: Filters

    @property
    def comparison_period(self) -> Period | None:
        return self.period.comparison(self.comparison)

    def describe(self) -> str:
        """One line for captions: `March 2026 vs February 2026 · channel: Email`."""
        other = self.comparison_period
        text = self.period.label + (f" vs {other.label}" if other else "")
        return text + ("" if self.filters.is_empty else f" · {self.filters.describe()}")


def default_period(grain: Grain, earliest: date | None, latest: date | None, today: date) -> Period:
    """The period a meeting most likely reviews: the latest complete period with data
    (`periods.latest_complete`)."""
    return periods.latest_complete(grain, earliest, latest, today)


def period_options(
    grain: Grain, earliest: date | None, latest: date | None, today: date
) -> list[str]:
    """Period keys for the selector, newest first: every period of the grain from the data's
    earliest to its latest event date (no cap: the selector is searchable), then `all`. With
    no dated data, the last complete period (the default) and `all`."""
    if earliest is None or latest is None:
        return [default_period(grain, earliest, latest, today).key, "all"]
    return [p.key for p in periods.periods_between(grain, earliest, latest)] + ["all"]


LINK_READ_KEY = "_link_read"
LINK_PENDING_KEY = "_link_pending"
LINK_NOTICE_KEY = "_link_notice"
"""Session keys: the link was read (once per session); the notice of a link rewritten on the
run before; the notice with the view it came with (shown until the selection changes)."""


def _apply_link(
    earliest: date | None,
    latest: date | None,
    today: date,
    dimension_values: dict[str, list[str]],
) -> str | None:
    """On a session's first run, before any sidebar widget exists: read what the link asks for
    (`links.resolve`). When it needs rewriting (CLI spellings, other letter case, values that
    cannot be applied), write the widgets' spellings into the URL and rerun, so the widgets
    are seeded from values they accept and the address bar reproduces the view. Returns the
    notice of what could not be applied, on the run that draws the widgets (else None)."""
    if LINK_PENDING_KEY in st.session_state:
        notice: str | None = st.session_state.pop(LINK_PENDING_KEY)
        return notice
    if st.session_state.get(LINK_READ_KEY):
        return None
    st.session_state[LINK_READ_KEY] = True
    params = {key: st.query_params.get_all(key) for key in (*links.LINK_KEYS, *DIMENSIONS)}
    choices = links.Choices(
        period_options=lambda grain: period_options(grain, earliest, latest, today),
        default_period=lambda grain: default_period(grain, earliest, latest, today).key,
        dimension_values=dimension_values,
        dimension_labels=DIMENSION_LABELS,
    )
    resolution = links.resolve(params, choices)
    if not resolution.values:
        return resolution.notice
    for key, values in resolution.values.items():
        if values:
            st.query_params[key] = values
        elif key in st.query_params:
            del st.query_params[key]
    st.session_state[LINK_PENDING_KEY] = resolution.notice
    st.rerun()


def sidebar_view() -> View:
    """Draw the global filters in the sidebar (bound to the URL) and return the selection.
    On a session's first run the link's values are read first (see `links`): CLI spellings
    are applied, and what cannot be is kept for `link_notice`."""
    path = database_path()
    earliest, latest = _data_date_range(path)
    today = clock.today()
    dimension_values = {d: _dimension_values(path, d) for d in DIMENSIONS}
    notice = _apply_link(earliest, latest, today, dimension_values)
    sidebar = st.sidebar
    sidebar.toggle(
        "Presenter mode",
        key=PRESENT_KEY,
        bind="query-params",
        help="For a shared screen: larger type, names and e-mails masked. A link with "
        "`?present=1` opens in presenter mode.",
    )
    sidebar.markdown("**Period**")
    grain: Grain = (
        sidebar.segmented_control(
            "Grain",
            list(GRAINS),
            default="month",
            key="grain",
            bind="query-params",
            format_func=links.grain_label,
            label_visibility="collapsed",
            required=True,
        )
        or "month"
    )
    options = period_options(grain, earliest, latest, today)
    default_key = default_period(grain, earliest, latest, today).key
    period_key = sidebar.selectbox(
        "Period",
        options,
        index=options.index(default_key) if default_key in options else 0,
        key="period",
        bind="query-params",
        format_func=lambda k: Period.parse(k).label,
        help="Every month, quarter or week from the data's first to its last event date; "
        "type to search.",
    )
    comparison = sidebar.selectbox(
        "Compare with",
        list(COMPARISONS),
        key="compare",
        bind="query-params",
        format_func=COMPARISONS.__getitem__,
    )
    sidebar.markdown("**Filters**")
    selected: dict[str, list[str]] = {}
    for dimension in DIMENSIONS:
        selected[dimension] = sidebar.multiselect(
            DIMENSION_LABELS[dimension],
            dimension_values[dimension],
            key=dimension,
            bind="query-params",
            placeholder="All",
        )
    period = Period.parse(period_key) if period_key else ALL_TIME
    view = View(
        period, comparison or "previous", Filters(**{d: tuple(v) for d, v in selected.items()})
    )
    if notice:
        st.session_state[LINK_NOTICE_KEY] = (notice, view)
    return view


def link_notice() -> None:
    """One line at the top of the page naming what the link asked for that could not be
    applied, and what is shown instead; it stays until the selection changes."""
    stored = st.session_state.get(LINK_NOTICE_KEY)
    if not stored:
        return
    text, view = stored
    if st.session_state.get(VIEW_KEY) != view:
        del st.session_state[LINK_NOTICE_KEY]
        return
    st.warning(text, icon=":material/link_off:")


# ---- page data ----------------------------------------------------------------------------
def kpi_comparison(view: View) -> pl.DataFrame:
    """One row per KPI: current and comparison values, delta text, definition."""
    return _kpi_comparison(database_path(), view.period.key, view.comparison, view.filters)


def kpis(view: View) -> pl.DataFrame:
    """The KPI row (with n and intervals) for the selected period."""
    return _kpis(database_path(), view.period.key, view.filters)


def _trend_window(view: View, grain: str, count: int) -> tuple[Period, int]:
    """The last period of a trend for the selection and how many periods it shows (at most
    `count` ending at the selected period; all time: the data's whole range)."""
    if grain not in ("month", "quarter"):
        raise ValueError(f"a trend is by month or quarter, not {grain!r}")
    earliest, latest = _data_date_range(database_path())
    return periods.trend_window(
        view.period, cast(Grain, grain), count, earliest, latest, clock.today()
    )


def trend_span(view: View, grain: str = "month", count: int = 18) -> str:
    """What a trend of `count` periods shows, for its title: `Jun 2025 – Nov 2026`."""
    last, shown = _trend_window(view, grain, count)
    first = last.shift(1 - shown)

    def label(period: Period) -> str:  # `Mar 2026`, as the trend's axis writes months
        if grain == "month" and period.first_day is not None:
            return f"{period.first_day:%b %Y}"
        return period.label

    return label(last) if shown == 1 else f"{label(first)} – {label(last)}"


def monthly_trend(view: View, months: int = 18) -> pl.DataFrame:
    """One row per month: up to `months` months ending at the selected period (not before the
    data's first month); for all time, every month of the data's range."""
    end, shown = _trend_window(view, "month", months)
    return _monthly_trend(database_path(), end.key, view.filters, shown)


def maturity(view: View) -> dict[str, Any]:
    return _maturity(database_path(), view.period.key, view.filters)


# ---- imports ----------------------------------------------------------------------------
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


@st.cache_data(show_spinner="Reading the file…", max_entries=32)
def _inspect(file_key: str, file_name: str, path: str) -> tuple[Any, Any]:
    sniffed = ingest.sniff(Path(path), file_name)
    proposal = ingest.saved_mapping(connection(), sniffed.columns) or ingest.propose_mapping(
        sniffed.columns
    )
    return sniffed, proposal


def inspect_upload(upload: Any) -> tuple[Any, Any]:
    """Sniff an uploaded file and propose a mapping (a remembered one when the header was seen
    before). Cached per upload; raises ingest.IngestError for unreadable files."""
    return _inspect(upload.file_id, upload.name, str(_upload_path(upload)))


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
        with _writing() as con:
            return ingest.import_file(con, path, upload.name, memory_limit=limit, **options)
    except store.DatabaseUnavailable as error:
        raise ingest.IngestError(str(error), file_name=upload.name) from error
    finally:
        data_changed()


def result_summary(result: Any) -> dict[str, Any]:
    """What the page keeps of an import result across reruns, with a one-line headline."""
    if result.status == "unchanged":
        headline = (
            f"{result.file_name} was already imported: nothing changed "
            f"({result.rows_read:,} rows read)."
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
    return ingest.import_rejects(connection(), import_id)


def import_history() -> pl.DataFrame:
    """One row per import, newest first."""
    return ingest.list_imports(connection())


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
        with _writing() as con:
            before = store.table_counts(con)
            demo.remove_demo(con)
            after = store.table_counts(con)
    except store.DatabaseUnavailable as error:
        raise ingest.IngestError(str(error)) from error
    finally:
        data_changed()
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
        if demo.is_demo_import(connection(), import_id):
            return remove_demo()
        row = _import_row(import_id)
        with _writing() as con:
            counts = ingest.delete_import(con, import_id)
    except store.DatabaseUnavailable as error:
        raise ingest.IngestError(str(error)) from error
    finally:
        data_changed()
    removed = counts.get("rows_removed", 0)
    restored = counts.get("rows_restored", 0)
    name = f" ({row['file_name']})" if row else ""
    return (
        f"Import #{import_id}{name} deleted: {removed:,} rows removed, {restored:,} rows restored."
    )


# ---- demo banner --------------------------------------------------------------------------
REMOVE_DEMO_KEY = "remove_demo_pending"
"""Session key set while "Remove demo data" waits for its confirmation."""


def demo_banner() -> None:
    """A visible banner while demo data is loaded, with a button to remove it that asks first
    (naming what would go) and, after the rerun, says what it removed."""
    database_notice()
    show_notice("demo")
    if not demo.has_demo(connection()):  # no cursor kept: removing the demo writes
        st.session_state.pop(REMOVE_DEMO_KEY, None)
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(
        "**Demo data.** You are looking at a generated example company, not your data. "
        "Import your exports on the Import page, then remove the demo.",
        icon=":material/science:",
    )
    if right.button("Remove demo data", key="remove_demo", type="secondary"):
        st.session_state[REMOVE_DEMO_KEY] = True
    if st.session_state.get(REMOVE_DEMO_KEY) and confirmation(
        REMOVE_DEMO_KEY, remove_demo_question(), "Remove the demo data"
    ):
        try:
            notify("demo", remove_demo())
        except ingest.IngestError as error:
            st.error(markdown_text(str(error)), icon=":material/block:")
            return
        st.rerun()


# ---- funnel (issue 4) ---------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _funnel_metric(
    path: str,
    function: str,
    period_key: str,
    filters: Filters,
    options: tuple[tuple[str, Any], ...],
) -> Any:
    """A cached `metrics.funnel.<function>(con, period, filters, **options)`."""
    metric = getattr(funnel, function)
    return metric(connection(), Period.parse(period_key), filters, **dict(options))


def _funnel(selection: View, function: str, /, **options: Any) -> Any:
    """`_funnel_metric` for the sidebar's period and filters (options may include `view`,
    the funnel view, hence the positional-only selection)."""
    options_key = tuple(sorted(options.items()))
    return _funnel_metric(
        database_path(), function, selection.period.key, selection.filters, options_key
    )


def funnel_stages(
    view: View, funnel_view: str, first_stage: str, window_days: int | None
) -> pl.DataFrame:
    """One row per funnel stage (cohort or flow view) for the selected period."""
    return _funnel(
        view, "stage_funnel", view=funnel_view, first_stage=first_stage, window_days=window_days
    )


def funnel_by_dimension(
    view: View, dimension: str, funnel_view: str, first_stage: str, window_days: int | None
) -> pl.DataFrame:
    """One row per step and dimension value, with n and Wilson intervals."""
    return _funnel(
        view,
        "conversion_by_dimension",
        dimension=dimension,
        view=funnel_view,
        first_stage=first_stage,
        window_days=window_days,
    )


def funnel_trend(
    view: View, grain: str, first_stage: str, window_days: int | None, count: int = 12
) -> pl.DataFrame:
    """One row per cohort and step: up to `count` cohorts ending at the selected period (not
    before the data's first); for all time, every cohort of the data's range."""
    end, shown = _trend_window(view, grain, count)
    options = {
        "grain": grain,
        "count": shown,
        "first_stage": first_stage,
        "window_days": window_days,
    }
    return _funnel_metric(
        database_path(), "step_trend", end.key, view.filters, tuple(sorted(options.items()))
    )


def funnel_maturity(view: View, first_stage: str, window_days: int | None) -> dict[str, Any]:
    """Whether the selected period's cohort is still maturing."""
    return _funnel(view, "maturity", first_stage=first_stage, window_days=window_days)


def time_to_convert(view: View, from_stage: str, to_stage: str, by: str | None) -> pl.DataFrame:
    """Median / p75 / p90 days between two stages (one row, or one per dimension value)."""
    return _funnel(view, "time_to_convert", from_stage=from_stage, to_stage=to_stage, by=by)


def time_to_convert_histogram(view: View, from_stage: str, to_stage: str) -> pl.DataFrame:
    """Converted leads per time-to-convert bin."""
    return _funnel(view, "time_to_convert_histogram", from_stage=from_stage, to_stage=to_stage)


def lead_acceptance(view: View, by: str | None = None) -> pl.DataFrame:
    """Lead acceptance of the period's MQLs (one row, or one per dimension value)."""
    return _funnel(view, "lead_acceptance", by=by)


def acceptance_target() -> float:
    """The lead acceptance SLA target (a share) from the settings."""
    return funnel.acceptance_target(connection())


def set_acceptance_target(target: float) -> None:
    """Store the lead acceptance SLA target and drop cached results."""
    try:
        with _writing() as con, store.transaction(con, changes_data=False):
            funnel.set_acceptance_target(con, target)
    finally:
        data_changed()


def score_range(view: View) -> tuple[int, float | None, float | None]:
    """(scored leads, lowest, highest score) among the period's leads."""
    return _funnel(view, "score_range")


def score_bands(view: View) -> pl.DataFrame:
    """Conversion by lead-score band for the period's leads."""
    return _funnel(view, "score_bands")


def score_threshold_whatif(view: View, threshold: float) -> dict[str, Any]:
    """MQL volume and expected MQL->SQL for an MQL score threshold."""
    return _funnel(view, "score_threshold_whatif", threshold=float(threshold))


@st.cache_data(show_spinner=False)
def _funnel_records_page(
    path: str, cell: funnel.Cell, page: int, page_size: int
) -> tuple[pl.DataFrame, int]:
    condition, params = funnel.cell_condition(cell)
    return records.lead_page(connection(), condition, params, page=page, page_size=page_size)


def funnel_records(cell: funnel.Cell, page: int, page_size: int) -> tuple[pl.DataFrame, int]:
    """One page of the leads behind a funnel cell (names and e-mails masked in presenter
    mode) and how many there are in all."""
    frame, total = _funnel_records_page(database_path(), cell, page, page_size)
    return personal_data(frame), total


def funnel_records_csv(cell: funnel.Cell) -> Callable[[], bytes]:
    """A callable for `st.download_button`: every lead behind a funnel cell as
    spreadsheet-safe CSV bytes, masked when presenter mode is on now (it runs on another
    thread, so it captures the database handle and the masking choice)."""
    database = _database(database_path())
    masked = presenter_mode()

    def build() -> bytes:
        condition, params = funnel.cell_condition(cell)
        frame = records.lead_records(store.cursor(database), condition, params)
        return export.safe_csv(privacy.mask_personal_data(frame) if masked else frame)

    return build


# ---- rejections (issue 4) -----------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _rejection_pareto(
    path: str,
    period_key: str,
    comparison_key: str | None,
    filters: Filters,
    kind: Kind,
    level: Level,
) -> pl.DataFrame:
    comparison = Period.parse(comparison_key) if comparison_key else None
    return rejections.pareto(
        connection(), Period.parse(period_key), comparison, filters, kind=kind, level=level
    )


@st.cache_data(show_spinner=False)
def _rejection_patterns(
    path: str, period_key: str, filters: Filters, kind: Kind, level: Level
) -> pl.DataFrame:
    return rejections.patterns(
        connection(), Period.parse(period_key), filters, kind=kind, level=level
    )


@st.cache_data(show_spinner=False)
def _rejection_matrix(
    path: str, period_key: str, dimension: str, filters: Filters, kind: Kind, level: Level
) -> pl.DataFrame:
    return rejections.reason_matrix(
        connection(), Period.parse(period_key), dimension, filters, kind=kind, level=level
    )


@st.cache_data(show_spinner=False)
def _rejection_trend(
    path: str, end_key: str, filters: Filters, months: int, kind: Kind, level: Level
) -> pl.DataFrame:
    return rejections.share_trend(
        connection(), Period.parse(end_key), filters, months, kind=kind, level=level
    )


@st.cache_data(show_spinner=False)
def _rejection_record_count(
    path: str, period_key: str, filters: Filters, kind: Kind, level: Level, reason: str | None
) -> int:
    return rejections.record_count(
        connection(), Period.parse(period_key), filters, kind=kind, level=level, reason=reason
    )


def rejection_pareto(view: View, kind: Kind, level: Level) -> pl.DataFrame:
    """One row per reason: the period's and the comparison period's counts and shares."""
    other = view.comparison_period
    return _rejection_pareto(
        database_path(), view.period.key, other.key if other else None, view.filters, kind, level
    )


def rejection_patterns(view: View, kind: Kind, level: Level) -> pl.DataFrame:
    """One row per over-represented reason by channel, segment or both."""
    return _rejection_patterns(database_path(), view.period.key, view.filters, kind, level)


def rejection_matrix(view: View, dimension: str, kind: Kind, level: Level) -> pl.DataFrame:
    """One row per value of `dimension` x reason."""
    return _rejection_matrix(database_path(), view.period.key, dimension, view.filters, kind, level)


def rejection_trend(view: View, kind: Kind, level: Level, months: int = 12) -> pl.DataFrame:
    """One row per month x reason: up to `months` months ending at the selected period (not
    before the data's first month); for all time, every month of the data's range."""
    end, shown = _trend_window(view, "month", months)
    return _rejection_trend(database_path(), end.key, view.filters, shown, kind, level)


def rejection_record_count(view: View, kind: Kind, level: Level, reason: str | None) -> int:
    """How many rejected leads (lost deals) the drill-down lists."""
    return _rejection_record_count(
        database_path(), view.period.key, view.filters, kind, level, reason
    )


def rejection_records(
    view: View, kind: Kind, level: Level, reason: str | None, *, page: int, page_size: int
) -> pl.DataFrame:
    """One page of the drill-down (names and e-mails masked in presenter mode)."""
    frame = rejections.records(
        connection(),
        view.period,
        view.filters,
        kind=kind,
        level=level,
        reason=reason,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return personal_data(frame)


def rejection_records_csv(
    view: View, kind: Kind, level: Level, reason: str | None
) -> Callable[[], bytes]:
    """A callable for `st.download_button`: every record of the drill-down as spreadsheet-safe
    CSV bytes, masked when presenter mode is on now. It runs on another thread when the button
    is clicked, so it captures the database handle and the masking choice instead of reading
    Streamlit state."""
    database = _database(database_path())
    masked = presenter_mode()

    def build() -> bytes:
        frame = rejections.records(
            store.cursor(database),
            view.period,
            view.filters,
            kind=kind,
            level=level,
            reason=reason,
            limit=None,
        )
        return export.safe_csv(privacy.mask_personal_data(frame) if masked else frame)

    return build


# ---- mapping tables and data quality (issue 3) ---------------------------------------------
def map_rows(name: str) -> pl.DataFrame:
    """The rows of a mapping table (read fresh: the editor must show what is stored)."""
    return maps.read_map(connection(), name)


@st.cache_data(show_spinner=False)
def _unmapped_values(path: str, name: str) -> pl.DataFrame:
    return maps.unmapped_values(connection(), name)


def unmapped_values(name: str) -> pl.DataFrame:
    """Raw values in the data that the map does not cover, with counts (one row per value)."""
    return _unmapped_values(database_path(), name)


@st.cache_data(show_spinner=False)
def _map_coverage(path: str, name: str) -> dict[str, int]:
    return maps.coverage(connection(), name)


def map_coverage(name: str) -> dict[str, int]:
    """Records with a raw value for this map, and how many of them the map covers."""
    return _map_coverage(database_path(), name)


def save_map(name: str, rows: list[dict[str, Any]]) -> str:
    """Validate and store an edited map (one transaction), then drop cached results.
    Raises maps.MapError, with a message naming the bad rows, and stores nothing."""
    try:
        with _writing() as con:
            count = maps.save_map(con, name, rows)
    except store.DatabaseUnavailable as error:
        raise maps.MapError(name, [str(error)]) from error
    data_changed()
    return f"{maps.spec(name).label} map saved ({count:,} rows). Every page now uses it."


def add_to_map(name: str, rows: list[dict[str, Any]]) -> str:
    """Append rows (unmapped values the user gave a target) to a map; raises maps.MapError."""
    try:
        with _writing() as con:
            count = maps.add_rows(con, name, rows)
    except store.DatabaseUnavailable as error:
        raise maps.MapError(name, [str(error)]) from error
    data_changed()
    if not count:
        return "Nothing added: give each value you want to add a target first."
    return f"Added {count:,} values to the {maps.spec(name).label.lower()} map."


@st.cache_data(show_spinner="Checking the data…")
def _quality_counts(path: str) -> pl.DataFrame:
    return quality.check_counts(connection())


def quality_counts() -> pl.DataFrame:
    """One row per data-quality check: label, description, count, share."""
    return _quality_counts(database_path())


@st.cache_data(show_spinner=False)
def _quality_rows(path: str, name: str, page: int, page_size: int) -> pl.DataFrame:
    return quality.check_rows(connection(), name, page=page, page_size=page_size)


def quality_rows(name: str, page: int, page_size: int = quality.PAGE_SIZE) -> pl.DataFrame:
    """One page of a check's drill-down (names and e-mails masked in presenter mode)."""
    return personal_data(_quality_rows(database_path(), name, page, page_size))


def quality_csv(name: str) -> Callable[[], bytes]:
    """A callable for `st.download_button`: every drill-down row of a check as spreadsheet-safe
    CSV bytes (masked when presenter mode is on now); captures the database handle, as it runs
    on another thread."""
    database = _database(database_path())
    masked = presenter_mode()

    def build() -> bytes:
        frame = quality.check_download(store.cursor(database), name)
        return export.safe_csv(privacy.mask_personal_data(frame) if masked else frame)

    return build


@st.cache_data(show_spinner=False)
def _trust_notes(path: str, period_key: str, filters: Filters) -> dict[str, str]:
    return quality.trust_notes(connection(), Period.parse(period_key), filters)


def trust_notes(view: View) -> dict[str, str]:
    """One sentence per KPI whose number data-quality issues put in doubt (KPI name -> text)."""
    return _trust_notes(database_path(), view.period.key, view.filters)
