"""SQL: a read-only console over the canonical tables and models (limits shown, refusals as
errors), with the schema browser and example queries."""

import streamlit as st

from alignment.app import database, presenter, routing, widgets
from alignment.app.cache import cached
from alignment.present import export
from alignment.screens import sql

QUERY_KEY = "sql_query"
ANSWER_KEY = "sql_answer"
EXAMPLE_KEY = "sql_example"
NO_EXAMPLE = "(choose an example)"


def _use_example() -> None:
    choice = st.session_state.get(EXAMPLE_KEY)
    if choice in sql.EXAMPLES:
        st.session_state[QUERY_KEY] = sql.EXAMPLES[choice]


routing.require_router()
st.title("SQL")
st.caption(sql.limits_text())

with st.expander("Schema: tables and views", icon=":material/table_view:"):
    st.dataframe(
        widgets.table(cached(sql.schema_table)),
        hide_index=True,
        column_config={
            "name": st.column_config.TextColumn("Name", width="medium"),
            "kind": st.column_config.TextColumn("Kind", width="small"),
            "rows": st.column_config.NumberColumn("Rows", format="%d", width="small"),
            "columns": st.column_config.TextColumn("Columns", width="large"),
        },
    )

st.selectbox(
    "Example queries", [NO_EXAMPLE, *sql.EXAMPLES], key=EXAMPLE_KEY, on_change=_use_example
)
query = st.text_area("Query", key=QUERY_KEY, height=180, placeholder="FROM lead_facts LIMIT 10")
if st.button("Run", type="primary", icon=":material/play_arrow:", key="sql_run"):
    st.session_state[ANSWER_KEY] = sql.answer(database.handle(), query or "")

answer = st.session_state.get(ANSWER_KEY)
if answer is not None and answer.refusal:
    st.error(answer.refusal, icon=":material/block:")
elif answer is not None and answer.result is not None:
    result = answer.result
    if result.frame.width == 0 and result.message:
        st.error(result.message, icon=":material/error:")
    else:
        (st.warning if result.truncated else st.caption)(result.message)
        st.dataframe(widgets.table(result.frame), hide_index=True)
        st.download_button(
            "Download CSV",
            data=export.safe_csv(presenter.personal_data(result.frame)),
            file_name="query.csv",
            mime="text/csv",
            icon=":material/download:",
        )
