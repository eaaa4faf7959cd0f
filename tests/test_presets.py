"""Source presets: one small fixture export per preset and generation (tests/fixtures/exports,
written from the header spellings of DESIGN section 4) is detected as the right preset with no
manual mapping, and its values land in the right canonical columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.db import store
from alignment.ingest import import_file, propose_mapping, sniff
from alignment.ingest.crm_presets import CRM_PRESETS
from alignment.ingest.presets import PRESETS, TEMPLATES

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    connection = model.connect(tmp_path / "presets.duckdb")
    yield connection
    connection.close()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows(con: store.Connection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


DETECTED = {
    "hubspot_contacts_became.csv": "hubspot_contacts",
    "hubspot_contacts_date_entered.csv": "hubspot_contacts",
    "hubspot_contacts_internal_names.csv": "hubspot_contacts",
    "hubspot_contacts_internal_names_v1.csv": "hubspot_contacts",
    "hubspot_deals.csv": "hubspot_deals",
    "hubspot_leads.csv": "hubspot_leads",
    "salesforce_leads_report.csv": "salesforce_leads",
    "salesforce_leads_dataloader.csv": "salesforce_leads",
    "salesforce_leads_windows1252.csv": "salesforce_leads",
    "salesforce_opportunities_api.csv": "salesforce_opportunities",
    "salesforce_tasks_day_first.csv": "salesforce_tasks",
    "salesforce_lead_history.csv": "salesforce_lead_history",
    "salesforce_opportunity_history.csv": "salesforce_opportunity_history",
    "marketo_leads.csv": "marketo_leads",
    "bizible_touchpoints_crm.csv": "bizible_touchpoints_crm",
    "bizible_touchpoints_warehouse.csv": "bizible_touchpoints_warehouse",
    "outreach_calls.csv": "outreach_calls",
    "outreach_mailings.csv": "outreach_mailings",
    "salesloft_calls.csv": "salesloft_calls",
    "zoominfo_companies.csv": "zoominfo_companies",
    "event_log_segment.csv": "event_log",  # also tests/test_event_log.py
}


@pytest.mark.parametrize(("file_name", "expected"), sorted(DETECTED.items()))
def test_each_fixture_is_detected_as_its_preset_with_confidence(
    file_name: str, expected: str
) -> None:
    sniffed = sniff(EXPORTS / file_name, file_name)
    proposal = propose_mapping(sniffed.columns)
    assert proposal.preset == expected
    assert not proposal.needs_choice and not proposal.missing_required


def test_every_preset_has_a_fixture_or_a_template_or_real_data() -> None:
    covered = set(DETECTED.values()) | {
        "spend_template",
        "targets_template",
        "owners_lookup",  # maven/sales_teams.csv, tests/test_linking.py
        "accounts_lookup",  # maven/accounts.csv, tests/test_linking.py
        "salesforce_opportunities",
        *(p.name for p in CRM_PRESETS),  # tests/test_crm_presets.py
    }
    assert {p.name for p in PRESETS} <= covered


def _import(con: store.Connection, file_name: str) -> None:
    result = import_file(con, EXPORTS / file_name, file_name)
    assert result.preset == DETECTED[file_name]
    assert result.rows_rejected == 0, result.warnings


# ---- HubSpot --------------------------------------------------------------------------------
def test_hubspot_contacts_became_generation_values(con: store.Connection) -> None:
    _import(con, "hubspot_contacts_became.csv")
    got = rows(
        con,
        "SELECT lead_id, email, created_at, channel_raw, owner, status_raw, mql_at, sql_at, opp_id "
        "FROM leads ORDER BY 1",
    )
    assert got == [
        (
            "hubspot:101",
            "ann@acme.com",
            utc(2026, 3, 2, 9, 15),
            "PAID_SEARCH",
            "Dana Park",
            "CONNECTED",
            utc(2026, 3, 3, 10),
            utc(2026, 3, 10, 16, 30),
            "hubspot:9001",
        ),
        (
            "hubspot:102",
            "bo@globex.com",
            utc(2026, 3, 5, 14),
            "ORGANIC_SEARCH",
            "Eli Ross",
            "UNQUALIFIED",
            utc(2026, 3, 6, 8),
            None,
            None,
        ),
        # "9002;9003": several associated deals, linked to the first
        (
            "hubspot:103",
            "cy@initech.com",
            utc(2026, 3, 7, 11, 20),
            "SOCIAL_MEDIA",
            "Dana Park",
            "NEW",
            None,
            None,
            "hubspot:9002",
        ),
    ]


def test_hubspot_contacts_date_entered_generation_values(con: store.Connection) -> None:
    _import(con, "hubspot_contacts_date_entered.csv")
    got = rows(con, "SELECT external_id, channel_raw, mql_at, sql_at FROM leads ORDER BY 1")
    assert got == [
        ("201", "PAID_SOCIAL", utc(2026, 4, 2, 9, 30), utc(2026, 4, 8, 12)),
        ("202", "EMAIL_MARKETING", utc(2026, 4, 4, 15, 45), None),
    ]


def test_hubspot_internal_names_both_generations(con: store.Connection) -> None:
    _import(con, "hubspot_contacts_internal_names.csv")
    _import(con, "hubspot_contacts_internal_names_v1.csv")
    got = rows(
        con,
        "SELECT external_id, owner, channel_raw, mql_at, sql_at, won_at, rejection_reason_raw "
        "FROM leads ORDER BY 1",
    )
    assert got == [
        ("301", "5001", "REFERRALS", utc(2026, 5, 2, 9), utc(2026, 5, 9, 10), None, None),
        ("302", "5002", "DIRECT_TRAFFIC", utc(2026, 5, 4, 11), None, None, "No budget"),
        (
            "401",
            "5001",
            "OFFLINE",
            utc(2026, 6, 2, 8),
            utc(2026, 6, 5, 8),
            utc(2026, 7, 1, 8),
            None,
        ),
        ("402", "5002", "OTHER_CAMPAIGNS", None, None, None, None),
    ]


def test_hubspot_deals_and_leads_land_on_deals_and_on_the_contacts(
    con: store.Connection,
) -> None:
    _import(con, "hubspot_contacts_became.csv")
    _import(con, "hubspot_deals.csv")
    got = rows(
        con,
        "SELECT opp_id, name, stage_raw, amount, closed_at, created_at, lead_id, lost_reason_raw, "
        "is_won FROM opportunities ORDER BY 1",
    )
    assert got == [
        (
            "hubspot:9001",
            "Acme expansion",
            "Closed Won",
            12500.0,
            utc(2026, 4, 20),
            utc(2026, 3, 12),
            "hubspot:101",
            None,
            True,
        ),
        (
            "hubspot:9002",
            "Initech pilot",
            "Closed Lost",
            4000.0,
            utc(2026, 5, 2),
            utc(2026, 3, 20),
            "hubspot:103",
            "Went with competitor",
            False,
        ),
        (
            "hubspot:9004",
            "Hooli renewal",
            "Contract Sent",
            8000.0,
            None,
            utc(2026, 5, 10),
            None,
            None,
            False,
        ),
    ]
    # the Leads object's disqualification reason goes onto the contact, nothing else changes
    result = import_file(con, EXPORTS / "hubspot_leads.csv", "hubspot_leads.csv")
    assert (result.rows_inserted, result.rows_updated) == (0, 1)
    got = rows(con, "SELECT external_id, rejection_reason_raw, status_raw FROM leads ORDER BY 1")
    assert got == [
        ("101", None, "CONNECTED"),
        ("102", "Not a decision maker", "UNQUALIFIED"),
        ("103", None, "NEW"),
    ]


# ---- Salesforce -----------------------------------------------------------------------------
def test_salesforce_leads_report_with_footer_and_month_first_dates(con: store.Connection) -> None:
    result = import_file(con, EXPORTS / "salesforce_leads_report.csv", "report.csv")
    assert result.preset == "salesforce_leads" and result.rows_read == 3
    assert any("footer" in w for w in result.warnings)
    got = rows(
        con,
        "SELECT lead_id, owner, company, channel_raw, status_raw, created_at, is_converted, "
        "opp_at, mql_at, rejection_reason_raw FROM leads ORDER BY 1",
    )
    # 7/13/2026 can only be month-first, so 7/1/2026 is July 1st
    assert got == [
        (
            "salesforce:00Q1",
            "Rita Moss",
            "Acme Corp",
            "Web",
            "MQL",
            utc(2026, 7, 1, 9),
            False,
            None,
            utc(2026, 7, 2, 10),
            None,
        ),
        (
            "salesforce:00Q2",
            "Rita Moss",
            "Globex",
            "Partner Referral",
            "Unqualified",
            utc(2026, 7, 3, 13, 30),
            False,
            None,
            utc(2026, 7, 4, 9),
            "No budget",
        ),
        (
            "salesforce:00Q3",
            "Ned Hall",
            "Initech",
            "Trade Show",
            "SQL",
            utc(2026, 7, 13, 8),
            True,
            utc(2026, 7, 20),
            utc(2026, 7, 14, 8),
            None,
        ),
    ]


def test_salesforce_data_loader_all_caps_and_custom_fields(con: store.Connection) -> None:
    _import(con, "salesforce_leads_dataloader.csv")
    _import(con, "salesforce_opportunities_api.csv")
    got = rows(
        con,
        "SELECT lead_id, status_raw, mql_at, rejection_reason_raw, opp_id FROM leads ORDER BY 1",
    )
    # 18-character ids are stored in their 15-character form, as reports show them, so the
    # converted lead links to the opportunity from the other file
    assert got == [
        (
            "salesforce:00Q5g00000AbCd1",
            "Converted",
            utc(2026, 8, 2, 10),
            None,
            "salesforce:0065g00000OpP1A",
        ),
        ("salesforce:00Q5g00000AbCd2", "Unqualified", utc(2026, 8, 4, 10), "Timing", None),
    ]


def test_salesforce_opportunities_api_names(con: store.Connection) -> None:
    _import(con, "salesforce_opportunities_api.csv")
    got = rows(
        con,
        "SELECT external_id, name, stage_raw, amount, closed_at, is_won, is_closed, channel_raw, "
        "type FROM opportunities ORDER BY 1",
    )
    assert got == [
        (
            "0065g00000OpP1A",
            "Acme - New",
            "Closed Won",
            25000.0,
            utc(2026, 9, 30),
            True,
            True,
            "Web",
            "New Business",
        ),
        (
            "0065g00000OpP2A",
            "Globex - New",
            "Negotiation/Review",
            18000.0,
            utc(2026, 12, 31),
            False,
            False,
            "Webinar",
            "New Business",
        ),
    ]


def test_windows_1252_report_with_accented_names_and_day_first_dates(
    con: store.Connection,
) -> None:
    assert sniff(EXPORTS / "salesforce_leads_windows1252.csv", "x.csv").encoding == "cp1252"
    _import(con, "salesforce_leads_windows1252.csv")
    got = rows(con, "SELECT external_id, owner, company, created_at FROM leads ORDER BY 1")
    # 13.10.2026 decides day-first, so 01.10.2026 is October 1st
    assert got == [
        ("00QA", "Jürgen Weiß", "Société Générale", utc(2026, 10, 1, 8)),
        ("00QB", "Jürgen Weiß", "Müller & Söhne", utc(2026, 10, 13, 17, 45)),
    ]


def test_salesforce_tasks_use_created_date_and_canonical_types(con: store.Connection) -> None:
    _import(con, "salesforce_tasks_day_first.csv")
    got = rows(
        con,
        "SELECT external_id, owner, activity_type, direction, outcome, occurred_at, lead_id, email "
        "FROM activities ORDER BY 1",
    )
    assert got == [
        (
            "00T1",
            "Rita Moss",
            "call",
            "outbound",
            "Left voicemail",
            utc(2026, 7, 2, 9, 40),
            "salesforce:00Q1",
            "sam@acme.com",
        ),
        ("00T2", "Rita Moss", "email", None, None, utc(2026, 7, 3, 14, 5), None, "tia@globex.com"),
        (
            "00T3",
            "Ned Hall",
            "call",
            "outbound",
            "No answer",
            utc(2026, 7, 25, 17),
            "salesforce:00Q9",
            "nobody@nowhere.com",
        ),
    ]


def test_salesforce_report_as_xlsx_with_title_rows(con: store.Connection, tmp_path: Path) -> None:
    path = tmp_path / "opportunities.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Opportunities")
    sheet.write(0, 0, "Opportunity Pipeline")
    sheet.write(1, 0, "Filtered By: Close Date equals THIS QUARTER")
    header = ["Opportunity ID", "Opportunity Name", "Stage", "Amount", "Close Date", "Won"]
    sheet.write_row(3, 0, header)
    sheet.write_row(4, 0, ["006X1", "Acme", "Closed Won", 1200, "7/13/2026", "1"])
    sheet.write_row(5, 0, ["006X2", "Globex", "Prospecting", 800, "", "0"])
    sheet.write(7, 0, "Grand Totals (2 records)")
    book.close()
    result = import_file(con, path, path.name)
    assert result.preset == "salesforce_opportunities" and result.rows_read == 2
    got = rows(
        con, "SELECT external_id, name, amount, closed_at, is_won FROM opportunities ORDER BY 1"
    )
    assert got == [
        ("006X1", "Acme", 1200.0, utc(2026, 7, 13), True),
        ("006X2", "Globex", 800.0, None, False),
    ]


# ---- Marketo, Bizible, Outreach, Salesloft, lookups, templates -------------------------------
def test_marketo_leads_api_names(con: store.Connection) -> None:
    _import(con, "marketo_leads.csv")
    got = rows(
        con,
        "SELECT lead_id, email, company, channel_raw, status_raw, created_at, score FROM leads "
        "ORDER BY 1",
    )
    assert got == [
        ("marketo:5101", "ola@acme.com", "Acme Corp", "Webinar", "MQL", utc(2026, 2, 1, 10), 85.0),
        (
            "marketo:5102",
            "pia@globex.com",
            "Globex",
            "Paid Search",
            "Nurture",
            utc(2026, 2, 2, 11),
            20.0,
        ),
    ]


def test_bizible_crm_positions_become_flags_and_ids_link_to_salesforce(
    con: store.Connection,
) -> None:
    _import(con, "bizible_touchpoints_crm.csv")
    got = rows(
        con,
        "SELECT external_id, touched_at, channel, campaign, medium, is_first_touch, "
        "is_lead_creation_touch, is_opp_creation_touch, lead_id, opp_id FROM touchpoints "
        "ORDER BY 1",
    )
    assert got == [
        (
            "a0B1",
            utc(2026, 6, 30, 8),
            "Paid Search",
            "Brand Q3",
            "cpc",
            True,
            True,
            False,
            "salesforce:00Q1",
            None,
        ),
        (
            "a0B2",
            utc(2026, 7, 10, 8),
            "Events",
            "Trade Show Q3",
            "event",
            False,
            False,
            True,
            "salesforce:00Q3",
            "salesforce:0065g00000OpP1A",
        ),
    ]


def test_bizible_warehouse_columns(con: store.Connection) -> None:
    _import(con, "bizible_touchpoints_warehouse.csv")
    got = rows(
        con,
        "SELECT external_id, channel, is_first_touch, is_lead_creation_touch, lead_id, email "
        "FROM touchpoints ORDER BY 1",
    )
    assert got == [
        ("TP10", "Email", False, False, None, "tia@globex.com"),
        ("TP9", "Social", True, True, "salesforce:00Q5g00000AbCd1", None),
    ]


def test_outreach_and_salesloft_activities(con: store.Connection) -> None:
    for name in ("outreach_calls.csv", "outreach_mailings.csv", "salesloft_calls.csv"):
        _import(con, name)
    got = rows(
        con,
        "SELECT activity_id, activity_type, direction, occurred_at, outcome, owner, lead_id, email "
        "FROM activities ORDER BY 1",
    )
    assert got == [
        (
            "outreach:c1",
            "call",
            "outbound",
            utc(2026, 7, 2, 9, 1),
            "Answered",
            "Rita Moss",
            "outreach:88",
            "sam@acme.com",
        ),
        (
            "outreach:c2",
            "call",
            "outbound",
            utc(2026, 7, 3, 10, 0, 30),
            "Not Answered",
            "Ned Hall",
            "outreach:89",
            "someone@else.com",
        ),
        (
            "outreach:m1",
            "email",
            "outbound",
            utc(2026, 7, 2, 8, 0, 5),
            "delivered",
            "Rita Moss",
            "outreach:88",
            "sam@acme.com",
        ),
        (
            "salesloft:s1",
            "call",
            "outbound",
            utc(2026, 7, 5, 13),
            "Connected",
            "Ned Hall",
            "salesloft:777",
            None,
        ),
    ]


def test_zoominfo_companies_fill_accounts_with_domains(con: store.Connection) -> None:
    _import(con, "zoominfo_companies.csv")
    got = rows(
        con,
        "SELECT account, domain, industry, employees, revenue, country FROM accounts ORDER BY 1",
    )
    assert got == [
        ("Acme Corp", "acme.com", "Manufacturing", 1200, 250000.0, "United States"),
        ("Globex", "globex.com", "Software", 300, 50000.0, "Germany"),
    ]


@pytest.mark.parametrize("template", ["spend", "targets"])
def test_templates_are_detected_and_import(con: store.Connection, template: str) -> None:
    data = TEMPLATES[template].encode()
    proposal = propose_mapping(sniff(data, f"{template}.csv").columns)
    assert proposal.preset == f"{template}_template"
    result = import_file(con, data, f"{template}.csv")
    assert result.object_type == template and result.rows_loaded == 2
    if template == "spend":
        assert rows(con, "SELECT month::VARCHAR, channel, amount FROM spend ORDER BY 2") == [
            ("2026-01-01", "LinkedIn Ads", 8300.0),
            ("2026-01-01", "Paid Search", 12500.0),
        ]
    else:
        assert rows(con, "SELECT metric, value FROM targets ORDER BY 1") == [
            ("mqls", 400.0),
            ("won_revenue", 250000.0),
        ]


# ---- confidence -----------------------------------------------------------------------------
def test_a_header_that_fits_two_presets_goes_to_the_more_likely_one() -> None:
    # Marketo API names and Salesforce Data Loader names overlap after normalising
    # (leadSource = LeadSource = "Lead Source"); createdAt, leadScore and originalSourceType
    # are Marketo's only, so Marketo wins, with Salesforce leads offered as the alternative.
    columns = ["id", "email", "company", "leadSource", "leadStatus", "createdAt", "leadScore"]
    proposal = propose_mapping(columns)
    assert proposal.preset == "marketo_leads" and not proposal.needs_choice
    assert proposal.alternatives[0][0] == "salesforce_leads"


def test_a_tie_between_presets_asks_the_user() -> None:
    # nothing but columns both Salesforce leads and Marketo leads have
    columns = ["Id", "Email", "Company", "Lead Source", "Lead Status", "Created At", "Created Date"]
    proposal = propose_mapping(columns)
    assert proposal.needs_choice
    names = {proposal.preset, *(a[0] for a in proposal.alternatives)}
    assert {"marketo_leads", "salesforce_leads"} <= names


def test_choosing_a_preset_overrides_detection() -> None:
    columns = sniff(EXPORTS / "marketo_leads.csv", "m.csv").columns
    proposal = propose_mapping(columns, preset="salesforce_leads")
    assert (proposal.preset, proposal.source_system) == ("salesforce_leads", "salesforce")
    assert proposal.mapping["external_id"] == "id"


def test_cli_source_accepts_a_preset_name(con: store.Connection) -> None:
    result = import_file(con, EXPORTS / "marketo_leads.csv", "m.csv", source_system="marketo_leads")
    assert (result.preset, result.source_system, result.rows_loaded) == (
        "marketo_leads",
        "marketo",
        2,
    )


# ---- the Import page ------------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]


def _import_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/import_data.py").run()
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="uploads").set_value((name, data, "text/csv")).run()


def _go_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("go_")]


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_import_page_detects_a_hubspot_export_and_imports_it_with_one_click(
    empty_db: Path,
) -> None:
    at = _import_page()
    data = (EXPORTS / "hubspot_contacts_date_entered.csv").read_bytes()
    _upload(at, "contacts.csv", data)
    assert not at.exception and not at.error
    assert any("Detected **HubSpot contacts**" in s.value for s in at.success)
    at.button(key=_go_buttons(at)[0]).click().run()
    assert not at.exception and not at.error
    assert any("Imported contacts.csv as hubspot leads" in s.value for s in at.success)
    con = model.connect(empty_db, read_only=True)
    got = con.execute("SELECT lead_id, mql_at FROM leads ORDER BY 1").fetchall()
    con.close()
    assert got == [
        ("hubspot:201", utc(2026, 4, 2, 9, 30)),
        ("hubspot:202", utc(2026, 4, 4, 15, 45)),
    ]

    # the next export with the same header is recognised from the confirmed mapping
    newer = data.replace(b"dee@acme.com", b"dee@acme.org")
    at.file_uploader(key="uploads").set_value(("contacts_2.csv", newer, "text/csv")).run()
    assert any("confirmed before for this header" in s.value for s in at.success)
    at.button(key=_go_buttons(at)[-1]).click().run()
    assert any("1 updated" in s.value for s in at.success)


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_import_page_asks_instead_of_guessing_when_unsure(empty_db: Path) -> None:
    at = _import_page()
    data = (
        b"Id,Email,Company,Lead Source,Lead Status,Created At,Created Date\n"
        b"1,a@b.com,B,Web,New,2026-01-01,2026-01-01\n"
    )
    _upload(at, "leads.csv", data)
    assert not at.exception
    assert any("Not sure what this file is" in w.value for w in at.warning)
    assert _go_buttons(at) == []  # nothing can be imported yet
    selector = next(s for s in at.selectbox if s.key and s.key.startswith("preset_"))
    selector.set_value("marketo_leads").run()
    assert not at.exception and not at.error
    at.button(key=_go_buttons(at)[0]).click().run()
    assert any("Imported leads.csv as marketo leads" in s.value for s in at.success)


def test_cli_import_takes_preset_names_and_new_object_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alignment import cli

    db = str(tmp_path / "cli.duckdb")
    leads = str(EXPORTS / "salesforce_leads_report.csv")
    assert cli.main(["import", leads, "--db", db, "--source", "salesforce_leads", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["preset"] == "salesforce_leads"
    history = str(EXPORTS / "salesforce_lead_history.csv")
    args = ["--object", "lead_history", "--source", "salesforce", "--json"]
    assert cli.main(["import", history, "--db", db, *args]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["object_type"], payload["rows_updated"]) == ("lead_history", 3)
