"""Data quality: what in the data could make a number wrong, with the records behind each count.
The records rerun alone when only the chosen check or page changes."""

import math

import streamlit as st

from alignment.app import routing, widgets
from alignment.app.cache import cached
from alignment.present import format
from alignment.screens import quality

routing.require_router()
st.title("Data quality")
st.caption(
    "Checks over everything imported (not only the selected period). Each count links to the "
    "records behind it; fix them in the source system or map the values on the Settings page, "
    "then re-import. Trust notes beside the Overview tiles say how these issues touch each KPI."
)

with st.spinner("Checking the data…"):
    counts = cached(quality.checks)
if not quality.has_data(counts):
    st.info(
        "No data to check yet: import leads, opportunities, activities or touchpoints on the "
        "Import page."
    )
    st.stop()

table = counts.select(
    "label",
    "count",
    "unit",
    share=counts["share"].map_elements(format.rate, return_dtype=str).fill_null(format.MISSING),
    description="description",
)
st.dataframe(
    widgets.table(table),
    hide_index=True,
    width="stretch",
    column_config={
        "label": st.column_config.TextColumn("Check"),
        "count": st.column_config.NumberColumn("Count", format="%d"),
        "unit": st.column_config.TextColumn("Of"),
        "share": st.column_config.TextColumn("Share of records"),
        "description": st.column_config.TextColumn("What it means", width="large"),
    },
)

labels = dict(zip(counts["name"], counts["label"], strict=True))
found = dict(zip(counts["name"], counts["count"], strict=True))
with_issues = [name for name in labels if found[name]]
st.subheader("Records behind a check")
if not with_issues:
    st.success("Every check passes: nothing to show.")
    st.stop()


@st.fragment
def records() -> None:
    name = st.selectbox(
        "Check",
        with_issues,
        format_func=lambda n: f"{labels[n]} ({found[n]:,})",
        key="quality_check",
    )
    pages = max(1, math.ceil(found[name] / quality.PAGE_SIZE))
    page = st.pagination(pages, key=f"quality_page_{name}") if pages > 1 else 1
    st.dataframe(
        widgets.table(cached(quality.check_rows, name, page)), hide_index=True, width="stretch"
    )
    st.caption(f"Page {page} of {pages} · {found[name]:,} rows")
    st.download_button(
        "Download all rows (CSV)",
        widgets.csv_download(quality.check_download, name),
        file_name=f"quality_{name}.csv",
        mime="text/csv",
        key="quality_download",
        icon=":material/download:",
    )


records()
