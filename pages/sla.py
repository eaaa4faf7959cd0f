"""SLA: did marketing and sales keep each commitment of the contract in the period? The
scorecard, response times in business hours, the monthly volume, conversion and documentation
against their targets; then, computed when opened, within-SLA shares by week / team / owner and
the breaches behind every number."""

import streamlit as st

from alignment.app import presenter, routing, widgets
from alignment.app.cache import cached
from alignment.metrics import sla
from alignment.present import sla_charts, sla_tables
from alignment.present.text import markdown_text
from alignment.screens import sla as screen
from alignment.selection import Selection

view = routing.page_view()

st.title(f"SLA · {view.period.label}")
st.caption(markdown_text(presenter.describe(view)))

with st.spinner("Checking the commitments…"):
    card = cached(screen.scorecard, view)
contract = card["contract"]
summary = card["summary"]
source = card["source"]
st.caption(
    f"Judged by the SLA contract in effect from {contract.effective_from:%d %b %Y} (edit it on "
    "the Settings page). Status: met at or above the target, at risk between the target and "
    "its at-risk threshold, missed below."
)
if source == "none":
    st.info(markdown_text(sla_tables.NO_ACTIVITIES), icon=":material/upload_file:")
elif source == "lead fields":
    st.info(markdown_text(sla_tables.LEAD_FIELDS_NOTE), icon=":material/info:")


def open_breaches(commitment: str) -> None:
    """Open the breach list on this commitment (a button's callback, before widgets render)."""
    st.session_state["sla_breaches"] = True
    st.session_state["sla_breach_commitment"] = commitment


# ---- scorecard ------------------------------------------------------------------------------
tiles = sla_tables.scorecard_tiles(
    card["scorecard"], contract, summary, maturing=card["maturity"]["maturing"]
)
# five across on a wide screen; three, then two, on a projector
per_row = 3 if presenter.presenter_mode() else len(tiles)
for start in range(0, len(tiles), per_row):
    for column, tile in zip(st.columns(per_row), tiles[start : start + per_row], strict=False):
        with column:
            st.metric(tile.label, tile.value, tile.delta, help=tile.help, border=True)
            st.markdown(f"{tile.badge} **{tile.owner}**")
            st.caption(markdown_text(tile.caption))
            if tile.breaches:
                st.button(
                    f"List the {tile.breaches:,} breaches"
                    if tile.breaches > 1
                    else "List the breach",
                    key=f"sla_list_{tile.commitment}",
                    icon=":material/list:",
                    type="tertiary",
                    on_click=open_breaches,
                    args=(tile.commitment,),
                )
            elif tile.commitment in ("mql_volume", "mql_to_sql"):
                st.page_link(
                    "pages/funnel.py",
                    label="The leads, on the Funnel",
                    icon=":material/filter_alt:",
                )

# ---- response time -------------------------------------------------------------------------
if source != "none":
    st.subheader("Response time")
    st.caption(markdown_text(sla_tables.summary_sentence(summary, contract)))
    distribution = card["distribution"]
    presenter.chart(
        sla_charts.response_histogram(
            distribution["bins"],
            distribution["edges"],
            {
                "standard": contract.response_hours,
                "high-intent": contract.high_intent_response_hours,
            },
            f"Business hours from clock start to first touch, MQLs of {view.period.label}",
        ),
        key="sla_histogram",
    )

# ---- targets by month ---------------------------------------------------------------------
st.subheader("Against the targets, by month")
months = cached(screen.monthly, view.alone)
span = screen.span_label(months)
presenter.chart(
    sla_charts.volume_vs_target(months, f"MQLs per month against the target, {span}"),
    key="sla_volume_chart",
)
left, right = st.columns(2)
presenter.chart(
    container=left,
    figure=sla_charts.rate_vs_target(
        months, "mql_to_sql", "mql_to_sql_target", "MQL → SQL", f"MQL → SQL by MQL month, {span}"
    ),
    key="sla_conversion_chart",
)
presenter.chart(
    container=right,
    figure=sla_charts.rate_vs_target(
        months,
        "sla_documentation",
        "documentation_target",
        "Rejections documented",
        f"Rejected MQLs with a documented reason, {span}",
    ),
    key="sla_documentation_chart",
)
st.caption(
    "Targets: the contract's, or a month's imported target (Import > targets) where there is "
    "one. The current month's MQLs are judged against the target paced by business days."
)


@st.fragment
def within_sla(view: Selection) -> None:
    with st.expander(
        "Within SLA by week, team and owner",
        icon=":material/groups:",
        key="sla_within",
        bind="query-params",
    ) as section:
        if not section.open:
            return
        by: str = (
            st.segmented_control(
                "Break down by",
                list(sla.BY_CHOICES),
                default="week",
                format_func=sla.BY_LABELS.__getitem__,
                key="sla_by",
                bind="query-params",
                required=True,
            )
            or "week"
        )
        frame = presenter.by_person(cached(screen.breakdown, view.alone, by), by)
        if frame.is_empty():
            st.caption(f"No MQLs in {view.period.label} for these filters.")
            return
        if by == "week":
            presenter.chart(
                sla_charts.within_by_week(
                    frame,
                    contract.response_time.target,
                    f"Share of MQLs first touched within target, by week, {view.period.label}",
                ),
                key="sla_week_chart",
            )
        st.dataframe(
            widgets.table(sla_tables.display_breakdown(frame, by, sla.BY_LABELS[by])),
            hide_index=True,
            key="sla_breakdown_table",
        )
        st.caption(
            "Decided = touched, or past the target without a touch (an open breach). Pending "
            "leads are still within their target. Attempts: compliant or resolved, of the MQLs "
            f"whose {contract.attempt_days}-day window is over."
        )


@st.fragment
def breach_list(view: Selection) -> None:
    with st.expander(
        "Breaches: the leads behind each number",
        icon=":material/list:",
        key="sla_breaches",
        bind="query-params",
    ) as section:
        if not section.open:
            return
        kinds = list(sla.BREACH_KINDS) if source != "none" else ["documentation"]
        commitment: str = st.selectbox(
            "Commitment",
            kinds,
            format_func=sla_tables.breach_choice,
            key="sla_breach_commitment",
            bind="query-params",
        )
        page_size = 50
        first_page, total = cached(screen.breaches, view.alone, commitment, 1, page_size)
        if total == 0:
            st.success(f"No breaches of this commitment in {view.period.label}.")
            return
        pages = max(1, -(-total // page_size))
        page = int(
            st.number_input(
                f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="sla_breach_page"
            )
        )
        rows = (
            first_page
            if page == 1
            else cached(screen.breaches, view.alone, commitment, page, page_size)[0]
        )
        st.caption(markdown_text(sla_tables.breach_caption(commitment, total, view.period.label)))
        st.dataframe(widgets.table(rows), hide_index=True, key="sla_breach_table")
        st.download_button(
            f"Download {total:,} breaches (CSV)",
            data=widgets.csv_download(screen.breach_download, view.alone, commitment),
            file_name=f"sla_{commitment}_breaches_{view.period.key}.csv",
            mime="text/csv",
            key="sla_breach_download",
        )


if source != "none":
    within_sla(view)
breach_list(view)
