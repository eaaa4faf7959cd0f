"""The materialised fact tables (`lead_facts`, `opp_facts`) always match their live views:
after an import, an undo, a map edit and a failed import, and on databases from before they
were materialised."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment import ingest, maps, models, store

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
    return all(_differences(con, name) == 0 for name in models.FACT_MODELS)


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    return store.connect(tmp_path / "models.duckdb")


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


def test_a_database_with_fact_views_is_upgraded_to_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    ingest.import_file(con, SAMPLES / "hubspot_contacts.csv", "hubspot_contacts.csv")
    n_leads = store.scalar(con, "SELECT count(*) FROM leads")
    # what earlier versions had: lead_facts / opp_facts as views, no fingerprint
    for name in models.FACT_MODELS:
        con.execute(f"DROP TABLE {name}")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_live")
    store.set_setting(con, models.MODELS_FINGERPRINT_SETTING, None)
    con.close()

    con = store.connect(path)
    kinds = store.query(
        con,
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_name IN ('lead_facts', 'opp_facts') ORDER BY 1",
    ).rows()
    assert kinds == [("lead_facts", "BASE TABLE"), ("opp_facts", "BASE TABLE")]
    assert store.scalar(con, "SELECT count(*) FROM lead_facts") == n_leads
    assert _in_step(con)
    con.close()
