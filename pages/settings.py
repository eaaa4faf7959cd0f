"""Settings: the SLA contract (versions, editor, TOML download and upload, delete) and the
channel, stage and reason maps (editors, unmapped values, one-step adding)."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import streamlit as st

from alignment import clock
from alignment.app import edits, routing, widgets
from alignment.app.cache import cached
from alignment.model import maps
from alignment.model import sla_contract_io as contract_io
from alignment.model.sla_contract import CLOCK_STARTS, Contract
from alignment.present import format
from alignment.present.text import markdown_text
from alignment.screens import settings

routing.require_router()
st.title("Settings")
st.caption(
    "The SLA contract sets the marketing-sales commitments every SLA number is judged against. "
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
    "channel_map": "Raw value: a lead source or touchpoint source as exported (`PAID_SEARCH`, "
    "`Web`, `Google AdWords`, `google`). For touchpoints with a medium, `google / organic` maps "
    "that source with that medium and `* / email` any source with that medium; the most "
    "specific row wins (the pair, then the source, then `* / medium`). "
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


def _map_saved(name: str, write: Callable[[], str]) -> None:
    """Run one write of a map: flash what it did, forget the edits and draw again (a map that
    cannot be saved says why and keeps the edits)."""
    try:
        message = write()
    except maps.MapError as error:
        st.error(markdown_text(str(error)))
        return
    st.session_state[FLASH] = ("ok", message)
    st.session_state.pop(f"editor_{name}", None)
    st.rerun()


def _map_tab(name: str) -> None:
    spec = maps.spec(name)
    tab = cached(settings.map_tab, name)
    coverage = tab["coverage"]
    left, middle, right = st.columns(3)
    share = coverage["mapped"] / coverage["records"] if coverage["records"] else None
    left.metric(
        "Records with a mapped value",
        format.rate(share),
        help="Leads and opportunities (and, for channels, touchpoints) that have a value for "
        "this map, and the share a map row covers.",
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
    save_col, reset_col, _ = st.columns([2, 2, 3])
    save_pending, reset_pending = f"save_pending_{name}", f"reset_pending_{name}"
    if save_col.button(f"Save the {spec.label.lower()} map", key=f"save_{name}", type="primary"):
        rows = widgets.edited_table(edited).to_dicts()
        st.session_state.pop(reset_pending, None)
        try:
            changes = edits.map_changes(name, rows)
        except maps.MapError as error:
            st.session_state.pop(save_pending, None)
            st.error(markdown_text(str(error)))
        else:
            if changes.destructive:  # removing or changing rows asks first
                st.session_state[save_pending] = rows
            else:
                _map_saved(name, lambda: edits.save_map(name, rows))
    if reset_col.button("Reset to the defaults", key=f"reset_{name}", type="secondary"):
        st.session_state.pop(save_pending, None)
        st.session_state[reset_pending] = True
    if save_pending in st.session_state:
        rows = st.session_state[save_pending]
        if widgets.confirmation(save_pending, edits.save_map_question(name, rows), "Save it"):
            _map_saved(name, lambda: edits.save_map(name, rows))
    if reset_pending in st.session_state and widgets.confirmation(
        reset_pending, edits.reset_map_question(name), "Reset it"
    ):
        _map_saved(name, lambda: edits.reset_map(name))

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


# ---- the SLA contract -------------------------------------------------------------------------
SLA_VERSION = "sla_version"
SLA_NEXT = "sla_version_next"
SLA_DELETE = "sla_delete_pending"
SLA_UPLOADS = "sla_uploads"
EDITOR = "sla_edit_"
NEW = "new"
TOUCH_TYPES = ["call", "email", "meeting", "linkedin", "sms", "chat", "task"]
DIRECTIONS = ["outbound", "two-way", "inbound"]


def _show_problems(error: contract_io.ContractError) -> None:
    """Every problem, one per line (a file's name, line and reason as written)."""
    lines = [markdown_text(p) for p in error.problems]
    st.error(lines[0] if len(lines) == 1 else "\n".join(f"- {line}" for line in lines))


def _saved(message: str, version: str | None) -> None:
    """After a save, upload or delete: flash the confirmation, forget the edits, open
    `version` (None: the one in effect) and draw again."""
    st.session_state[FLASH] = ("ok", message)
    for key in [k for k in st.session_state if str(k).startswith(EDITOR)]:
        del st.session_state[key]
    st.session_state.pop(SLA_VERSION, None)
    if version is not None:
        st.session_state[SLA_NEXT] = version
    st.rerun()


def _contract_editor(contract: Contract, version: str) -> None:
    def key(name: str) -> str:
        return f"{EDITOR}{version}_{name}"

    effective_from = st.date_input(
        "Effective from",
        value=contract.effective_from,
        min_value=date(1990, 1, 1),
        max_value=date(2100, 12, 31),
        key=key("effective_from"),
        help="The version applies from this date on. Saving under a date that has a version "
        "replaces it; to move a version, save it under the new date and delete the old one.",
    )
    st.markdown("**Commitments**")
    st.caption(
        "Met at or above the target, at risk from the at-risk threshold up to the target, "
        "missed below it. Shares are in percent."
    )
    commitments = st.data_editor(
        widgets.editor_table(settings.commitments_table(contract)),
        key=key("commitments"),
        hide_index=True,
        num_rows="fixed",
        column_order=["label", "owner", "target", "at_risk", "unit"],
        disabled=["label", "unit"],
        column_config={
            "label": st.column_config.TextColumn("Commitment"),
            "owner": st.column_config.SelectboxColumn(
                "Owner", options=list(contract_io.OWNERS), required=True
            ),
            "target": st.column_config.NumberColumn("Target", required=True),
            "at_risk": st.column_config.NumberColumn("At risk below", required=True),
            "unit": st.column_config.TextColumn("Unit"),
        },
        width="stretch",
    )
    left, right = st.columns(2)
    response_hours = left.number_input(
        "Response target (business hours)",
        value=float(contract.response_hours),
        step=0.5,
        key=key("response_hours"),
    )
    high_intent_hours = right.number_input(
        "High-intent response target (business hours)",
        value=float(contract.high_intent_response_hours),
        step=0.5,
        key=key("high_intent_hours"),
    )
    st.markdown("**High-intent leads** (any of these makes a lead high-intent)")
    hi = contract.high_intent
    score_col, channel_col, campaign_col = st.columns(3)
    score = score_col.number_input(
        "Score at least",
        value=None if hi.score_at_least is None else float(hi.score_at_least),
        placeholder="no score threshold",
        key=key("score"),
    )
    channels = channel_col.text_input(
        "Channels", value=", ".join(hi.channels), key=key("channels"), help="Comma separated."
    )
    campaigns = campaign_col.text_input(
        "Campaigns", value=", ".join(hi.campaigns), key=key("campaigns"), help="Comma separated."
    )
    use_flag = st.checkbox(
        "A lead's own high-intent flag counts", value=hi.use_flag, key=key("use_flag")
    )
    clock_start = st.radio(
        "The response clock starts",
        list(CLOCK_STARTS),
        index=list(CLOCK_STARTS).index(contract.clock_start),
        format_func=lambda k: f"{k}: {CLOCK_STARTS[k]}",
        key=key("clock_start"),
    )
    st.markdown("**What counts as a sales touch** (case-insensitive)")
    types_col, directions_col = st.columns(2)
    touch_types = types_col.multiselect(
        "Activity types (none chosen: every type)",
        sorted({*TOUCH_TYPES, *contract.touch_types}),
        default=list(contract.touch_types),
        accept_new_options=True,
        key=key("touch_types"),
    )
    touch_directions = directions_col.multiselect(
        "Directions",
        sorted({*DIRECTIONS, *contract.touch_directions}),
        default=list(contract.touch_directions),
        accept_new_options=True,
        key=key("touch_directions"),
    )
    count_unknown = st.checkbox(
        "An activity without a direction counts",
        value=contract.count_unknown_direction,
        key=key("count_unknown"),
    )
    days_col, count_col = st.columns(2)
    attempt_days = days_col.number_input(
        "Attempt window (calendar days after MQL)",
        value=contract.attempt_days,
        min_value=0,
        step=1,
        key=key("attempt_days"),
    )
    attempt_count = count_col.number_input(
        "Touches expected within the window",
        value=contract.attempt_count,
        min_value=0,
        step=1,
        key=key("attempt_count"),
    )
    st.markdown("**Business calendars**")
    st.caption(
        "Response time counts the open hours of the calendar of the lead's region. Working "
        "days like Mon-Fri or Mon, Tue, Thu; time zone an IANA name (Europe/Berlin); country and "
        "subdivision add public holidays (US, CA); closed dates like 2026-12-24, 2026-12-31; "
        "regions comma separated; 24/7 ignores days, hours and holidays."
    )
    text = st.column_config.TextColumn
    calendars = st.data_editor(
        widgets.editor_table(settings.calendars_table(contract)),
        key=key("calendars"),
        hide_index=True,
        num_rows="dynamic",
        column_config={
            "name": text("Name", required=True),
            "time_zone": text("Time zone", default="UTC"),
            "working_days": text("Working days", default="Mon-Fri"),
            "opens": st.column_config.TimeColumn("Opens", format="HH:mm"),
            "closes": st.column_config.TimeColumn("Closes", format="HH:mm"),
            "country": text("Holidays country"),
            "subdivision": text("Subdivision"),
            "closed_dates": text("Closed dates"),
            "regions": text("Regions"),
            "always_open": st.column_config.CheckboxColumn("24/7", default=False),
        },
        width="stretch",
    )
    calendar_rows = widgets.edited_table(calendars).to_dicts()
    names = [
        str(r["name"]).strip() for r in calendar_rows if r.get("name") and str(r["name"]).strip()
    ]
    default_calendar = st.selectbox(
        "Default calendar (leads whose region no calendar lists)",
        names,
        index=names.index(contract.default_calendar) if contract.default_calendar in names else 0,
        key=key("default_calendar"),
    )
    if st.button("Save this version", key="sla_save", type="primary"):
        form = settings.ContractForm(
            effective_from=effective_from,
            response_hours=response_hours,
            high_intent_response_hours=high_intent_hours,
            score_at_least=score,
            channels=channels,
            campaigns=campaigns,
            use_flag=use_flag,
            clock_start=clock_start,
            touch_types=touch_types,
            touch_directions=touch_directions,
            count_unknown_direction=count_unknown,
            attempt_days=attempt_days,
            attempt_count=attempt_count,
            default_calendar=default_calendar,
        )
        try:
            edited = settings.contract_from_form(
                form, widgets.edited_table(commitments).to_dicts(), calendar_rows
            )
            message = edits.save_contract(edited)
        except contract_io.ContractError as error:
            _show_problems(error)
        else:
            _saved(message, edited.effective_from.isoformat())


def _contract_tab() -> None:
    today = clock.today()
    tab = cached(settings.contract_tab, today)
    in_effect: Contract = tab["in_effect"]
    st.caption(
        "The written marketing-sales SLA: five commitments with an owner, a target and an "
        "at-risk threshold, the response and attempt rules, and the business calendars. Each "
        "version applies from its date, so a period is judged by the terms in effect then."
    )
    if tab["saved"]:
        st.markdown(
            f"**In effect today ({today.isoformat()})**: the version from "
            f"{in_effect.effective_from.isoformat()}."
        )
        st.dataframe(
            widgets.table(tab["table"]),
            hide_index=True,
            column_config={
                "effective_from": st.column_config.DateColumn("Effective from"),
                "status": st.column_config.TextColumn("Status"),
                "summary": st.column_config.TextColumn("Terms", width="large"),
            },
            width="stretch",
        )
    else:
        st.info(
            "No version saved yet: the default terms below apply. Save them, or your own, to "
            "start the contract's history."
        )
    versions = {v.effective_from.isoformat(): v for v in tab["versions"]}
    choices = [NEW, *versions]
    if SLA_NEXT in st.session_state:
        st.session_state[SLA_VERSION] = st.session_state.pop(SLA_NEXT)
    if st.session_state.get(SLA_VERSION) not in choices:
        current = in_effect.effective_from.isoformat()
        st.session_state[SLA_VERSION] = current if current in versions else NEW
    choice = st.selectbox(
        "Version to edit",
        choices,
        format_func=lambda v: "A new version" if v == NEW else f"Effective from {v}",
        key=SLA_VERSION,
    )
    shown = versions[choice] if choice != NEW else in_effect
    with st.container(border=True):
        _contract_editor(versions.get(choice) or replace(in_effect, effective_from=today), choice)

    st.markdown("**The contract as a file**")
    st.caption(
        "A commented TOML file, one version per file: keep it in version control, edit it, "
        "and upload it to save it as a version (a file with a problem names the line)."
    )
    download_col, upload_col = st.columns(2)
    download_col.download_button(
        "Download this version (TOML)"
        if choice != NEW
        else "Download the version in effect (TOML)",
        data=contract_io.to_toml(shown),
        file_name=f"sla-contract-{shown.effective_from.isoformat()}.toml",
        mime="application/toml",
        key="sla_download",
    )
    uploads = st.session_state.get(SLA_UPLOADS, 0)
    upload = upload_col.file_uploader(
        "Upload a contract file", type=["toml"], key=f"sla_upload_{uploads}"
    )
    if upload_col.button("Check and save the uploaded file", key="sla_upload_save"):
        if upload is None:
            st.error("Choose a TOML file to upload first.")
        else:
            try:
                message = edits.upload_contract(upload.name, upload.getvalue())
            except contract_io.ContractError as error:
                _show_problems(error)
            else:
                st.session_state[SLA_UPLOADS] = uploads + 1
                _saved(message, None)

    if choice == NEW:
        return
    if st.button("Delete this version", key="sla_delete"):
        st.session_state[SLA_DELETE] = choice
    pending = st.session_state.get(SLA_DELETE)
    if pending not in versions:
        st.session_state.pop(SLA_DELETE, None)
    elif widgets.confirmation(
        SLA_DELETE,
        f"Delete the SLA contract version effective from {pending}? Periods from that date are "
        "then judged by the version before it (or the default terms).",
        "Delete it",
    ):
        try:
            message = edits.delete_contract(date.fromisoformat(pending))
        except contract_io.ContractError as error:
            _show_problems(error)
        else:
            _saved(message, None)


tabs = st.tabs(["SLA contract", *(maps.spec(name).label for name in maps.MAP_NAMES)])
with tabs[0]:
    _contract_tab()
for tab, map_name in zip(tabs[1:], maps.MAP_NAMES, strict=True):
    with tab:
        _map_tab(map_name)
