"""Attribution: how the credit for the period's opportunities moves between attribution
models, channel by channel, with the reconciliation, campaign influence and the ledger."""

import streamlit as st

from alignment.app import presenter, routing, widgets
from alignment.app.cache import cached
from alignment.metrics import attribution
from alignment.present import attribution_tables, format
from alignment.present.text import markdown_text
from alignment.screens import attribution as screen
from alignment.selection import Selection

LEDGER_ROWS = 50

view = routing.page_view()
st.title(f"Attribution · {view.period.label}")
st.caption(markdown_text(presenter.describe(view)) + " · opportunities created in the period")

result = cached(screen.attribution_view, view)
influenced = result.influenced
tiles = st.columns(3)
credited = result.reconciliation["attributed_amount"][0] if result.reconciliation.height else 0
tiles[0].metric(attribution.METRICS["attributed_credit"].label, format.currency(credited))
tiles[1].metric(
    attribution.METRICS["unattributed_amount"].label,
    format.currency(result.reconciliation["unattributed_amount"][0]),
)
tiles[2].metric(
    attribution.METRICS["influenced_revenue"].label,
    format.currency(influenced["influenced_revenue"]),
    help=attribution.METRICS["influenced_revenue"].definition,
)
st.caption(attribution_tables.reconciliation_line(result.reconciliation))

if result.channels.is_empty():
    st.info(
        f"No touches before the opportunities created in {view.period.label}. Attribution "
        "needs a touchpoints export (Import page) whose touches name a lead or opportunity.",
        icon=":material/info:",
    )
    st.stop()

st.subheader("Channel credit by model")
st.dataframe(
    widgets.table(attribution_tables.side_by_side(result.channels)),
    hide_index=True,
    key="attribution_channels",
)
presenter.chart(
    attribution_tables.channel_credit_chart(
        result.channels, f"Credit by channel under each model, {view.period.label}"
    ),
    key="attribution_chart",
)
with st.expander("What each model means"):
    st.markdown(
        "\n".join(
            f"- **{label}**: {attribution.EXPLANATIONS[m]}"
            for m, label in attribution.MODELS.items()
        )
    )

st.subheader("Campaign influence")
st.caption(
    f"{influenced['influenced_deals']:,} of {influenced['won_deals']:,} won deals had a touch "
    "before their close."
)
st.dataframe(widgets.table(result.campaigns), hide_index=True, key="attribution_campaigns")


@st.fragment
def credit_ledger(view: Selection) -> None:
    """The ledger, computed when its section is opened."""
    with st.expander(
        "Credit ledger", key="attribution_ledger_open", bind="query-params"
    ) as section:
        if not section.open:
            return
        page = st.number_input("Page", min_value=1, value=1, step=1, key="attribution_page")
        rows = cached(screen.ledger, view, int(page) - 1, LEDGER_ROWS)
        st.dataframe(widgets.table(rows), hide_index=True, key="attribution_ledger")


credit_ledger(view)
