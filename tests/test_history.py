"""History exports pivoted into stage timestamps (hand-written fixtures in
tests/fixtures/exports), applied as a partial update of existing records and undoable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alignment import model
from alignment.db import store
from alignment.ingest import delete_import, import_file

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    connection = model.connect(tmp_path / "history.duckdb")
    yield connection
    connection.close()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


COLUMNS = "lead_id, created_at, mql_at, sal_at, sql_at, opp_at, rejected_at, rejection_reason_raw"


def test_lead_history_pivot_gives_the_expected_stage_timestamps(con: store.Connection) -> None:
    import_file(con, EXPORTS / "salesforce_leads_report.csv", "leads.csv")
    before = con.execute(f"SELECT {COLUMNS}, status_raw FROM leads ORDER BY 1").fetchall()
    result = import_file(con, EXPORTS / "salesforce_lead_history.csv", "history.csv")
    assert (result.object_type, result.preset) == ("lead_history", "salesforce_lead_history")
    assert (result.rows_read, result.rows_rejected, result.rows_inserted) == (9, 0, 0)
    assert result.rows_updated == 3
    # 00Q8 has history but is not imported: reported, not created
    assert any("1 of 4 leads in the history are not in the database" in w for w in result.warnings)
    got = con.execute(f"SELECT {COLUMNS}, status_raw FROM leads ORDER BY 1").fetchall()
    assert got == [
        # 00Q1: Created. 7/1 9:00; -> MQL 7/2 10:00; -> Working - Contacted (SAL) 7/3 11:30;
        # -> SQL 7/15 16:00 (the leads report's MQL Date 7/2 10:00 is the same)
        (
            "salesforce:00Q1",
            utc(2026, 7, 1, 9),
            utc(2026, 7, 2, 10),
            utc(2026, 7, 3, 11, 30),
            utc(2026, 7, 15, 16),
            None,
            None,
            None,
            "SQL",
        ),
        # 00Q2: -> MQL 7/4 9:00 (already so), -> Unqualified 7/6 14:00 with reason No budget;
        # the report's created_at (7/3 13:30) is kept: the history has no Created. event for it
        (
            "salesforce:00Q2",
            utc(2026, 7, 3, 13, 30),
            utc(2026, 7, 4, 9),
            None,
            None,
            None,
            utc(2026, 7, 6, 14),
            "No budget",
            "Unqualified",
        ),
        # 00Q3: Lead Converted 7/20 8:00 -> opp_at (the report said converted 7/20 0:00; the
        # history's time of day replaces it); everything else as the report had it
        (
            "salesforce:00Q3",
            utc(2026, 7, 13, 8),
            utc(2026, 7, 14, 8),
            None,
            None,
            utc(2026, 7, 20, 8),
            None,
            None,
            "SQL",
        ),
    ]
    # undo: every lead back to what the report alone gave
    delete_import(con, result.import_id)
    assert con.execute(f"SELECT {COLUMNS}, status_raw FROM leads ORDER BY 1").fetchall() == before


def test_opportunity_history_sets_stage_and_close_date(con: store.Connection) -> None:
    import_file(con, EXPORTS / "salesforce_opportunities_api.csv", "opps.csv")
    result = import_file(con, EXPORTS / "salesforce_opportunity_history.csv", "history.csv")
    assert result.rows_updated == 1
    got = con.execute(
        "SELECT opp_id, stage_raw, is_closed, is_won, created_at, closed_at FROM opportunities "
        "WHERE opp_id = 'salesforce:0065g00000OpP2A'"
    ).fetchall()
    # Created. 9/1 12:00; the latest stage change (10/5 15:00) is to Closed Won, so it closed
    # then (replacing the planned Close Date 2026-12-31 of the opportunities export)
    assert got == [
        (
            "salesforce:0065g00000OpP2A",
            "Closed Won",
            True,
            True,
            utc(2026, 9, 1, 12),
            utc(2026, 10, 5, 15),
        )
    ]
    outcome = con.execute(
        "SELECT outcome FROM opp_facts WHERE opp_id = 'salesforce:0065g00000OpP2A'"
    ).fetchall()
    assert outcome == [("won",)]
