"""Presenter mode (a sidebar toggle, or `?present=1` in a link): for a shared screen the sidebar
starts collapsed, type is larger, and names and e-mails in record lists and downloads are
masked (`present.privacy`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from alignment.app import access
from alignment.present import privacy
from alignment.selection import Selection

PRESENT_KEY = "present"
"""Session key (and URL key) of the presenter-mode toggle."""

PRESENTER_CSS = """
<style>
  /* presenter mode: readable at 3 m on a projector, and the title, the KPI tiles and the
     first chart on one 1280x720 screen */
  .stMainBlockContainer { font-size: 1.2rem; padding-top: 3.5rem; padding-bottom: 2rem; }
  .stMainBlockContainer h1 { font-size: 2.2rem; padding: 0 0 0.25rem 0; }
  [data-testid="stMetric"] { padding: 0.2rem 0.75rem; }
  [data-testid="stMetricValue"] { font-size: 2.2rem; line-height: 1.2; }
  [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
  [data-testid="stMetricDelta"] { font-size: 1.1rem; }
  [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
    font-size: 1.05rem !important; color: #334155 !important;
  }
  .stMainBlockContainer [data-testid="stVerticalBlock"] { gap: 0.5rem; }
</style>
"""

CHART_HEIGHT = 250
"""A chart's height in presenter mode (px): the first one fits under the tiles at 1280x720."""

PRESENTER_FONTS: dict[str, object] = {
    "font": {"size": 16},
    "title": {"font": {"size": 20}},
    "legend": {"font": {"size": 16}, "y": 1.0, "yanchor": "bottom", "x": 0},
    "hoverlabel": {"font": {"size": 16}},
}
"""Chart type in presenter mode: nothing under 16 px."""


def presenter_mode_requested() -> bool:
    """Whether presenter mode is on; `?present=1` in a link turns it on when the session starts.

    Call before `st.set_page_config` (the sidebar starts collapsed in presenter mode)."""
    if PRESENT_KEY not in st.session_state:
        value = str(st.query_params.get(PRESENT_KEY, "")).strip().lower()
        if value in ("1", "true", "yes", "on"):
            st.session_state[PRESENT_KEY] = True
    return presenter_mode()


def keep_in_link() -> None:
    """Write the mode into the address as `present=1` (and take it out when off), so a copied
    link reopens the view on a projector. The toggle is not bound to the URL because a bound
    toggle reads only `true` / `false` and would drop the `present=1` that links use."""
    if presenter_mode():
        if st.query_params.get(PRESENT_KEY) != "1":
            st.query_params[PRESENT_KEY] = "1"
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]


def presenter_mode() -> bool:
    """Presenter mode: larger type, sidebar collapsed, names and e-mails masked."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def masking() -> bool:
    """Names and e-mails are masked: in presenter mode, and for anyone not signed in as an
    analyst (a viewer sees the review pages, not who the records are)."""
    return presenter_mode() or not access.is_analyst()


def apply_presenter_style() -> None:
    """Larger type for a shared screen (no-op outside presenter mode)."""
    if presenter_mode():
        st.html(PRESENTER_CSS)


def personal_data(frame: pl.DataFrame) -> pl.DataFrame:
    """Record-level frames for display or download (one row per record): names and e-mails
    masked in presenter mode or for a viewer (`masking`), untouched otherwise."""
    return privacy.mask_personal_data(frame) if masking() else frame


def chart(figure: go.Figure, key: str, *, container: DeltaGenerator | None = None) -> None:
    """Draw a chart. In presenter mode with the figure's own theme (Streamlit's theme would set
    its type back to 12 px), type of at least 16 px, and a height that fits a projector's
    screen unless the figure asks for more room (a long list of values)."""
    place = container if container is not None else st
    if not presenter_mode():
        place.plotly_chart(figure, key=key)
        return
    shown = go.Figure(figure)
    shown.update_layout(**PRESENTER_FONTS)
    if shown.layout.height is None:
        shown.update_layout(height=CHART_HEIGHT, margin={"t": 76, "b": 32, "l": 70, "r": 90})
    place.plotly_chart(shown, key=key, theme=None)


def by_person(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """A breakdown's frame (one row per value of `by`, or per value and something else) for
    display: in presenter mode or for a viewer, a breakdown by person
    (`privacy.PERSON_DIMENSIONS`) gets masked, distinct labels; anything else is returned as
    is."""
    if masking() and by in privacy.PERSON_DIMENSIONS:
        return privacy.mask_dimension(frame, by)
    return frame


def describe(view: Selection) -> str:
    """`view.describe()` for a caption; in presenter mode or for a viewer the people chosen in
    a filter are written masked."""
    if not masking():
        return view.describe()
    people = {
        d: tuple(privacy.masked_labels(list(getattr(view.filters, d))).values())
        for d in privacy.PERSON_DIMENSIONS
        if getattr(view.filters, d)
    }
    if not people:
        return view.describe()
    return dataclasses.replace(view, filters=dataclasses.replace(view.filters, **people)).describe()


def person_labels(values: Sequence[str | None], dimension: str) -> dict[str, str]:
    """The masked label of each value of a breakdown by person, as `by_person` writes them
    (the same values in the same order give the same labels), when masking is on; else empty
    (values are written as they are)."""
    if masking() and dimension in privacy.PERSON_DIMENSIONS:
        return privacy.masked_labels(values)
    return {}
