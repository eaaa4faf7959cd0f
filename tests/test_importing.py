from __future__ import annotations

import polars as pl

from alignment.db import schema
from alignment.present.importing import TIMEZONES, mapping_from_editor, mapping_table


def test_mapping_table_has_one_row_per_field_and_drops_unknown_columns() -> None:
    table = mapping_table(
        "opportunities",
        {"external_id": "Opportunity ID", "amount": "Not In File"},
        ["Opportunity ID", "Amount"],
    )
    assert table["field"].to_list() == [c.name for c in schema.mappable_fields("opportunities")]
    proposed = dict(zip(table["field"], table["source_column"], strict=True))
    assert proposed["external_id"] == "Opportunity ID"
    assert proposed["amount"] == ""  # proposed column is not in the file
    # a file without an id column gets keys made from its rows, so nothing is required here
    assert table.filter(pl.col("required"))["field"].to_list() == []
    activities = mapping_table("activities", {}, ["Id"])
    assert activities.filter(pl.col("required"))["field"].to_list() == ["occurred_at"]


def test_mapping_read_back_skips_empty_rows_from_polars_or_pandas() -> None:
    edited = pl.DataFrame({"field": ["external_id", "amount"], "source_column": ["Id", ""]})
    assert mapping_from_editor(edited) == {"external_id": "Id"}
    assert mapping_from_editor(edited.to_pandas()) == {"external_id": "Id"}


def test_timezones_start_with_utc() -> None:
    assert TIMEZONES[0] == "UTC" and "Europe/London" in TIMEZONES
