"""Alignment: the entrypoint is a router.

Page config, the access note, the global filters (kept across pages and in the URL), the
demo-data banner, then `st.navigation(...).run()`. Everything else lives in `pages/` (thin) and
`src/alignment/` (the logic).
"""

import streamlit as st

from alignment import state

st.set_page_config(page_title="Alignment", page_icon="📈", layout="wide")

pages = {
    "Review": [
        st.Page("pages/overview.py", title="Overview", icon="📊", default=True),
    ],
    "Data": [
        st.Page("pages/import_data.py", title="Import", icon="📥", url_path="import"),
        st.Page("pages/glossary.py", title="Glossary", icon="📖"),
    ],
}
navigation = st.navigation(pages, position="sidebar")

st.session_state["view"] = state.sidebar_view()
state.demo_banner()
navigation.run()
