"""The stored facts (`lead_facts` over the fact columns of `leads`, the `opp_facts` table) always
match their live views: after an import (inserting or updating), an undo, a map edit and a failed
import, and on databases from before they were stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment import ingest, model
from alignment.db import schema, store
from alignment.model import facts, maps

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"


def _differences(con: store.Connection, name: str) -> int:
    """Rows in the table and not in its live view, plus the other way round (0 when equal)."""
    return int(
        store.scalar(
            con,
            f"SELECT (SELECT count(*) FROM (FROM {name} EXCEPT ALL FROM {name}_live)) "
            f"+ (SELECT count(*) FROM (FROM {name}_live EXCEPT ALL FROM {name}))",
        )
    )


def _in_step(con: store.Connection) -> bool:
    return all(_differences(con, name) == 0 for name in facts.FACT_MODELS)


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    return model.connect(tmp_path / "facts.duckdb")


def test_imports_undo_and_map_edits_keep_the_fact_tables_in_step(con: store.Connection) -> None:
    leads = ingest.import_file(con, SAMPLES / "hubspot_contacts.csv", "hubspot_contacts.csv")
    ingest.import_file(con, SAMPLES / "salesforce_opportunities.csv", "opps.csv")
    assert store.scalar(con, "SELECT count(*) FROM lead_facts") == leads.rows_loaded > 0
    assert _in_step(con)

    # a map edit changes the facts without a re-import: map every channel value to "Mapped"
    raw_values = store.query(con, "SELECT DISTINCT channel_raw FROM leads").to_series()
    rows = [{"channel_raw": v, "channel": "Mapped", "marketing_sourced": True} for v in raw_values]
    maps.save_map(con, "channel_map", rows)
    assert store.query(con, "SELECT DISTINCT channel FROM lead_facts")["channel"].to_list() == [
        "Mapped"
    ]
    assert _in_step(con)

    ingest.delete_import(con, leads.import_id)  # type: ignore[arg-type]
    assert store.scalar(con, "SELECT count(*) FROM lead_facts") == 0
    assert _in_step(con)


def test_a_failed_import_leaves_the_fact_tables_as_they_were(con: store.Connection) -> None:
    ingest.import_file(con, SAMPLES / "hubspot_contacts.csv", "hubspot_contacts.csv")
    before = store.query(con, "SELECT * FROM lead_facts ORDER BY lead_id")
    bad = b"Record ID,Create Date\n1,2026-01-05\n2,not a date\n"
    with pytest.raises(ingest.IngestError):
        ingest.import_file(con, bad, "bad.csv", object_type="leads", strict=True)
    assert store.query(con, "SELECT * FROM lead_facts ORDER BY lead_id").equals(before)


def test_an_import_that_updates_leads_recomputes_their_facts(con: store.Connection) -> None:
    first = (
        b"Record ID,Create Date,Original Source\n1,2026-01-05,Paid Search\n2,2026-01-06,Direct\n"
    )
    again = b"Record ID,Original Source\n2,Organic Search\n3,Paid Social\n"
    ingest.import_file(con, first, "first.csv", object_type="leads", source_system="hubspot")
    second = ingest.import_file(
        con, again, "again.csv", object_type="leads", source_system="hubspot"
    )
    result = store.query(con, "SELECT lead_id, channel FROM lead_facts ORDER BY lead_id").rows()
    # lead 2 was updated (its facts recomputed), lead 3 inserted with its facts
    assert result == [
        ("hubspot:1", "Paid Search"),
        ("hubspot:2", "Organic Search"),
        ("hubspot:3", "Paid Social"),
    ]
    assert _in_step(con)
    # undoing the second import restores lead 2 (and its facts) and removes lead 3
    ingest.delete_import(con, second.import_id)  # type: ignore[arg-type]
    result = store.query(con, "SELECT lead_id, channel FROM lead_facts ORDER BY lead_id").rows()
    assert result == [("hubspot:1", "Paid Search"), ("hubspot:2", "Direct")]
    assert _in_step(con)


def test_only_what_a_write_can_change_is_recomputed(
    con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    compute = facts.compute_lead_facts

    def spy(connection: store.Connection, *, only_missing: bool) -> None:
        calls.append(only_missing)
        compute(connection, only_missing=only_missing)

    monkeypatch.setattr(facts, "compute_lead_facts", spy)
    ingest.import_file(con, SAMPLES / "hubspot_contacts.csv", "hubspot_contacts.csv")
    assert calls == [True]  # a lead import: only the leads it wrote
    activities = b"Activity ID,Lead ID,Date\nA1,1,2026-01-05\n"
    touches = ingest.import_file(con, activities, "activities.csv", object_type="activities")
    ingest.delete_import(con, touches.import_id)  # type: ignore[arg-type]
    assert calls == [True]  # activities (or undoing them) cannot change a lead's facts
    maps.save_map(con, "channel_map", [{"channel_raw": "x", "channel": "X"}])
    assert calls == [True, False]  # a map edit: every lead
    assert _in_step(con)


def test_a_database_from_before_stored_facts_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = model.connect(path)
    ingest.import_file(con, SAMPLES / "hubspot_contacts.csv", "hubspot_contacts.csv")
    n_leads = store.scalar(con, "SELECT count(*) FROM leads")
    # what schema version 3 had: a lead_facts table and no fact columns on leads (and, before
    # that, opp_facts as a view); no fingerprint
    con.execute("DROP VIEW lead_facts")
    con.execute("CREATE TABLE lead_facts AS SELECT * FROM lead_facts_live")
    con.execute("DROP VIEW lead_facts_live")
    for name in schema.STORED_LEAD_FACTS:
        con.execute(f"ALTER TABLE leads DROP COLUMN {name}")
    con.execute("DROP TABLE opp_facts")
    con.execute("CREATE VIEW opp_facts AS SELECT * FROM opp_facts_live")
    con.execute("DELETE FROM schema_version WHERE version >= 4")  # and every later one
    store.set_setting(con, facts.MODELS_FINGERPRINT_SETTING, None)
    con.close()

    con = model.connect(path)
    kinds = store.query(
        con,
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_name IN ('lead_facts', 'opp_facts') ORDER BY 1",
    ).rows()
    assert kinds == [("lead_facts", "VIEW"), ("opp_facts", "BASE TABLE")]
    assert store.scalar(con, "SELECT count(*) FROM lead_facts") == n_leads
    assert store.scalar(con, "SELECT count(*) FROM leads WHERE fact_channel IS NULL") == 0
    assert _in_step(con)
    con.close()
