"""Alignment: the entrypoint is a router.

Page config, the global filters (kept across pages and in the URL), the demo-data banner, then
`st.navigation(...).run()`. Everything else lives in `pages/` (thin) and `src/alignment/` (the
logic).
"""

import streamlit as st

from alignment.app import access, database, imports, presenter, routing, sidebar

presenting = presenter.presenter_mode_requested()
st.set_page_config(
    page_title="Alignment",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting else "auto",
)

pages = {
    "Review": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/funnel.py", title="Funnel", icon=":material/filter_alt:"),
        st.Page("pages/sla.py", title="SLA", icon=":material/timer:", url_path="sla"),
        st.Page("pages/rejections.py", title="Rejections", icon=":material/thumb_down:"),
        st.Page("pages/channels.py", title="Channels", icon=":material/hub:"),
        st.Page("pages/attribution.py", title="Attribution", icon=":material/account_tree:"),
    ],
    "Data": [
        st.Page("pages/import_data.py", title="Import", icon=":material/upload_file:"),
        st.Page("pages/quality.py", title="Data quality", icon=":material/fact_check:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/tune:"),
        st.Page("pages/glossary.py", title="Glossary", icon=":material/menu_book:"),
    ],
    "Explore": [
        st.Page("pages/explore.py", title="Explore", icon=":material/explore:"),
        st.Page("pages/sql.py", title="SQL", icon=":material/terminal:"),
    ],
}
if access.role() is None:  # access configured, not signed in: the sign-in page and nothing else
    access.sign_in_navigation(pages).run()
    st.stop()
# a viewer's pages leave out the analysts' ones: not in the sidebar, not reachable by a link
navigation = st.navigation(access.allowed_pages(pages), position="sidebar")

with database.database_guard():  # a database another program holds: a message, not a traceback
    access.sidebar_status()
    st.session_state[routing.VIEW_KEY] = sidebar.sidebar_view()
    sidebar.link_notice()
    presenter.apply_presenter_style()
    imports.demo_banner()
    navigation.run()
