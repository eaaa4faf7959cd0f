"""Import: upload exports, check the detected mapping, load them, see what could not be used."""

import streamlit as st

from alignment.app import imports, routing, widgets
from alignment.ingest import AmbiguousDateOrderError, IngestError
from alignment.present.export import safe_csv
from alignment.present.importing import (
    DATE_ORDERS,
    DETECTED,
    TIMEZONES,
    detection_message,
    mapping_from_editor,
    mapping_table,
    preset_option_label,
    preset_options,
    template_csv,
)
from alignment.present.text import markdown_text

routing.require_router()
st.title("Import")
st.caption(
    "Upload CSV or XLSX exports from HubSpot, Salesforce or any other CRM. Each file is read as "
    "text, its columns are matched to Alignment's fields, and it is loaded in one transaction: "
    "it succeeds whole or changes nothing. Re-importing the same file changes nothing; a newer "
    "export updates records in place. Try the sample files in `data/samples/`."
)
with st.expander("Known exports and templates"):
    st.markdown(
        "Recognised from their header row: HubSpot contacts, deals and leads; Salesforce leads, "
        "opportunities, tasks, lead history and opportunity history (report or Data Loader); "
        "Marketo leads; Marketo Measure (Bizible) touchpoints; event logs (one row per event, "
        "conversions carrying a value: GA4, Segment, Mixpanel, Amplitude exports), split into "
        "touchpoints and won opportunities; Outreach calls and mailings; "
        "Salesloft calls; leads, contacts, deals and calls / activities of Zoho CRM, Pipedrive, "
        "Dynamics 365, Freshsales, Close and Copper; owners / sales teams and accounts / "
        "ZoomInfo company lists (lookups); in English, German, French, Spanish or Portuguese. "
        "Anything else is read as a generic file you map by hand. Spend and targets have "
        "templates:"
    )
    left, right = st.columns(2)
    left.download_button(
        "Spend template (CSV)",
        template_csv("spend"),
        file_name="alignment_spend_template.csv",
        mime="text/csv",
        key="template_spend",
    )
    right.download_button(
        "Targets template (CSV)",
        template_csv("targets"),
        file_name="alignment_targets_template.csv",
        mime="text/csv",
        key="template_targets",
    )

uploads = st.file_uploader(
    "Exports to import",
    type=["csv", "txt", "tsv", "xlsx"],
    accept_multiple_files=True,
    key="uploads",
)
results: dict[str, dict] = st.session_state.setdefault("import_results", {})
imports.forget_uploads(uploads or [])

for upload in uploads or []:
    file_key = upload.file_id
    with st.container(border=True):
        st.subheader(markdown_text(upload.name))
        try:
            sniffed, proposal = imports.inspect_upload(upload)
        except IngestError as error:
            st.error(markdown_text(str(error)), icon=":material/block:")
            continue

        about = (
            f"{sniffed.kind.upper()} · encoding {sniffed.encoding}"
            + (f" · delimiter {sniffed.delimiter!r}" if sniffed.delimiter else "")
            + f" · header on row {sniffed.header_row + 1} · {len(sniffed.columns)} columns"
            + (f" · {sniffed.footer_rows} footer rows ignored" if sniffed.footer_rows else "")
        )
        st.caption(markdown_text(about))
        message, confident = detection_message(proposal)
        (st.success if confident else st.warning)(message)

        options = preset_options(proposal)
        chosen = st.selectbox(
            "Export type",
            options,
            index=0 if confident else None,
            format_func=lambda option, proposal=proposal: preset_option_label(option, proposal),
            placeholder="Choose what this file is…",
            key=f"preset_{file_key}",
            help="Detected from the header row. Pick another known export, or a generic type "
            "to map the columns by hand.",
        )
        if chosen is None:
            with st.expander(f"Preview: first {sniffed.preview.height} rows as read"):
                st.dataframe(widgets.table(sniffed.preview), hide_index=True)
            continue
        if chosen != DETECTED:
            proposal = imports.propose(sniffed.columns, preset=chosen)
        object_type = proposal.object_type
        preset_name = proposal.preset if proposal.preset != "saved" else None

        middle, right, last = st.columns(3)
        source_system = middle.text_input(
            "Source system",
            proposal.source_system,
            key=f"source_{file_key}_{chosen}",
            help="Becomes part of every record key (source:id), so two systems never collide.",
        )
        timezone = right.selectbox(
            "Time zone of the dates",
            TIMEZONES,
            index=TIMEZONES.index("UTC"),
            key=f"tz_{file_key}",
            help="Dates without a time zone are read in this zone.",
        )
        date_order = last.selectbox(
            "Day / month order",
            list(DATE_ORDERS),
            format_func=DATE_ORDERS.__getitem__,
            key=f"dateorder_{file_key}",
        )

        st.markdown("**Column mapping**: pick the file column for each field (empty: skip it)")
        edited = st.data_editor(
            widgets.editor_table(mapping_table(object_type, proposal.mapping, sniffed.columns)),
            key=f"mapping_{file_key}_{chosen}",
            hide_index=True,
            disabled=["field", "required", "description"],
            column_config={
                "field": st.column_config.TextColumn("Field"),
                "required": st.column_config.CheckboxColumn("Required"),
                "description": st.column_config.TextColumn("Meaning", width="large"),
                "source_column": st.column_config.SelectboxColumn(
                    "File column",
                    options=["", *widgets.editor_options(sniffed.columns)],
                    width="medium",
                ),
            },
        )
        mapping = mapping_from_editor(widgets.edited_table(edited))
        with st.expander(f"Preview: first {sniffed.preview.height} rows as read"):
            st.dataframe(widgets.table(sniffed.preview), hide_index=True)

        if st.button("Import this file", key=f"go_{file_key}", type="primary"):
            bar = st.progress(0.0, text="Starting…")
            try:
                result = imports.import_upload(
                    upload,
                    object_type=object_type,
                    source_system=source_system.strip() or None,
                    mapping=mapping,
                    timezone=timezone,
                    date_order=date_order,
                    preset=preset_name,
                    progress=lambda fraction, text, bar=bar: bar.progress(
                        min(max(fraction, 0.0), 1.0), text=text
                    ),
                )
            except AmbiguousDateOrderError as error:
                bar.empty()
                examples = "; ".join(
                    f"{col}: {', '.join(vals[:3])}" for col, vals in error.columns.items()
                )
                st.warning(
                    markdown_text(
                        f"{error} Examples: {examples}. Choose the day / month order above and "
                        "import again."
                    ),
                    icon=":material/calendar_month:",
                )
            except IngestError as error:
                bar.empty()
                st.error(
                    markdown_text(f"{error} Nothing was changed in the database."),
                    icon=":material/block:",
                )
            else:
                bar.empty()
                results[file_key] = imports.result_summary(result)

        if file_key in results:
            summary = results[file_key]
            (st.success if summary["status"] != "failed" else st.error)(
                markdown_text(summary["headline"])
            )
            for warning in summary["warnings"]:
                st.warning(markdown_text(warning))
            if summary["rows_rejected"]:
                rejects = imports.import_rejects(summary["import_id"])
                st.markdown(f"**Rows that could not be used** ({summary['rows_rejected']:,})")
                st.dataframe(widgets.table(rejects.head(200)), hide_index=True)
                st.download_button(
                    "Download rejected rows (CSV)",
                    safe_csv(rejects),
                    file_name=f"rejects_import_{summary['import_id']}.csv",
                    mime="text/csv",
                    key=f"rejects_{file_key}",
                )

st.divider()
st.subheader("Import history")
DELETE_KEY = "delete_import_pending"
widgets.show_notice("import_history")
history = imports.import_history()
if history.is_empty():
    st.info("Nothing imported yet. Upload an export above.")
else:
    st.dataframe(
        widgets.table(history),
        hide_index=True,
        column_order=[c for c in history.columns if c != "is_demo"],
        column_config={
            "import_id": st.column_config.NumberColumn("#", format="%d", width="small"),
            "file_name": st.column_config.TextColumn("File", width="medium"),
            "source_system": st.column_config.TextColumn("Source"),
            "object_type": st.column_config.TextColumn("Records"),
            "status": st.column_config.TextColumn("Status"),
            "rows_read": st.column_config.NumberColumn("Read", format="localized"),
            "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
            "rows_inserted": st.column_config.NumberColumn("New", format="localized"),
            "rows_updated": st.column_config.NumberColumn("Updated", format="localized"),
            "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
            "imported_at": st.column_config.TextColumn("Imported (UTC)"),
            "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
        },
    )
    choices = history["import_id"].to_list()
    labels = dict(zip(choices, history["file_name"].to_list(), strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Delete an import",
        choices,
        format_func=lambda i: f"#{i} · {labels[i]}",
        key="delete_choice",
        help="Deleting an import undoes it: rows it added are removed and rows it updated get "
        "their previous values back.",
    )
    if right.button("Delete import", key="delete_import"):
        st.session_state[DELETE_KEY] = int(chosen)
    pending = st.session_state.get(DELETE_KEY)
    if pending not in labels:
        st.session_state.pop(DELETE_KEY, None)
    elif widgets.confirmation(DELETE_KEY, imports.delete_import_question(pending), "Delete it"):
        try:
            message = imports.delete_import(pending)
        except IngestError as error:
            st.error(markdown_text(str(error)), icon=":material/block:")
        else:
            widgets.notify("import_history", message)
            st.rerun()
