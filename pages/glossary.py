"""Glossary: every KPI's definition, generated from the metric registry (no database work)."""

import streamlit as st

from alignment.app import routing, widgets
from alignment.metrics import registry

routing.require_router()
st.title("Glossary")
st.caption(
    "Every number in Alignment is defined once, in the metric registry; this page is generated "
    "from it. Conversion rates are cohort-based: leads are grouped by the month (or quarter) "
    "they became MQLs, and a lead counts as having reached a stage if it has a date for that "
    "stage or any later one."
)
st.dataframe(
    widgets.table(registry.glossary().select("page", "label", "definition", "unit", "name")),
    hide_index=True,
    column_config={
        "page": st.column_config.TextColumn("Page", width="small"),
        "label": st.column_config.TextColumn("Metric", width="medium"),
        "definition": st.column_config.TextColumn("Definition", width="large"),
        "unit": st.column_config.TextColumn("Unit", width="small"),
        "name": st.column_config.TextColumn("CLI name", width="small"),
    },
)
