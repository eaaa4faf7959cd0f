"""Rejections: why MQLs are rejected (or deals lost), whether reasons are documented, where a
reason stands out, and the records behind it. The heatmaps and the records rerun alone when
only their own choices change."""

import streamlit as st

from alignment.app import presenter, routing, sidebar, widgets
from alignment.app.cache import cached
from alignment.metrics import rejections
from alignment.metrics.rejections import Kind, Level
from alignment.present import format, rejection_charts
from alignment.present.text import markdown_text
from alignment.screens import rejections as screen
from alignment.selection import Selection

view = routing.page_view()
other = view.comparison_period
heading = st.container()  # the title goes first; its words depend on the switches below

left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
kind: Kind = (
    left.segmented_control(
        "Reasons",
        list(rejections.KINDS),
        default="leads",
        key="rejections_kind",
        bind="query-params",
        format_func=rejections.KINDS.__getitem__,
        required=True,
    )
    or "leads"
)
level: Level = (
    middle.segmented_control(
        "Reason names",
        list(rejections.LEVELS),
        default="standard",
        key="rejections_level",
        bind="query-params",
        format_func=rejections.LEVELS.__getitem__,
        required=True,
        help="Standard reasons come from the reason map (Settings); 'As exported' shows the "
        "values of the file as they are.",
    )
    or "standard"
)
noun = rejections.NOUNS[kind]
records_label = "Rejected leads" if kind == "leads" else "Lost deals"

heading.title(f"{'Rejections' if kind == 'leads' else 'Lost deals'} · {view.period.label}")
heading.caption(markdown_text(presenter.describe(view)))

pareto = cached(screen.pareto, view, kind, level)
docs = rejections.documentation(pareto)
if docs.total == 0:
    if kind == "leads":
        st.info(
            f"No rejected leads in {view.period.label} for these filters. Rejections come from a "
            "leads export with a rejection reason and date: HubSpot *Lead disqualification "
            "reason*, Salesforce *Unqualified Reason* (or `Unqualified_Reason__c`) with "
            "*Disqualified Date*, or any export's *Rejection Reason* / *Rejected Date* columns "
            "(Import page). Leads without a rejection date count under **All time** only.",
            icon=":material/info:",
        )
    else:
        st.info(
            f"No opportunities closed lost in {view.period.label} for these filters. Lost "
            "reasons come from an opportunities export with a close date, a Closed Lost stage "
            "and a *Loss Reason* / *Closed Lost Reason* column (Import page).",
            icon=":material/info:",
        )
    st.stop()

previous_docs = rejections.documentation(pareto, previous=True) if other else None
top = pareto.filter(~pareto["undocumented"]).head(1)
tiles = st.columns(3)
count_metric = rejections.METRICS["rejected" if kind == "leads" else "lost"]
tiles[0].metric(
    count_metric.label,
    f"{docs.total:,}",
    f"{docs.total - previous_docs.total:+,} vs {other.label}" if previous_docs else None,
    delta_color="inverse",
    help=count_metric.definition,
    border=True,
)
documented = rejections.METRICS["documentation_rate"]
tiles[1].metric(
    f"{documented.label} (target 100 %)",
    format.rate(docs.documentation_rate),
    f"{docs.undocumented:,} {noun} without a reason",
    delta_color="off",
    delta_arrow="off",
    help=documented.definition,
    border=True,
)
tiles[2].metric(
    f"Top reason: {markdown_text(top['reason'][0])}" if top.height else "Top reason",
    format.rate(top["share"][0]) if top.height else "–",
    f"of {noun}, {top['n'][0]:,} in all" if top.height and "n" in top.columns else None,
    delta_color="off",
    delta_arrow="off",
    help=rejections.METRICS["reason_share"].definition,
    border=True,
)
if docs.total < rejections.MIN_N:
    st.caption(
        f"Only {docs.total} {noun} in this period: shares move a lot with a few records, and "
        f"patterns need at least {rejections.MIN_N} {noun} per channel or segment. Try a "
        "quarter or All time."
    )

title = f"{records_label} by reason, {view.period.label}" + (f" vs {other.label}" if other else "")
presenter.chart(
    rejection_charts.pareto(
        pareto,
        title,
        comparison_label=other.label if other else None,
        period_label=view.period.label,
    ),
    key="rejections_pareto",
)

st.subheader("Patterns")
patterns = cached(screen.patterns, view.alone, kind, level)
if patterns.height:
    st.markdown("\n".join(f"- {markdown_text(sentence)}" for sentence in patterns["sentence"]))
else:
    st.info(
        f"No reason stands out in any channel, segment or channel x segment in "
        f"{view.period.label}.",
        icon=":material/check_circle:",
    )
st.caption(
    f"A pattern is a reason whose share among a channel's, segment's or both's {noun} is "
    f"significantly above its share among all other {noun} (two-proportion z-test, at least "
    f"{rejections.MIN_N} {noun} in the cell, Bonferroni-corrected over every cell and reason "
    f"tested at 5 %) and by at least {rejections.MIN_EXCESS_POINTS * 100:.0f} points and "
    f"{rejections.MIN_SHARE_RATIO:g}x, so a trivial difference is not listed. A channel or "
    "segment that is (not set) is not a pattern (see Data quality)."
)

end, count, bucket = screen.trend_window(view.period, *sidebar.data_span())
presenter.chart(
    rejection_charts.share_trend(
        cached(screen.trend, view.alone.at(end), count, kind, level, bucket),
        f"Reason share of {noun} by {bucket}, {sidebar.trend_span(end, count, bucket)}",
        bucket,
    ),
    key="rejections_trend",
)


@st.fragment
def heatmaps(view: Selection) -> None:
    dimension = st.selectbox(
        "Break reasons down by",
        list(sidebar.DIMENSION_LABELS),
        key="rejections_by",
        bind="query-params",
        format_func=sidebar.DIMENSION_LABELS.__getitem__,
    )
    shown = screen.heatmap_dimensions(dimension)
    matrices = cached(screen.matrices, view.alone, shown, kind, level)
    top = rejection_charts.shared_scale(list(matrices.values()))  # one colour scale for both
    for column, dim in zip(st.columns(2), shown, strict=True):
        presenter.chart(
            container=column,
            figure=rejection_charts.heatmap(
                presenter.by_person(matrices[dim], dim),
                dim,
                f"Reason x {dim}: share of each {dim}'s {noun}, {view.period.label}",
                zmax=top,
            ),
            key=f"rejections_heatmap_{dim}",
        )


@st.fragment
def records(view: Selection, reasons: list[str]) -> None:
    st.subheader(records_label)
    choice = st.selectbox("Reason", ["All reasons", *reasons], key="rejections_reason")
    reason = None if choice == "All reasons" else choice
    total = cached(screen.record_count, view.alone, kind, level, reason)
    page_size = screen.PAGE_SIZE
    pages = max(1, -(-total // page_size))
    page = st.number_input(
        f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="rejections_page"
    )
    rows = cached(screen.records, view.alone, kind, level, reason, int(page))
    st.dataframe(widgets.table(rows), hide_index=True)
    st.caption(f"{total:,} {noun}, {page_size} per page, newest first.")
    st.download_button(
        f"Download {total:,} {noun} (CSV)",
        data=widgets.csv_download(screen.records_download, view.alone, kind, level, reason),
        file_name=f"{noun.replace(' ', '_')}_{view.period.key}.csv",
        mime="text/csv",
        key="rejections_download",
    )


heatmaps(view)
records(view, pareto.filter(pareto["n"] > 0)["reason"].to_list())
