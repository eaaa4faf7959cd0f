"""Settings: the channel, stage and reason maps (editors, unmapped values, one-step adding)."""

import streamlit as st

from alignment.app import edits, routing, widgets
from alignment.app.cache import cached
from alignment.model import maps
from alignment.present import format
from alignment.present.text import markdown_text
from alignment.screens import settings

routing.require_router()
st.title("Settings")
st.caption(
    "Mapping tables turn the values your exports use into Alignment's channels, stages and "
    "reasons. They apply when pages are computed, so saving a map changes every page without "
    "re-importing. Values are matched ignoring case and extra spaces; a value no row covers "
    "is shown as itself."
)

FLASH = "settings_flash"
if FLASH in st.session_state:
    kind, text = st.session_state.pop(FLASH)
    (st.success if kind == "ok" else st.error)(markdown_text(text))

HELP = {
    "channel_map": "Raw value: a lead source as exported (`PAID_SEARCH`, `Web`, `Google AdWords`). "
    f"Channel: one of {', '.join(maps.CHANNELS)}, or your own. Marketing-sourced counts toward "
    "the marketing-sourced pipeline share.",
    "stage_map": "Source `*` applies to every source; a row for one source (`hubspot`) wins. "
    "Stages: lead, mql, sal, sql, opportunity (lead lifecycle), open (an open deal stage), won, "
    "lost, rejected. Closed and won default from the stage when left empty.",
    "reason_map": "Raw rejection or closed-lost reasons -> the standard reasons; "
    f"`{maps.NOT_A_REJECTION}` marks values that are statuses, not reasons. A rejection whose "
    "reason is empty or unmapped counts as not documented.",
}


def _columns(name: str) -> dict[str, object]:
    text = st.column_config.TextColumn
    check = st.column_config.CheckboxColumn
    pick = st.column_config.SelectboxColumn
    if name == "channel_map":
        return {
            "channel_raw": text("Raw value", required=True),
            "channel": text("Channel", required=True),
            "marketing_sourced": check("Marketing-sourced", default=True),
        }
    if name == "stage_map":
        return {
            "source_system": text("Source", default=maps.ANY_SOURCE, required=True),
            "stage_raw": text("Raw stage or status", required=True),
            "stage": pick("Stage", options=list(maps.STAGES), required=True),
            "is_closed": check("Closed"),
            "is_won": check("Won"),
        }
    return {
        "reason_raw": text("Raw reason", required=True),
        "reason": pick("Standard reason", options=list(maps.REASON_CHOICES), required=True),
    }


def _map_tab(name: str) -> None:
    spec = maps.spec(name)
    tab = cached(settings.map_tab, name)
    coverage = tab["coverage"]
    left, middle, right = st.columns(3)
    share = coverage["mapped"] / coverage["records"] if coverage["records"] else None
    left.metric(
        "Records with a mapped value",
        format.rate(share),
        help="Leads and opportunities that have a value for this map, and the share a map row "
        "covers.",
        border=True,
    )
    middle.metric("Distinct values in the data", f"{coverage['values']:,}", border=True)
    right.metric("Values no row covers", f"{coverage['unmapped_values']:,}", border=True)

    st.markdown(f"**{spec.label} map**")
    st.caption(HELP[name])
    edited = st.data_editor(
        widgets.editor_table(tab["rows"]),
        key=f"editor_{name}",
        num_rows="dynamic",
        hide_index=True,
        column_config=_columns(name),
        width="stretch",
    )
    if st.button(f"Save the {spec.label.lower()} map", key=f"save_{name}", type="primary"):
        try:
            message = edits.save_map(name, widgets.edited_table(edited).to_dicts())
        except maps.MapError as error:
            st.error(markdown_text(str(error)))
        else:
            st.session_state[FLASH] = ("ok", message)
            st.session_state.pop(f"editor_{name}", None)
            st.rerun()

    unmapped = tab["unmapped"]
    st.markdown("**Values in your data that no row covers**")
    if unmapped.height == 0:
        st.caption("None: every value in the data is mapped.")
        return
    st.caption(
        "Fill in the target of the values you want to map (prefilled with Other), then add them "
        "in one step. Values left without a target stay as they are."
    )
    proposal = maps.proposed_rows(name, unmapped)
    columns = _columns(name)
    columns[spec.raw_column] = st.column_config.TextColumn("Raw value", disabled=True)
    columns["records"] = st.column_config.NumberColumn("Records", disabled=True, format="%d")
    columns["found_in"] = st.column_config.TextColumn("Found in", disabled=True)
    additions = st.data_editor(
        widgets.editor_table(proposal),
        key=f"unmapped_{name}",
        hide_index=True,
        column_config=columns,
        width="stretch",
    )
    if st.button(
        f"Add these {unmapped.height:,} values to the map", key=f"add_{name}", type="secondary"
    ):
        try:
            rows = widgets.edited_table(additions).drop("records", "found_in").to_dicts()
            message = edits.add_to_map(name, rows)
        except maps.MapError as error:
            st.error(markdown_text(str(error)))
        else:
            st.session_state[FLASH] = ("ok", message)
            st.session_state.pop(f"unmapped_{name}", None)
            st.rerun()


tabs = st.tabs([maps.spec(name).label for name in maps.MAP_NAMES])
for tab, map_name in zip(tabs, maps.MAP_NAMES, strict=True):
    with tab:
        _map_tab(map_name)
