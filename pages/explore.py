"""Explore: any registry KPI by up to two dimensions, as a table, a chart chosen by shape,
downloads, and the records behind a cell (pick a row of the table). Every choice is in the
URL."""

from functools import partial
from typing import Any

import polars as pl
import streamlit as st

from alignment.app import presenter, routing, widgets
from alignment.app.cache import cached
from alignment.present.text import markdown_text
from alignment.screens import explore as screen
from alignment.selection import Selection

RECORDS = "explore_records"
TABLE = "explore_table"
PAGE_SIZE = 50

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
only_on, only_in = st.columns([2, 5], vertical_alignment="bottom")
only_options = screen.only_options(metric)
only_dimension = only_on.selectbox(
    "Only where",
    only_options,
    index=0,
    key="explore_only",
    bind="query-params",
    format_func=screen.dimension_label,
    help="A filter the sidebar does not have: keep only the records with these values.",
)
only_chosen: list[str] = []
if only_dimension:
    only_chosen = only_in.multiselect(
        f"{screen.dimension_label(only_dimension)} is",
        cached(screen.only_values, view.alone, metric, only_dimension),
        key=screen.only_key(only_dimension),
        bind="query-params",
        placeholder="Any value",
    )
only = screen.only_filter(metric, only_dimension, only_chosen)
st.caption(markdown_text(screen.definition(metric)))

dims = screen.chosen_dimensions(metric, first, second)
raw = cached(screen.table, view.alone, metric, dims, only)
frame = raw
for dim in dims:
    frame = presenter.by_person(frame, dim)
heading = screen.title(metric, dims, view.period.label, only)
presenter.chart(screen.chart(frame, metric, dims, heading), key="explore_chart")


def pick_cell(table: pl.DataFrame, everything: pl.DataFrame, chosen: tuple[str, ...]) -> None:
    """A row of `table` (the rows shown) picked: choose its values in the records section and
    open it (labels masked as over `everything`, the whole breakdown)."""
    rows = st.session_state[TABLE].selection.rows
    if not rows or rows[0] >= table.height:
        return
    for dim, value in screen.cell_of_row(table, rows[0], chosen):
        st.session_state[screen.cell_key(dim)] = value
        # a bound widget's URL value is its label; set here, the link shares the cell at once
        masked = presenter.person_labels(everything[dim].to_list(), dim)
        st.query_params[screen.cell_key(dim)] = screen.cell_label(value, dim, masked)
    st.session_state[RECORDS] = True


listed = screen.has_records(raw, metric)
shown = frame.filter(listed)
st.dataframe(
    widgets.table(screen.display(shown, metric, dims)),
    hide_index=True,
    key=TABLE,
    on_select=partial(pick_cell, raw.filter(listed), raw, dims),
    selection_mode="single-row",
)
st.caption(markdown_text(screen.rows_caption(shown.height, frame.height, metric, dims)))
downloads = st.container(horizontal=True)
downloads.download_button(
    "Download the table (CSV)",
    data=widgets.csv_download(screen.table, view.alone, metric, dims, only),
    file_name=screen.file_name(metric, dims, view.period.key),
    mime="text/csv",
    key="explore_download",
)
downloads.download_button(
    "Download the table (Parquet)",
    data=widgets.parquet_download(screen.table, view.alone, metric, dims, only),
    file_name=screen.file_name(metric, dims, view.period.key, "parquet"),
    mime="application/vnd.apache.parquet",
    key="explore_download_parquet",
)


@st.fragment
def records(
    view: Selection, metric: str, dims: tuple[str, ...], only: screen.Only, table: pl.DataFrame
) -> None:
    with st.expander(
        "Records behind a cell", icon=":material/list:", key=RECORDS, bind="query-params"
    ) as section:
        if not section.open:
            return
        cell: list[tuple[str, Any]] = []
        cell_text: list[str] = []
        *choices, paging = st.columns([2] * len(dims) + [1], vertical_alignment="bottom")
        for column, dim in zip(choices, dims, strict=True):
            masked = presenter.person_labels(table[dim].to_list(), dim)
            value = column.selectbox(
                screen.dimension_label(dim),
                screen.cell_options(table, dim),
                key=screen.cell_key(dim),
                bind="query-params",
                format_func=lambda v, dim=dim, masked=masked: screen.cell_label(v, dim, masked),
            )
            if value is not None:
                cell.append((dim, value))
                cell_text.append(
                    f"{screen.dimension_label(dim)}: {screen.cell_label(value, dim, masked)}"
                )
        chosen = tuple(cell)
        first_page, total = cached(screen.records, view.alone, metric, chosen, 1, PAGE_SIZE, only)
        pages = max(1, -(-total // PAGE_SIZE))
        page = int(
            paging.number_input(
                f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="explore_page"
            )
        )
        rows = (
            first_page
            if page == 1
            else cached(screen.records, view.alone, metric, chosen, page, PAGE_SIZE, only)[0]
        )
        st.caption(
            markdown_text(
                screen.records_caption(
                    metric,
                    ", ".join(cell_text + ([screen.only_text(only)] if only else [])),
                    view.period.label,
                    total,
                    PAGE_SIZE,
                )
            )
        )
        st.dataframe(widgets.table(rows), hide_index=True, key="explore_records_table")
        noun = screen.records_noun(metric)
        files = st.container(horizontal=True)
        files.download_button(
            f"Download {total:,} {noun} (CSV)",
            data=widgets.csv_download(screen.records_download, view.alone, metric, chosen, only),
            file_name=screen.records_file_name(metric, chosen, view.period.key),
            mime="text/csv",
            key="explore_records_csv",
            disabled=total == 0,
        )
        files.download_button(
            f"Download {total:,} {noun} (Parquet)",
            data=widgets.parquet_download(
                screen.records_download, view.alone, metric, chosen, only
            ),
            file_name=screen.records_file_name(metric, chosen, view.period.key, "parquet"),
            mime="application/vnd.apache.parquet",
            key="explore_records_parquet",
            disabled=total == 0,
        )


records(view, metric, dims, only, raw)
