"""Overview: the meeting's first screen. KPI tiles with deltas, the monthly trend, and what
changed against the comparison period, and why."""

import streamlit as st

from alignment.app import presenter, routing, sidebar, widgets
from alignment.app.cache import cached
from alignment.present import change_charts, charts, sla_tables, tiles
from alignment.present.text import markdown_text
from alignment.screens import overview, pack, quality
from alignment.selection import Selection

view = routing.page_view()

st.title(f"Overview · {view.period.label}")
st.caption(markdown_text(presenter.describe(view)))

with st.spinner("Computing KPIs…"):
    numbers = cached(overview.tiles, view)
    trust = cached(quality.trust_notes, view.alone)
sla_view = numbers["sla"]
kpi_row = numbers["kpis"]
if kpi_row.height == 0 or (
    kpi_row["leads"][0] == 0
    and kpi_row["mqls"][0] == 0
    and kpi_row["opps_created"][0] == 0
    and kpi_row["opps_won"][0] == 0
    and kpi_row["opps_lost"][0] == 0
):
    st.info(
        f"No leads or opportunities in {view.period.label} for these filters. Pick another "
        "period in the sidebar, clear the filters, or import data on the Import page."
    )

maturity = numbers["maturity"]
if maturity.get("maturing") and presenter.presenter_mode():
    st.caption(
        f":material/hourglass_top: The {view.period.label} MQL cohort is still maturing (80 % "
        f"of SQLs arrive within {maturity['p80_days']:.0f} days): its SQL figures are not final."
    )
elif maturity.get("maturing"):
    st.warning(
        f"The {view.period.label} MQL cohort is still maturing: 80 % of leads that reach SQL do "
        f"so within {maturity['p80_days']:.0f} days, and this cohort closed "
        f"{max(maturity['age_days'], 0):.0f} days ago. Its conversion will still rise; do not "
        "compare it with older cohorts as if it were final.",
        icon=":material/hourglass_top:",
    )

# presenter mode: the notes under a tile move into its help and its target into its label,
# so two rows of tiles and the first chart fit on a projector's 1280x720 screen
presenting = presenter.presenter_mode()
per_row = 4
for start in range(0, len(tiles.OVERVIEW_TILES), per_row):
    for column, tile in zip(
        st.columns(per_row),
        tiles.overview_tiles(
            numbers["comparison"],
            kpi_row,
            trust,
            sla_view["scorecard"],
            maturing=bool(numbers["maturity"].get("maturing")),
        )[start : start + per_row],
        strict=False,
    ):
        with column:
            notes = [
                *([tile.caption] if tile.caption else []),
                *([f":material/flag: {tile.target}"] if tile.target else []),
                *(
                    [f":material/report: {markdown_text(tile.trust)} See Data quality."]
                    if tile.trust
                    else []
                ),
            ]
            st.metric(
                f"{tile.label} · {tile.status}" if presenting and tile.status else tile.label,
                tile.value,
                tile.delta,
                delta_color=tile.delta_color,
                help="  \n".join([tile.help, *notes]) if presenting else tile.help,
                border=True,
            )
            for note in [] if presenting else notes:
                st.caption(note)

end, count, bucket = overview.trend_window(view.period, *sidebar.data_span())
# the tiles' p80 (same filters): the trend's maturing flags need it, computed once per page
trend = cached(overview.trend, view.alone.at(end), count, bucket, maturity["p80_days"])
span = sidebar.trend_span(end, count, bucket)
# presenter mode: full width, one under the other, so titles and ticks are large enough
left, right = (st.container(), st.container()) if presenter.presenter_mode() else st.columns(2)
presenter.chart(
    container=left,
    figure=charts.mql_trend(trend, f"MQLs, SQLs and MQL→SQL by MQL {bucket}, {span}", bucket),
    key="mql_trend",
)
presenter.chart(
    container=right,
    figure=charts.revenue_trend(
        trend, f"Pipeline, won revenue and win rate by {bucket}, {span}", bucket
    ),
    key="revenue_trend",
)

st.markdown("**SLA**")
columns = st.columns(4)
for column, tile in zip(
    columns, sla_tables.scorecard_tiles(sla_view["row"], sla_view["contract"]), strict=False
):
    with column:
        st.metric(tile.label, tile.value, tile.delta, help=tile.help, border=True)
        st.markdown(f"{tile.badge} **{tile.owner}**")
        st.caption(markdown_text(tile.caption))
columns[-1].page_link(
    "pages/sla.py", label="Every commitment and its breaches", icon=":material/timer:"
)


# ---- what changed, and why: computed when opened (the page's default view stays in budget) ---
@st.fragment
def what_changed(view: Selection) -> None:
    with st.expander(
        "What changed, and why",
        icon=":material/waterfall_chart:",
        key="overview_changes",
        bind="query-params",
    ) as section:
        if not section.open:
            return
        left, right = st.columns([2, 1])
        change_metric: str = left.selectbox(
            "Metric",
            list(overview.CHANGE_METRICS),
            index=list(overview.CHANGE_METRICS).index(overview.DEFAULT_CHANGE_METRIC),
            format_func=overview.CHANGE_METRICS.__getitem__,
            key="change_metric",
            bind="query-params",
        )
        change_by: str = (
            right.segmented_control(
                "Split by",
                list(overview.CHANGE_DIMENSIONS),
                default=overview.DEFAULT_CHANGE_DIMENSION,
                required=True,
                format_func=overview.CHANGE_DIMENSIONS.__getitem__,
                key="change_by",
                bind="query-params",
            )
            or overview.DEFAULT_CHANGE_DIMENSION
        )
        changed = cached(overview.changes, view, change_metric, change_by)
        if changed["message"]:
            st.info(markdown_text(changed["message"]))
        else:
            presenter.chart(
                change_charts.waterfall(
                    changed["frame"], changed["title"], labels=changed["labels"]
                ),
                key="change_waterfall",
            )
            st.caption(
                "Counts and sums: each bar is a group's own change. Rates: a rate effect is the "
                "change of a group's own rate, weighted by its share; a mix effect is the shift of "
                "share towards a group that converts above (or below) the average. The bars add "
                "up to the change."
            )
            if changed["simpson"]:
                st.warning(changed["simpson"], icon=":material/call_split:")
            for sentence in changed["sentences"]:
                st.markdown(f"- {sentence}")


what_changed(view)

st.markdown("**Review pack**")
pack_columns = st.columns(4)
for column, (pack_format, label) in zip(
    pack_columns, (("html", "HTML (offline)"), ("pptx", "PowerPoint")), strict=False
):
    column.download_button(
        f"Review pack: {label}",
        data=widgets.file_download(pack.render, view, pack_format),
        file_name=pack.file_name(view, pack_format),
        mime=pack.FORMATS[pack_format],
        on_click="ignore",
        icon=":material/download:",
        key=f"review_pack_{pack_format}",
        help="This view (period, comparison, filters) with the funnel, SLA, rejections, channel "
        "win rates and the metric definitions; names and e-mails masked.",
    )
