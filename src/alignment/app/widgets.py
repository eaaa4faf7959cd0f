"""Shared widgets: tables that hold no live formula, downloads, one-shot messages and the
confirm step of destructive actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec

import polars as pl
import streamlit as st

from alignment.app import database, presenter
from alignment.db import store
from alignment.db.store import Connection
from alignment.present import export, privacy
from alignment.present.text import markdown_text

P = ParamSpec("P")


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """Any frame a page shows with `st.dataframe` (one row per input row): names and e-mails
    masked in presenter mode, and text cells and column names that a spreadsheet would run as
    a formula neutralised, because the table toolbar's "Download as CSV" exports what the
    table holds."""
    return export.neutralise(presenter.personal_data(frame))


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


def csv_download(
    function: Callable[Concatenate[Connection, P], pl.DataFrame], *args: P.args, **kwargs: P.kwargs
) -> Callable[[], bytes]:
    """A callable for `st.download_button`: `function(cursor, *args, **kwargs)` (record rows)
    as spreadsheet-safe CSV bytes, masked when presenter mode is on now or for a viewer. It
    runs on another thread when the button is clicked, so it captures the database handle and
    the masking choice instead of reading Streamlit state."""
    return _frame_download(export.safe_csv, function, *args, **kwargs)


def parquet_download(
    function: Callable[Concatenate[Connection, P], pl.DataFrame], *args: P.args, **kwargs: P.kwargs
) -> Callable[[], bytes]:
    """As `csv_download`, as Parquet bytes (types kept)."""
    return _frame_download(export.parquet, function, *args, **kwargs)


def _frame_download(
    write: Callable[[pl.DataFrame], bytes],
    function: Callable[Concatenate[Connection, P], pl.DataFrame],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Callable[[], bytes]:
    handle = database.handle()
    masked = presenter.masking()

    def build() -> bytes:
        frame = function(store.cursor(handle), *args, **kwargs)
        return write(privacy.mask_personal_data(frame) if masked else frame)

    return build


def file_download(
    function: Callable[Concatenate[Connection, P], bytes], *args: P.args, **kwargs: P.kwargs
) -> Callable[[], bytes]:
    """A callable for `st.download_button` that builds a file when its button is clicked:
    `function(cursor, *args, **kwargs)` (already the file's bytes, such as a review pack). It
    runs on another thread, so it captures the database handle instead of Streamlit state."""
    handle = database.handle()

    def build() -> bytes:
        return function(store.cursor(handle), *args, **kwargs)

    return build


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
