"""The Import page's pure helpers: the mapping-editor table and its read-back, option lists.

One row per canonical field in the editor table; plain data in, plain data out, so the page
stays thin and this logic is tested without a server.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import polars as pl

from alignment import schema

OBJECT_TYPE_LABELS: dict[str, str] = {
    "leads": "leads / contacts",
    "opportunities": "opportunities / deals",
    "activities": "sales activities",
    "touchpoints": "marketing touchpoints",
    "spend": "marketing spend",
    "targets": "targets",
}

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
    required = set(schema.REQUIRED_FIELDS[object_type])
    present = set(columns)
    rows = [
        {
            "field": field.name,
            "required": field.name in required,
            "source_column": mapping.get(field.name, "")
            if mapping.get(field.name) in present
            else "",
            "description": field.description,
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
