"""Presenter mode (a sidebar toggle, or `?present=1` in a link): for a shared screen the sidebar
starts collapsed, type is larger, and names and e-mails in record lists and downloads are
masked (`present.privacy`)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from alignment.present import privacy

PRESENT_KEY = "present"
"""Session key (and URL key) of the presenter-mode toggle."""

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
    """Record-level frames for display or download (one row per record): names and e-mails
    masked in presenter mode, untouched otherwise."""
    return privacy.mask_personal_data(frame) if presenter_mode() else frame
