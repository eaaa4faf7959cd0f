"""Funnel: cohort conversion and period flow side by side, conversion by any dimension, then
sections computed when opened: the leads behind a number, the cohort trend, time to convert,
lead acceptance and lead-score bands. A section reruns alone when only its own choices change.
"""

import polars as pl
import streamlit as st

from alignment.app import access, edits, presenter, routing, sidebar, widgets
from alignment.app.cache import cached
from alignment.metrics import funnel
from alignment.metrics.dimensions import DIMENSION_LABELS, FUNNEL_DIMENSIONS
from alignment.present import format, funnel_charts, funnel_tables, sentences
from alignment.present.text import markdown_text
from alignment.screens import funnel as screen
from alignment.screens import quality
from alignment.selection import Selection
from alignment.stats import MIN_N

view = routing.page_view()
label = funnel.STAGE_LABEL

st.title(f"Funnel · {view.period.label}")
st.caption(markdown_text(presenter.describe(view)))

left, middle, right = st.columns(3)
first_stage: str = left.selectbox(
    "Cohort stage (the funnel starts here)",
    funnel.FIRST_STAGES,
    index=funnel.FIRST_STAGES.index(funnel.DEFAULT_FIRST_STAGE),
    format_func=label.__getitem__,
    key="funnel_first_stage",
    bind="query-params",
    help="Cohort = the leads that entered this stage in the period.",
)
window_days: int | None = middle.selectbox(
    "Conversion window",
    [None, *funnel.WINDOW_CHOICES],
    format_func=lambda d: "None (converted so far)" if d is None else f"Within {d} days",
    key="funnel_window",
    bind="query-params",
    help="A later stage counts only if it was reached within this many days of entering the "
    "cohort stage. Applies to the cohort view.",
)
funnel_view: str = (
    right.segmented_control(
        "View for breakdowns and drill-down",
        list(funnel.VIEWS),
        default="cohort",
        format_func=funnel.VIEWS.__getitem__,
        key="funnel_view",
        bind="query-params",
        required=True,
    )
    or "cohort"
)
flow = funnel_view == "flow"

cohort = cached(screen.cohort, view.alone, first_stage, window_days)
cohort_bars = cohort["stages"]
flow_bars = cached(screen.flow, view.alone, first_stage)
if int(cohort_bars["n"].sum()) == 0 and int(flow_bars["n"].sum()) == 0:
    st.info(
        f"No leads reached {label[first_stage]} or any later stage in {view.period.label} for "
        "these filters. Pick another period or an earlier cohort stage, clear the filters, or "
        "import leads with stage dates (MQL, SAL, SQL, opportunity, won) on the Import page. "
        "Exports without dates count under **All time** only."
    )
    st.stop()

cohort_size = int(cohort_bars["n"][0])
if 0 < cohort_size < MIN_N:
    st.warning(
        f"Only {cohort_size} leads in the {label[first_stage]} cohort of {view.period.label}: "
        "rates this small are too uncertain to compare. Choose a quarter or a longer period.",
        icon=":material/warning:",
    )
maturity = cohort["maturity"]
if maturity["maturing"]:
    basis = (
        f"the {window_days}-day window has not passed for its latest members"
        if maturity["basis"] == "window"
        else f"80 % of leads that reach {label[maturity['to_stage']]} do so within "
        f"{maturity['threshold_days']:.0f} days"
    )
    st.warning(
        f"The {view.period.label} cohort is still maturing: {basis}, and it closed "
        f"{max(maturity['age_days'], 0):.0f} days ago. Its conversion will still rise; do not "
        "compare it with older cohorts as if it were final.",
        icon=":material/hourglass_top:",
    )

window_text = f", within {window_days} days" if window_days else ""
left, right = st.columns(2)
presenter.chart(
    container=left,
    figure=funnel_charts.stage_funnel(
        cohort_bars,
        f"Cohort conversion: {label[first_stage]}s of {view.period.label}{window_text}",
    ),
    key="funnel_cohort_chart",
)
presenter.chart(
    container=right,
    figure=funnel_charts.stage_funnel(
        flow_bars, f"Flow ratios: stage entries in {view.period.label}", flow=True
    ),
    key="funnel_flow_chart",
)
st.caption(
    "**Cohort conversion** follows the same leads: of the leads that entered "
    f"{label[first_stage]} in {view.period.label}, how many went on to each stage (so far"
    f"{window_text}). **Flow ratios** divide the stage entries that happened in the period by "
    "each other: a period's SQLs mostly come from earlier periods' MQLs, so a flow ratio is "
    "not a conversion rate and can exceed 100 %."
)
trust = cached(quality.trust_notes, view.alone)
if "mql_to_sql" in trust:
    st.caption(f":material/report: {markdown_text(trust['mql_to_sql'])} See Data quality.")

# ---- conversion by dimension ------------------------------------------------------------------
st.subheader("Flow ratios by dimension" if flow else "Cohort conversion by dimension")
left, right = st.columns(2)
dimension: str = left.selectbox(
    "Dimension",
    FUNNEL_DIMENSIONS,
    format_func=DIMENSION_LABELS.__getitem__,
    key="funnel_by",
    bind="query-params",
)
step_labels = [funnel.step_label(a, b) for a, b in funnel.steps(first_stage)]
default_step = funnel.step_label("mql", "sql") if first_stage in ("lead", "mql") else None
step: str = right.selectbox(
    "Step",
    step_labels,
    index=step_labels.index(default_step) if default_step in step_labels else 0,
    key="funnel_step",
    bind="query-params",
)
by_dimension = cached(
    screen.by_dimension,
    view.alone,
    dimension,
    funnel_view,
    first_stage,
    window_days,
)
step_rows = presenter.by_person(by_dimension.filter(pl.col("step") == step), dimension)
dimension_label = DIMENSION_LABELS[dimension]
table = funnel_tables.display_by_dimension(step_rows, dimension, flow=flow)
if table.is_empty():
    st.info(f"No leads at the start of {step} in {view.period.label}.")
else:
    left, right = st.columns([1, 1])
    left.dataframe(widgets.table(table), hide_index=True, key="funnel_by_table")
    left.caption(
        f"Sorted by rate; **{funnel_tables.TOO_FEW_TEXT}** = fewer than {MIN_N} leads"
        + ("" if flow else " or a 95 % interval wider than 20 points")
        + ": the rate could move a lot with a few more leads, so do not rank it."
    )
    presenter.chart(
        container=right,
        figure=funnel_charts.rate_bars(
            step_rows,
            dimension,
            f"{step} {'flow ratio' if flow else 'conversion'} by {dimension_label.lower()}, "
            f"{view.period.label}",
            flow=flow,
        ),
        key="funnel_by_chart",
    )


# ---- sections computed when opened, each rerun alone when only its own choices change -------
@st.fragment
def drill_down(view: Selection, values: list[str]) -> None:
    with st.expander(
        "Leads behind a number", icon=":material/list:", key="funnel_drill", bind="query-params"
    ) as section:
        if not section.open:
            return
        stages = funnel.stages_from(first_stage)
        cols = st.columns(3)
        value_choice = cols[0].selectbox(
            dimension_label, ["All", *values], key="funnel_drill_value"
        )
        drill_stage: str = cols[1].selectbox(
            "Stage",
            stages,
            index=1,
            format_func=label.__getitem__,
            key="funnel_drill_stage",
        )
        outcomes = ["reached"] if flow or drill_stage == first_stage else ["reached", "not_reached"]
        outcome = cols[2].radio(
            "Leads that",
            outcomes,
            format_func=lambda o: (
                ("entered it in the period" if flow else "reached it")
                if o == "reached"
                else "reached the stage before but not this one"
            ),
            key="funnel_drill_outcome",
        )
        cell = funnel.Cell(
            period=view.period,
            filters=view.filters,
            view=funnel_view,  # type: ignore[arg-type]
            first_stage=first_stage,
            stage=drill_stage,
            outcome=outcome,  # type: ignore[arg-type]
            window_days=None if flow else window_days,
            dimension=None if value_choice == "All" else dimension,
            value=None if value_choice == "All" else value_choice,
        )
        page_size = 50
        first_page, total = cached(screen.lead_records, cell, 1, page_size)
        pages = max(1, -(-total // page_size))
        page = int(
            st.number_input(
                f"Page (of {pages})",
                min_value=1,
                max_value=pages,
                value=1,
                key="funnel_drill_page",
            )
        )
        rows = first_page if page == 1 else cached(screen.lead_records, cell, page, page_size)[0]
        st.caption(
            f"{markdown_text(cell.describe())}: {total:,} leads, {page_size} per page, "
            "newest first."
        )
        st.dataframe(widgets.table(rows), hide_index=True, key="funnel_drill_table")
        st.download_button(
            f"Download {total:,} leads (CSV)",
            data=widgets.csv_download(screen.lead_download, cell),
            file_name=f"funnel_{drill_stage}_{view.period.key}.csv",
            mime="text/csv",
            key="funnel_drill_download",
            disabled=total == 0,
        )


@st.fragment
def cohort_trend(view: Selection, step: str) -> None:
    title = f"{step} by {label[first_stage]} cohort"
    with st.expander(
        title, icon=":material/show_chart:", key="funnel_trend", bind="query-params"
    ) as section:
        if not section.open:
            return
        grain: str = (
            st.segmented_control(
                "Cohorts by",
                ["month", "quarter"],
                default="month",
                format_func=str.capitalize,
                key="funnel_trend_grain",
                bind="query-params",
                required=True,
            )
            or "month"
        )
        end, count = screen.trend_window(view.period, grain, *sidebar.data_span())
        trend = cached(screen.trend, view.alone.at(end), count, grain, first_stage, window_days)
        span = sidebar.trend_span(end, count, grain)
        presenter.chart(
            funnel_charts.step_trend(
                trend, step, f"{step} by {label[first_stage]} {grain}, {span}"
            ),
            key="funnel_trend_chart",
        )
        change = funnel.latest_mature_change(trend, step)
        st.caption(
            markdown_text(sentences.step_change(change))
            + " Hollow grey points are cohorts still maturing: they are left out of comparisons."
        )


@st.fragment
def time_to_convert(view: Selection) -> None:
    with st.expander(
        "Time to convert", icon=":material/timer:", key="funnel_ttc", bind="query-params"
    ) as section:
        if not section.open:
            return
        left, right = st.columns(2)
        all_stages = list(funnel.STAGES)
        from_stage: str = left.selectbox(
            "From", all_stages[:-1], index=1, format_func=label.__getitem__, key="funnel_ttc_from"
        )
        later = all_stages[all_stages.index(from_stage) + 1 :]
        to_stage: str = right.selectbox(
            "To",
            later,
            index=later.index("sql") if "sql" in later else 0,
            format_func=label.__getitem__,
            key="funnel_ttc_to",
        )
        times = cached(screen.time_to_convert, view.alone, from_stage, to_stage, dimension)
        overall = times["overall"]
        if not overall["n"]:
            st.info(
                f"No lead that reached {label[from_stage]} in {view.period.label} has reached "
                f"{label[to_stage]} yet."
            )
            return
        tiles = st.columns(4)
        tiles[0].metric("Median", format.days(overall["median_days"]), border=True)
        tiles[1].metric("p75", format.days(overall["p75_days"]), border=True)
        tiles[2].metric("p90", format.days(overall["p90_days"]), border=True)
        tiles[3].metric("Converted leads (n)", f"{overall['n']:,}", border=True)
        left, right = st.columns(2)
        left.dataframe(
            widgets.table(funnel_tables.display_time_to_convert(times["by"], dimension)),
            hide_index=True,
            key="funnel_ttc_table",
        )
        left.caption(
            f"Calendar days from reaching {label[from_stage]} to reaching {label[to_stage]}, "
            f"for leads that reached {label[from_stage]} in {view.period.label}, by "
            f"{dimension_label.lower()}."
        )
        presenter.chart(
            container=right,
            figure=funnel_charts.time_histogram(
                times["histogram"],
                f"Days from {label[from_stage]} to {label[to_stage]}, {view.period.label}",
            ),
            key="funnel_ttc_chart",
        )


@st.fragment
def lead_acceptance(view: Selection) -> None:
    with st.expander(
        "Lead acceptance vs SLA",
        icon=":material/handshake:",
        key="funnel_acceptance",
        bind="query-params",
    ) as section:
        if not section.open:
            return
        numbers = cached(screen.acceptance, view.alone, dimension)
        acceptance, target = numbers["overall"], numbers["target"]
        if not acceptance["accepted"] and not acceptance["rejected"]:
            st.info(
                f"No MQL of {view.period.label} has been accepted or rejected yet. Acceptance "
                "needs SAL dates and rejection dates or reasons in the lead export."
            )
        else:
            left, right = st.columns([1, 2])
            rate = acceptance["acceptance_rate"]
            left.metric(
                "Lead acceptance rate",
                format.rate(rate),
                f"{format.delta('rate', rate, target)} vs target {format.rate(target)}",
                help=funnel_tables.ACCEPTANCE_DEFINITION,
                border=True,
            )
            left.caption(sentences.acceptance(acceptance))
            right.dataframe(
                widgets.table(funnel_tables.display_acceptance(numbers["by"], dimension, target)),
                hide_index=True,
                key="funnel_acceptance_table",
            )
        left, right, _ = st.columns([1, 1, 2], vertical_alignment="bottom")
        new_target = left.number_input(
            "SLA target for lead acceptance (%)",
            min_value=1.0,
            max_value=100.0,
            value=target * 100,
            step=1.0,
            key="funnel_acceptance_target",
            disabled=not access.is_analyst(),  # a viewer reads the target, an analyst sets it
        )
        if right.button("Save target", key="funnel_save_target", disabled=not access.is_analyst()):
            edits.set_acceptance_target(new_target / 100)
            st.rerun()


@st.fragment
def lead_score(view: Selection) -> None:
    with st.expander(
        "Lead score", icon=":material/scoreboard:", key="funnel_score", bind="query-params"
    ) as section:
        if not section.open:
            return
        scores = cached(screen.score, view.alone)
        scored, lowest, highest = scores["range"]
        if not scored or lowest is None or highest is None:
            st.info(
                f"No lead created in {view.period.label} has a lead score. Map your lead score "
                "column (HubSpot Score, Salesforce Lead Score, Marketo Lead Score) when "
                "importing leads to see conversion by score band and a threshold what-if."
            )
            return
        left, right = st.columns([3, 2])
        presenter.chart(
            container=left,
            figure=funnel_charts.score_bands(
                scores["bands"], f"Conversion by lead score band, leads of {view.period.label}"
            ),
            key="funnel_score_chart",
        )
        threshold = right.slider(
            "MQL score threshold (what-if)",
            min_value=float(lowest),
            max_value=float(highest),
            value=float(lowest + (highest - lowest) / 2),
            key="funnel_score_threshold",
        )
        whatif = cached(screen.whatif, view.alone, float(threshold))
        right.metric(
            "MQL volume at this threshold",
            f"{whatif['mql_volume']:,}",
            f"{whatif['mql_volume'] - whatif['current_mqls']:+,} vs actual MQLs",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
        right.metric(
            "Expected MQL → SQL",
            format.rate(whatif["expected_mql_to_sql"]),
            f"actual {format.rate(whatif['current_mql_to_sql'])}",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
        right.caption(funnel_tables.WHATIF_NOTE.format(n=whatif["history_mqls"]))


drill_down(view, step_rows.filter(pl.col("n") > 0)[dimension].to_list())
cohort_trend(view, step)
time_to_convert(view)
lead_acceptance(view)
lead_score(view)
