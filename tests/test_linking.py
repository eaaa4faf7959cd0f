"""Linking records across files (leads <-> opportunities, activities / touchpoints -> leads by
id or e-mail), lookups (owners, accounts) reaching the fact views, and the schema upgrade that
added the e-mail columns."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model
from alignment.db import store
from alignment.ingest import ImportResult, delete_import, import_file, propose_mapping, sniff
from alignment.ingest.linking import unlinked_counts
from alignment.model import facts

from .conftest import REALDATA

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"
MAVEN = REALDATA / "maven"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


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


# ---- links stored on the records (activities.linked_lead_id, touchpoints.linked_lead_id) ------
LEAD_MAPPING = {"external_id": "id", "email": "email", "created_at": "created"}
TOUCH_MAPPING = {"external_id": "id", "lead_id": "lead", "email": "email"}


def _leads(con: store.Connection, text: str, name: str, **mapping: str) -> ImportResult:
    return import_file(
        con,
        text.encode(),
        name,
        object_type="leads",
        source_system="crm",
        mapping=mapping or LEAD_MAPPING,
    )


def _touches(
    con: store.Connection, text: str, name: str, table: str = "activities"
) -> ImportResult:
    when = "occurred_at" if table == "activities" else "touched_at"
    return import_file(
        con,
        text.encode(),
        name,
        object_type=table,
        source_system="crm",
        mapping={**TOUCH_MAPPING, when: "at"},
    )


def _stored_links(con: store.Connection, table: str = "activities") -> dict[str, str | None]:
    """external id -> linked_lead_id as stored on the table (not computed by a view)."""
    return dict(con.execute(f"SELECT external_id, linked_lead_id FROM {table}").fetchall())


def _in_step(con: store.Connection) -> bool:
    """The stored links equal the from-scratch views (`<model>_live`) in both tables."""
    return all(
        store.scalar(
            con,
            f"SELECT (SELECT count(*) FROM (FROM {v} EXCEPT ALL FROM {v}_live)) "
            f"+ (SELECT count(*) FROM (FROM {v}_live EXCEPT ALL FROM {v}))",
        )
        == 0
        for v in ("activity_facts", "touchpoint_facts")
    )


def test_links_are_stored_on_import_by_lead_id_else_by_email(con: store.Connection) -> None:
    _leads(
        con,
        "id,email,created\n"
        "L1,a@x.com,2026-01-01\n"
        "L2,b@x.com,2026-01-02\n"
        "L3,B@X.com,2026-01-01\n",  # b@x.com too, created earlier than L2
        "leads.csv",
    )
    result = _touches(
        con,
        "id,lead,email,at\n"
        "A1,L1,,2026-01-05\n"  # by id -> L1
        "A2,, b@X.COM ,2026-01-05\n"  # by e-mail, earliest-created holder: L3 (not L2)
        "A3,L9,a@x.com,2026-01-05\n"  # L9 is not imported; a@x.com -> L1
        "A4,L9,z@x.com,2026-01-05\n",  # nothing matches
        "activities.csv",
    )
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L3", "A3": "crm:L1", "A4": None}
    assert "1 of 4 activities match no lead (by lead id or e-mail)." in result.warnings
    _touches(con, "id,lead,email,at\nT1,,A@x.com,2026-01-02\n", "tp.csv", "touchpoints")
    assert _stored_links(con, "touchpoints") == {"T1": "crm:L1"}
    assert _in_step(con)


def test_records_imported_before_their_lead_are_linked_when_it_arrives(
    con: store.Connection,
) -> None:
    result = _touches(
        con,
        "id,lead,email,at\nA1,L1,,2026-01-05\nA2,,c@x.com,2026-01-05\nA3,L7,c@x.com,2026-01-05\n",
        "activities.csv",
    )
    assert "3 of 3 activities match no lead (by lead id or e-mail)." in result.warnings
    _touches(con, "id,lead,email,at\nT1,,c@x.com,2026-01-02\n", "tp.csv", "touchpoints")
    assert _stored_links(con) == {"A1": None, "A2": None, "A3": None}
    _leads(con, "id,email,created\nL1,,2026-01-01\nL5,c@x.com,2026-02-01\n", "leads.csv")
    # A1 by id; A2 and A3 (L7 not imported) by e-mail; T1 by e-mail
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L5", "A3": "crm:L5"}
    assert _stored_links(con, "touchpoints") == {"T1": "crm:L5"}
    # a lead created earlier takes the address over
    _leads(con, "id,email,created\nL0,C@x.com,2026-01-15\n", "more.csv")
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L0", "A3": "crm:L0"}
    assert _stored_links(con, "touchpoints") == {"T1": "crm:L0"}
    # the lead A3 names (without an address) wins over the e-mail
    _leads(con, "id,email,created\nL7,,2026-03-01\n", "l7.csv")
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L0", "A3": "crm:L7"}
    assert _in_step(con)


def test_a_lead_whose_email_changes_takes_its_records_along_and_undo_puts_them_back(
    con: store.Connection,
) -> None:
    first = _leads(con, "id,email,created\nL1,a@x.com,2026-01-01\nL2,b@x.com,2026-01-02\n", "l.csv")
    _touches(
        con,
        "id,lead,email,at\nA1,,a@x.com,2026-01-05\nA2,,b@x.com,2026-01-05\nA3,L1,,2026-01-05\n",
        "activities.csv",
    )
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L2", "A3": "crm:L1"}
    # L1 now has b@x.com: it holds that address with L2 and was created first, so it takes A2;
    # nobody has a@x.com any more (A1 unlinked); A3 names L1
    second = _leads(con, "id,email\nL1,b@x.com\n", "l2.csv", external_id="id", email="email")
    assert (second.rows_inserted, second.rows_updated) == (0, 1)
    assert _stored_links(con) == {"A1": None, "A2": "crm:L1", "A3": "crm:L1"}
    assert _in_step(con)
    # undoing it restores L1's address, and the links with it
    delete_import(con, second.import_id)  # type: ignore[arg-type]
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L2", "A3": "crm:L1"}
    assert _in_step(con)
    # undoing the lead import removes the leads: nothing is linked
    delete_import(con, first.import_id)  # type: ignore[arg-type]
    assert _stored_links(con) == {"A1": None, "A2": None, "A3": None}
    assert _in_step(con)


def test_undoing_an_import_that_changed_a_record_restores_its_link(con: store.Connection) -> None:
    _leads(con, "id,email,created\nL1,,2026-01-01\nL2,,2026-01-02\n", "leads.csv")
    _touches(con, "id,lead,email,at\nT1,L1,,2026-01-05\n", "tp.csv", "touchpoints")
    again = _touches(con, "id,lead,email,at\nT1,L2,,2026-01-05\n", "tp2.csv", "touchpoints")
    assert _stored_links(con, "touchpoints") == {"T1": "crm:L2"}
    delete_import(con, again.import_id)  # type: ignore[arg-type]
    assert _stored_links(con, "touchpoints") == {"T1": "crm:L1"}
    assert _in_step(con)


def test_a_lead_import_relinks_only_the_records_it_can_change(
    con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    relinked: list[dict[str, str]] = []
    relink = facts._relink

    def spy(connection: store.Connection, conditions: dict[str, str], **options: bool) -> None:
        relinked.append(conditions)
        relink(connection, conditions, **options)

    first = _leads(con, "id,email,created\nL1,a@x.com,2026-01-01\n", "leads.csv")
    _touches(con, "id,lead,email,at\nA1,L1,,2026-01-05\nA2,L2,,2026-01-05\n", "a.csv")
    monkeypatch.setattr(facts, "_relink", spy)
    _leads(con, "id,email,created\nL2,,2026-01-02\n", "more.csv")
    # one relink of both tables, limited to the records the new lead can take (unlinked, or
    # naming, linked to or sharing an address with a lead written): not every record
    assert [sorted(c) for c in relinked] == [["activities", "touchpoints"]]
    assert "TRUE" not in relinked[0].values()
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L2"}
    relinked.clear()
    # undoing a lead import deletes leads: every record is relinked
    delete_import(con, first.import_id)  # type: ignore[arg-type]
    assert relinked == [{"activities": "TRUE", "touchpoints": "TRUE"}]
    assert _stored_links(con) == {"A1": None, "A2": "crm:L2"}
    assert _in_step(con)


def test_migration_7_fills_the_links_of_existing_records(tmp_path: Path) -> None:
    path = tmp_path / "v6.duckdb"
    con = model.connect(path)
    _leads(con, "id,email,created\nL1,a@x.com,2026-01-01\nL2,a@x.com,2025-12-01\n", "l.csv")
    _touches(con, "id,lead,email,at\nA1,L1,,2026-01-05\nA2,,A@x.com,2026-01-05\n", "a.csv")
    _touches(con, "id,lead,email,at\nT1,L9,,2026-01-02\n", "tp.csv", "touchpoints")
    # what schema version 6 had: no stored links, no SLA fields on leads
    for table in ("activities", "touchpoints"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN linked_lead_id")
    for table in ("leads", "leads_replaced"):
        for name in ("first_engagement_at", "times_contacted", "assigned_at"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    con.execute("ALTER TABLE leads DROP COLUMN fact_email_key")
    con.execute("DELETE FROM schema_version WHERE version >= 7")
    con.close()

    con = store.connect(path)  # the migrations alone, without the models
    assert store.schema_version(con) >= 7
    # A1 names L1; A2's address is L1's and L2's, and L2 was created first; T1 matches nothing
    assert _stored_links(con) == {"A1": "crm:L1", "A2": "crm:L2"}
    assert _stored_links(con, "touchpoints") == {"T1": None}
    columns = {r[0] for r in con.execute("DESCRIBE leads_replaced").fetchall()}
    assert {"first_engagement_at", "times_contacted", "assigned_at"} <= columns
    con.close()
    con = model.connect(path)  # the models compute the new stored fact (the address key)
    assert _in_step(con)
    assert store.query(con, "FROM lead_facts EXCEPT ALL FROM lead_facts_live").is_empty()
    assert con.execute("SELECT external_id, email_key FROM lead_facts ORDER BY 1").fetchall() == [
        ("L1", "a@x.com"),
        ("L2", "a@x.com"),
    ]
    con.close()


# ---- lead fields for the SLA without activities (HubSpot contact exports) -------------------
HUBSPOT_SLA = (
    "Record ID,First Name,Last Name,Email,Create Date,Contact owner,Owner assigned date,"
    "Date of first engagement,Number of times contacted,Number of Sales Activities\n"
    "301,Ann,Lee,ann@x.com,2026-04-01 09:00,Dana Park,2026-04-01 09:05,2026-04-01 10:30,4,6\n"
    "302,Bo,Ng,bo@x.com,2026-04-02 09:00,Eli Ross,2026-04-02 11:00,,0,0\n"
)


def test_hubspot_contact_sla_fields_map_without_hand_mapping(con: store.Connection) -> None:
    proposal = propose_mapping(sniff(HUBSPOT_SLA.encode(), "contacts.csv").columns)
    assert proposal.preset == "hubspot_contacts"
    assert {f: proposal.mapping.get(f) for f in ("first_engagement_at", "times_contacted")} == {
        "first_engagement_at": "Date of first engagement",
        "times_contacted": "Number of times contacted",  # before the sales activities
    }
    assert proposal.mapping["assigned_at"] == "Owner assigned date"
    result = import_file(con, HUBSPOT_SLA.encode(), "contacts.csv")
    assert result.rows_rejected == 0
    got = con.execute(
        "SELECT external_id, assigned_at, first_engagement_at, times_contacted "
        "FROM lead_facts ORDER BY 1"
    ).fetchall()
    assert got == [
        ("301", utc(2026, 4, 1, 9, 5), utc(2026, 4, 1, 10, 30), 4),
        ("302", utc(2026, 4, 2, 11), None, 0),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # the internal names (API exports)
        (
            "hs_object_id,email,createdate,hubspot_owner_assigneddate,"
            "hs_sa_first_engagement_date,num_contacted_notes",
            {
                "assigned_at": "hubspot_owner_assigneddate",
                "first_engagement_at": "hs_sa_first_engagement_date",
                "times_contacted": "num_contacted_notes",
            },
        ),
        # without "Number of times contacted", the number of sales activities stands in
        (
            "Record ID,Email,Create Date,Contact owner,Number of Sales Activities",
            {
                "assigned_at": None,
                "first_engagement_at": None,
                "times_contacted": "Number of Sales Activities",
            },
        ),
    ],
)
def test_hubspot_sla_field_spellings(header: str, expected: dict[str, str | None]) -> None:
    proposal = propose_mapping(header.split(","))
    assert proposal.preset == "hubspot_contacts"
    assert {f: proposal.mapping.get(f) for f in expected} == expected
