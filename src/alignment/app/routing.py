"""Routing: app.py is the router (`st.navigation`); it leaves the sidebar selection in session
state for the page it runs, and every page makes sure it runs through it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from alignment.selection import Selection

VIEW_KEY = "sidebar_selection"
"""Session key where app.py (the router) leaves the sidebar selection for the page it runs. Not
`view`: that is the Channels page's view control, bound to the URL as `?view=cohort`, and a
bound widget's key is its session key."""


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


def page_view() -> Selection:
    """The sidebar selection (period, comparison, filters) for the page being drawn."""
    require_router()
    return st.session_state[VIEW_KEY]
