"""The Import page's pure helpers: the mapping-editor table and its read-back, option lists.

One row per canonical field in the editor table; plain data in, plain data out, so the page
stays thin and this logic is tested without a server.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import polars as pl

from alignment.db import schema
from alignment.ingest.mapping import CONFIDENT, MappingProposal
from alignment.ingest.presets import ALL_PRESETS, GENERIC_PRESETS, PRESETS, TEMPLATES
from alignment.present.text import markdown_text

OBJECT_TYPE_LABELS: dict[str, str] = {
    "leads": "leads / contacts",
    "opportunities": "opportunities / deals",
    "activities": "sales activities",
    "touchpoints": "marketing touchpoints",
    "spend": "marketing spend",
    "targets": "targets",
    "owners": "owners / sales teams (lookup)",
    "accounts": "accounts / firmographics (lookup)",
    "lead_history": "lead history (pivoted into stage dates)",
    "opportunity_history": "opportunity history (pivoted into stage and close dates)",
    "events": "touchpoints and won opportunities, from one row per event",
}

DETECTED = "__detected__"
"""Preset option meaning "the detected (or remembered) reading of this file"."""

DATE_ORDERS: dict[str, str] = {
    "auto": "Detect from the data",
    "dmy": "Day first (31/12/2026)",
    "mdy": "Month first (12/31/2026)",
    "ymd": "Year first (2026-12-31)",
}

TIMEZONES: list[str] = ["UTC", *sorted(z for z in available_timezones() if "/" in z)]


def object_type_label(object_type: str) -> str:
    """`leads / contacts` for `leads`, etc."""
    return OBJECT_TYPE_LABELS.get(object_type, object_type)


def mapping_table(object_type: str, mapping: dict[str, str], columns: list[str]) -> pl.DataFrame:
    """The mapping editor's rows: one row per mappable field of the object type, with the file
    column proposed for it (empty when none, or when the proposed column is not in the file)."""
    keyed_by_row = object_type in schema.ROW_KEY_FIELDS  # an id can be made from the row
    required = {
        f for f in schema.REQUIRED_FIELDS[object_type] if not (f == "external_id" and keyed_by_row)
    }
    present = set(columns)
    rows = [
        {
            "field": field.name,
            "required": field.name in required,
            "source_column": mapping.get(field.name, "")
            if mapping.get(field.name) in present
            else "",
            "description": field.description
            + (
                " (leave empty when the file has none: each row then gets a key made from it)"
                if field.name == "external_id" and keyed_by_row
                else ""
            ),
        }
        for field in schema.mappable_fields(object_type)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "field": pl.String,
            "required": pl.Boolean,
            "source_column": pl.String,
            "description": pl.String,
        },
    )


def mapping_from_editor(edited: Any) -> dict[str, str]:
    """canonical field -> file column, from the edited table (polars or pandas), empties dropped."""
    frame = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    return {
        row["field"]: row["source_column"]
        for row in frame.select("field", "source_column").to_dicts()
        if row["source_column"]
    }


def preset_options(proposal: MappingProposal) -> list[str]:
    """Options of the Import page's export-type selector: the detected reading first, then the
    other presets the header could be (most likely first), every other known export, and one
    generic preset per record type."""
    likely = [name for name, _, _ in proposal.alternatives]
    known = [p.name for p in PRESETS if p.name not in likely]
    generic = [p.name for p in GENERIC_PRESETS]
    return list(dict.fromkeys([DETECTED, *likely, *known, *generic]))


def preset_option_label(option: str, proposal: MappingProposal) -> str:
    """How an option reads in the selector (`HubSpot contacts · leads / contacts`)."""
    if option == DETECTED:
        if proposal.label.startswith("your saved"):
            return f"Your saved mapping for this export ({proposal.source_system})"
        return f"{proposal.label} (detected, {proposal.confidence:.0%})"
    preset = ALL_PRESETS[option]
    return f"{preset.label} · {object_type_label(preset.object_type)}"


def detection_message(proposal: MappingProposal) -> tuple[str, bool]:
    """(Markdown sentence about what was detected, whether it is sure enough to import as is).
    The source system may have been typed by a user, so every name in it is shown as text."""
    # an event log's source system is the generic `events`: naming it again reads as a stutter
    source = "" if proposal.object_type == "events" else f"{proposal.source_system} "
    what = (
        f"**{markdown_text(proposal.label)}** ({markdown_text(source)}"
        f"{object_type_label(proposal.object_type)})"
    )
    if proposal.label.startswith("your saved"):
        return (
            f"Recognised: {what}, confirmed before for this header. Check and import.",
            True,
        )
    if not proposal.needs_choice:
        return f"Detected {what}, confidence {proposal.confidence:.0%}.", True
    others = ", ".join(markdown_text(label) for _, label, _ in proposal.alternatives[:2])
    return (
        f"Not sure what this file is: the best guess is {what} at {proposal.confidence:.0%} "
        f"(below {CONFIDENT:.0%})"
        + (f"; it could also be {others}" if others else "")
        + ". Choose the export type below: nothing is imported until you do.",
        False,
    )


def template_csv(object_type: str) -> str:
    """The CSV template for spend or targets, with example rows."""
    return TEMPLATES[object_type]
