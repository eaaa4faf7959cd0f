"""Linking records across files (leads <-> opportunities, activities / touchpoints -> leads by
id or e-mail), lookups (owners, accounts) reaching the fact views, and the schema upgrade that
added the e-mail columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model
from alignment.db import store
from alignment.ingest import delete_import, import_file
from alignment.ingest.linking import unlinked_counts

from .conftest import REALDATA

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"
MAVEN = REALDATA / "maven"


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    connection = model.connect(tmp_path / "linking.duckdb")
    yield connection
    connection.close()


def test_activities_link_to_leads_by_id_or_email_and_unlinked_ones_are_reported(
    con: store.Connection,
) -> None:
    import_file(con, EXPORTS / "salesforce_leads_report.csv", "leads.csv")
    result = import_file(con, EXPORTS / "salesforce_tasks_day_first.csv", "tasks.csv")
    # 00T1 names lead 00Q1; 00T2 names no lead but tia@globex.com is lead 00Q2's e-mail;
    # 00T3 names 00Q9 (not imported) and an unknown e-mail
    assert "1 of 3 activities match no lead (by lead id or e-mail)." in result.warnings
    got = con.execute(
        "SELECT external_id, linked_lead_id FROM activity_facts ORDER BY 1"
    ).fetchall()
    assert got == [
        ("00T1", "salesforce:00Q1"),
        ("00T2", "salesforce:00Q2"),
        ("00T3", None),
    ]
    import_file(con, EXPORTS / "bizible_touchpoints_crm.csv", "tp.csv")
    # a0B1 -> 00Q1, a0B2 -> 00Q3 (Bizible ids are Salesforce ids); it names opportunity
    # 0065g00000OpP1A, which is not imported
    expected = pl.DataFrame(
        {
            "object_type": ["activities", "leads", "opportunities", "touchpoints"],
            "records": [3, 3, 0, 2],
            "unlinked": [1, 0, 0, 0],
        },
        schema_overrides={"records": pl.Int64, "unlinked": pl.Int64},
    )
    assert_frame_equal(unlinked_counts(con), expected)


def test_leads_and_opportunities_link_both_ways(con: store.Connection) -> None:
    # Salesforce: the lead names its converted opportunity; the opportunity names no lead
    import_file(con, EXPORTS / "salesforce_leads_dataloader.csv", "leads.csv")
    import_file(con, EXPORTS / "salesforce_opportunities_api.csv", "opps.csv")
    # HubSpot: the deal names its contacts (first of "103;104")
    import_file(con, EXPORTS / "hubspot_contacts_became.csv", "contacts.csv")
    import_file(con, EXPORTS / "hubspot_deals.csv", "deals.csv")
    links = dict(con.execute("SELECT opp_id, lead_id FROM opp_facts").fetchall())
    assert links == {
        "hubspot:9001": "hubspot:101",
        "hubspot:9002": "hubspot:103",
        "hubspot:9004": None,
        # named by the lead's ConvertedOpportunityId (18-character ids cut to 15)
        "salesforce:0065g00000OpP1A": "salesforce:00Q5g00000AbCd1",
        "salesforce:0065g00000OpP2A": None,
    }
    # and the opportunity takes the channel of the lead it came from when it has none
    assert con.execute(
        "SELECT channel_raw FROM lead_facts WHERE lead_id = 'hubspot:103'"
    ).fetchall() == [("SOCIAL_MEDIA",)]
    counts = dict(unlinked_counts(con).select("object_type", "unlinked").iter_rows())
    # contact 103 names deal 9002 (imported) and 9003 is only the second id; contact 101 names
    # 9001; deals name contacts 101 and 103 (imported)
    assert counts == {"activities": 0, "leads": 0, "opportunities": 0, "touchpoints": 0}


def test_maven_lookups_reach_opp_facts(con: store.Connection) -> None:
    teams = import_file(con, MAVEN / "sales_teams.csv", "sales_teams.csv")
    accounts = import_file(con, MAVEN / "accounts.csv", "accounts.csv")
    assert (teams.object_type, teams.preset) == ("owners", "owners_lookup")
    assert (accounts.object_type, accounts.preset) == ("accounts", "accounts_lookup")
    import_file(con, MAVEN / "sales_pipeline.csv", "sales_pipeline.csv")
    # independent: plain DuckDB over the three raw files; a sales team is its manager's reps
    expected = duckdb.sql(
        f"""
        SELECT coalesce(t.manager, '(not set)') AS team,
               coalesce(t.regional_office, '(not set)') AS region,
               a.sector AS industry, count(*) AS n
        FROM read_csv('{MAVEN / "sales_pipeline.csv"}') p
        LEFT JOIN read_csv('{MAVEN / "sales_teams.csv"}') t ON t.sales_agent = p.sales_agent
        LEFT JOIN read_csv('{MAVEN / "accounts.csv"}') a ON a.account = p.account
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    got = con.execute(
        "SELECT team, region, industry, count(*) FROM opp_facts GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == expected
    assert len({row[0] for row in got}) == 6  # six managers -> six teams


def test_lookups_are_undone_with_their_import(con: store.Connection) -> None:
    first = import_file(con, b"sales_agent,manager,regional_office\nAnn,Max,West\n", "teams.csv")
    second = import_file(
        con, b"sales_agent,manager,regional_office\nAnn,Max,East\nBob,Max,East\n", "teams2.csv"
    )
    assert (second.rows_inserted, second.rows_updated) == (1, 1)
    delete_import(con, second.import_id)
    got = con.execute("SELECT owner, team, region, import_id FROM owners").fetchall()
    assert got == [("Ann", "Max", "West", first.import_id)]


def test_leads_get_firmographics_by_email_domain(con: store.Connection) -> None:
    import_file(con, EXPORTS / "zoominfo_companies.csv", "zi.csv")
    import_file(con, EXPORTS / "hubspot_contacts_date_entered.csv", "contacts.csv")
    got = con.execute(
        "SELECT email, industry, employees, country FROM lead_facts ORDER BY 1"
    ).fetchall()
    # dee@acme.com -> acme.com (ZoomInfo website https://www.acme.com/); umbrella.com: none
    assert got == [
        ("dee@acme.com", "Manufacturing", 1200, "United States"),
        ("eve@umbrella.com", None, None, None),
    ]


def test_a_version_2_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = model.connect(path)
    con.execute(
        "INSERT INTO activities (activity_id, source_system, external_id) VALUES ('a:1', 'a', '1')"
    )
    # turn it back into what migrations 1 and 2 made before issue 3
    for table in ("activities", "activities_replaced", "touchpoints", "touchpoints_replaced"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN email")
    con.execute("ALTER TABLE saved_mappings DROP COLUMN preset")
    con.execute("DROP TABLE owners_replaced")
    con.execute("DROP TABLE accounts_replaced")
    con.execute("DELETE FROM schema_version WHERE version > 2")
    con.close()

    con = model.connect(path)
    assert store.schema_version(con) == store.MIGRATIONS[-1][0]
    assert store.scalar(con, "SELECT count(*) FROM activity_facts WHERE email IS NULL") == 1
    assert store.scalar(con, "SELECT count(*) FROM owners_replaced") == 0
    con.close()
