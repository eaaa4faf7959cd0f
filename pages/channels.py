"""Channels: win rate, deal size, sales cycle, pipeline and spend by channel (or another
dimension), in the period or cohort view, two channels compared in words, and pipeline, won
revenue, marketing-sourced share and spend over time."""

import streamlit as st

from alignment.app import presenter, routing, sidebar, widgets
from alignment.app.cache import cached
from alignment.metrics.dimensions import DIMENSION_LABELS, OPP_DIMENSIONS
from alignment.present import channel_charts
from alignment.present.text import markdown_text
from alignment.screens import channels

view = routing.page_view()
st.title(f"Channels · {view.period.label}")
# the URL spells the view as the control shows it (`?view=cohort`), so the options are shown
# as they are, and the explanation of each is in the help and the caption
choice: str = (
    st.segmented_control(
        "View",
        list(channels.VIEW_TEXT),
        default="period",
        key="view",
        bind="query-params",
        required=True,
        help=" ".join(f"{name}: {text}." for name, text in channels.VIEW_TEXT.items()),
    )
    or "period"
)
st.caption(f"{choice.capitalize()} view: {channels.VIEW_TEXT[choice]}.")
by: str = st.selectbox(
    "By",
    OPP_DIMENSIONS,
    format_func=DIMENSION_LABELS.__getitem__,
    key="channels_by",
    bind="query-params",
)
rows = cached(channels.table, view, choice, by)
if not rows.height:
    st.info("No leads or opportunities in this period: import data on the Import page.")
    st.stop()
shown = presenter.by_person(rows, by)  # people's names masked on a shared screen
labels = dict(zip(rows[by].to_list(), shown[by].to_list(), strict=True))
st.dataframe(widgets.table(channels.display(shown, by)), hide_index=True, width="stretch")
st.caption(
    "Win rate: won / (won + lost), with n and its 95 % interval; sales cycle: Kaplan-Meier "
    "median days to win, open deals censored. Definitions are in the Glossary."
)
presenter.chart(
    channel_charts.win_rates(
        shown, f"Win rate by {DIMENSION_LABELS[by].lower()}, {choice} view, {view.period.label}"
    ),
    key="channels_win_rate_chart",
)

values = rows[by].to_list()
if len(values) >= 2:
    st.subheader("Compare two")
    left, right = st.columns(2)
    a = left.selectbox("First", values, index=0, key="channels_a", format_func=labels.get)
    b = right.selectbox("Second", values, index=1, key="channels_b", format_func=labels.get)
    comparison = cached(channels.comparison, view, a, b, choice, by, (labels[a], labels[b]))
    st.markdown(markdown_text(comparison))

st.subheader("Over time")
end, count, bucket = channels.trend_window(view.period, *sidebar.data_span())
span = sidebar.trend_span(end, count, bucket)
over_time = cached(channels.series, view.alone.at(end), bucket, count, by)
noun = DIMENSION_LABELS[by].lower()
presenter.chart(
    channel_charts.pipeline_and_revenue(
        presenter.by_person(over_time["by_value"], by),
        by,
        bucket,
        f"Pipeline created and won revenue by {noun} and {bucket}, {span}",
    ),
    key="channels_over_time",
)
st.caption(
    f"Pipeline counts opportunities in the {bucket} they were created; won revenue, deals in "
    f"the {bucket} they were won. The largest {channel_charts.MAX_SERIES - 1} values are drawn "
    "on their own, the rest as Other."
)
presenter.chart(
    channel_charts.marketing_share(
        over_time["share"], bucket, f"Marketing-sourced share of pipeline by {bucket}, {span}"
    ),
    key="channels_marketing_share",
)
if by == "channel":
    presenter.chart(
        channel_charts.spend_vs_revenue(
            shown, f"Spend and won revenue by channel, {choice} view, {view.period.label}"
        ),
        key="channels_spend",
    )
else:
    st.caption("Spend is recorded per channel: break down by channel to compare it with revenue.")
