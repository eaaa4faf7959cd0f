"""Explore: any registry KPI by up to two dimensions, as a table, a chart chosen by shape and a
CSV. Every choice is in the URL."""

import streamlit as st

from alignment.app import presenter, routing, widgets
from alignment.app.cache import cached
from alignment.present.text import markdown_text
from alignment.screens import explore as screen

view = routing.page_view()
st.title(f"Explore · {view.period.label}")
st.caption(markdown_text(presenter.describe(view)))

left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
metric = (
    left.selectbox(
        "Measure",
        list(screen.METRICS),
        index=list(screen.METRICS).index(screen.DEFAULT_METRIC),
        key="explore_metric",
        bind="query-params",
        format_func=screen.metric_label,
    )
    or screen.DEFAULT_METRIC
)
options = screen.dimension_options(metric)
first = middle.selectbox(
    "By",
    options,
    index=options.index(screen.DEFAULT_DIMENSION),
    key="explore_by",
    bind="query-params",
    format_func=screen.dimension_label,
)
second = right.selectbox(
    "And by",
    options,
    index=0,
    key="explore_by2",
    bind="query-params",
    format_func=screen.dimension_label,
)
st.caption(markdown_text(screen.definition(metric)))

dims = screen.chosen_dimensions(metric, first, second)
frame = cached(screen.table, view.alone, metric, dims)
for dim in dims:
    frame = presenter.by_person(frame, dim)
heading = screen.title(metric, dims, view.period.label)
presenter.chart(screen.chart(frame, metric, dims, heading), key="explore_chart")
st.dataframe(widgets.table(screen.display(frame, metric, dims)), hide_index=True)
st.caption(f"{frame.height:,} rows.")
st.download_button(
    "Download the table (CSV)",
    data=widgets.csv_download(screen.download, view.alone, metric, dims),
    file_name=screen.file_name(metric, dims, view.period.key),
    mime="text/csv",
    key="explore_download",
)
