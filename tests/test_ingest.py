"""Import: encodings, delimiters, header and footer rows, date / amount / boolean parsing,
rejects, partial upserts, idempotence, undo, mapping proposals, and the real exports."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from alignment import model
from alignment.db import schema, store
from alignment.ingest import (
    AmbiguousDateOrderError,
    IngestError,
    delete_import,
    header_signature,
    import_file,
    import_rejects,
    list_imports,
    propose_mapping,
    saved_mapping,
    sniff,
    values,
)

from .conftest import REALDATA

PIPELINE = REALDATA / "maven" / "sales_pipeline.csv"
XEDUCATION = REALDATA / "xeducation" / "leads.csv"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    connection = model.connect(tmp_path / "ingest.duckdb")
    yield connection
    connection.close()


def rows(con: store.Connection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def leads(con: store.Connection, *columns: str) -> list[tuple]:
    return rows(con, f"SELECT external_id, {', '.join(columns)} FROM leads ORDER BY external_id")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- encodings, delimiters, header and footer rows ------------------------------------------
NAMES = "id,name,created\nL1,José Müller,2026-03-01\nL2,Zoë Ørsted,2026-03-02\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
    ids=["utf-8", "utf-8-bom", "utf-16", "windows-1252"],
)
def test_each_encoding_keeps_accented_names(
    con: store.Connection, encoding: str, prefix: bytes
) -> None:
    data = prefix + NAMES.replace("\n", "\r\n").encode(encoding)
    result = import_file(con, data, "names.csv", object_type="leads", source_system="crm")
    assert result.rows_loaded == 2
    assert leads(con, "name") == [("L1", "José Müller"), ("L2", "Zoë Ørsted")]


def test_sniff_reports_the_encoding() -> None:
    assert sniff(NAMES.encode("cp1252"), "x.csv").encoding == "cp1252"
    assert sniff(NAMES.encode("utf-16"), "x.csv").encoding == "utf-16"
    assert sniff(b"\xef\xbb\xbf" + NAMES.encode(), "x.csv").encoding == "utf-8-sig"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter(con: store.Connection, delimiter: str) -> None:
    text = "id,name,amount\nL1,Ann,10\nL2,Bob,20\n".replace(",", delimiter)
    assert sniff(text.encode(), "x.csv").delimiter == delimiter
    import_file(con, text.encode(), "d.csv", object_type="leads", source_system="crm")
    assert leads(con, "name") == [("L1", "Ann"), ("L2", "Bob")]


SALESFORCE_REPORT = (
    '"Opportunities by Stage"\n'
    '"Filtered By: Close Date equals THIS YEAR"\n'
    "\n"
    '"Opportunity ID","Opportunity Name","Stage","Amount","Close Date","Created Date"\n'
    '"0061","Acme renewal","Closed Won","$22,700.00","7/1/2026","3/15/2026"\n'
    '"0062","Globex","Closed Lost","$1,050.50","7/13/2026","4/2/2026"\n'
    '"0063","Initech","Prospecting","$300.00","","5/20/2026"\n'
    "\n"
    '"Grand Totals (3 records)"\n'
    '"Confidential Information - Do Not Distribute"\n'
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n'
)


def test_salesforce_report_title_and_footer_rows_are_skipped(con: store.Connection) -> None:
    sniffed = sniff(SALESFORCE_REPORT.encode(), "report.csv")
    assert sniffed.header_row == 3 and sniffed.columns[0] == "Opportunity ID"
    assert sniffed.footer_rows == 4
    result = import_file(con, SALESFORCE_REPORT.encode(), "report.csv")
    assert (result.object_type, result.source_system) == ("opportunities", "salesforce")
    assert result.rows_read == 3 and result.rows_rejected == 0
    assert any("footer" in w for w in result.warnings)
    got = rows(
        con, "SELECT external_id, amount, closed_at, created_at FROM opportunities ORDER BY 1"
    )
    # month-first: 7/13/2026 can only be July 13th, so 7/1/2026 is July 1st
    assert got == [
        ("0061", 22700.0, utc(2026, 7, 1), utc(2026, 3, 15)),
        ("0062", 1050.5, utc(2026, 7, 13), utc(2026, 4, 2)),
        ("0063", 300.0, None, utc(2026, 5, 20)),
    ]
    outcomes = rows(con, "SELECT external_id, outcome FROM opp_facts ORDER BY 1")
    assert outcomes == [("0061", "won"), ("0062", "lost"), ("0063", "open")]


def test_xlsx_with_title_rows_above_the_header(con: store.Connection, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Report")
    date_format = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write(0, 0, "Leads report")
    sheet.write(1, 0, "As of 23/11/2026")
    for col, name in enumerate(["Lead ID", "Lead Source", "Create Date", "Score"]):
        sheet.write(3, col, name)
    sheet.write_row(4, 0, ["X1", "Webinar"])
    sheet.write_datetime(4, 2, datetime(2026, 2, 3, 9, 30), date_format)
    sheet.write_number(4, 3, 42)
    sheet.write_row(5, 0, ["X2", "Events"])
    sheet.write_datetime(5, 2, datetime(2026, 2, 4, 16, 0), date_format)
    sheet.write_number(5, 3, 7.5)
    book.close()
    sniffed = sniff(path, path.name)
    assert (sniffed.kind, sniffed.header_row) == ("xlsx", 3)
    result = import_file(con, path, path.name, object_type="leads", source_system="crm")
    assert result.rows_loaded == 2
    assert leads(con, "channel_raw", "created_at", "score") == [
        ("X1", "Webinar", utc(2026, 2, 3, 9, 30), 42.0),
        ("X2", "Events", utc(2026, 2, 4, 16, 0), 7.5),
    ]


# ---- bad files --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"id,name,created\n", "no data rows"),
        (bytes(range(256)) * 40, "binary"),
        (b"PK\x03\x04" + b"\x00" * 200, "workbook"),
    ],
    ids=["empty", "blank", "header-only", "binary", "broken-xlsx"],
)
def test_unreadable_files_give_a_clear_error_naming_the_file(
    con: store.Connection, content: bytes, message: str
) -> None:
    before = store.table_counts(con)
    with pytest.raises(IngestError) as error:
        import_file(con, content, "export.csv", object_type="leads", source_system="crm")
    assert "export.csv" in str(error.value) and message in str(error.value)
    assert store.table_counts(con) == before
    assert list_imports(con).is_empty()


def test_a_mapping_to_a_missing_column_names_it(con: store.Connection) -> None:
    with pytest.raises(IngestError, match="'Nope'"):
        import_file(
            con,
            b"id,name\n1,a\n",
            "x.csv",
            object_type="leads",
            source_system="crm",
            mapping={"external_id": "Nope"},
        )
    with pytest.raises(IngestError, match="required"):  # a touch needs its time
        import_file(
            con,
            b"id,owner\n1,a\n",
            "x.csv",
            object_type="activities",
            mapping={"external_id": "id", "owner": "owner"},
        )


# ---- dates ------------------------------------------------------------------------------------
def test_day_first_dates_are_detected_from_a_value_over_12(con: store.Connection) -> None:
    text = "id,created\nL1,01/02/2026 08:00\nL2,03/04/2026 09:15\nL3,25/12/2026 17:45\n"
    result = import_file(con, text.encode(), "dmy.csv", object_type="leads", source_system="crm")
    assert result.date_formats == {"created": "day/month/year"}
    assert leads(con, "created_at") == [
        ("L1", utc(2026, 2, 1, 8)),
        ("L2", utc(2026, 4, 3, 9, 15)),
        ("L3", utc(2026, 12, 25, 17, 45)),
    ]


def test_month_first_dates_with_am_pm(con: store.Connection) -> None:
    text = "id,created\nL1,7/1/2026 9:00 AM\nL2,12/31/2026 11:30 PM\n"
    import_file(con, text.encode(), "mdy.csv", object_type="leads", source_system="crm")
    assert leads(con, "created_at") == [
        ("L1", utc(2026, 7, 1, 9)),
        ("L2", utc(2026, 12, 31, 23, 30)),
    ]


def test_iso_and_text_month_dates_and_offsets(con: store.Connection) -> None:
    text = (
        "id,created,mql\n"
        "L1,2026-03-01T10:00:00Z,15 Apr 2026 00:03:00\n"
        "L2,2026-03-01T10:00:00+02:00,16 Apr 2026 12:00:00\n"
        "L3,2026-03-01 10:00,\n"
    )
    import_file(
        con,
        text.encode(),
        "iso.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created", "mql_at": "mql"},
    )
    assert leads(con, "created_at", "mql_at") == [
        ("L1", utc(2026, 3, 1, 10), utc(2026, 4, 15, 0, 3)),
        ("L2", utc(2026, 3, 1, 8), utc(2026, 4, 16, 12)),
        ("L3", utc(2026, 3, 1, 10), None),
    ]


def test_naive_times_are_read_in_the_import_time_zone(con: store.Connection) -> None:
    text = "id,created\nL1,2026-01-15 09:00\nL2,2026-07-15 09:00\n"
    import_file(
        con,
        text.encode(),
        "tz.csv",
        object_type="leads",
        source_system="crm",
        timezone="Europe/Berlin",
    )
    # Berlin is UTC+1 in winter, UTC+2 in summer
    assert leads(con, "created_at") == [("L1", utc(2026, 1, 15, 8)), ("L2", utc(2026, 7, 15, 7))]


def test_an_ambiguous_date_column_is_reported_not_guessed(con: store.Connection) -> None:
    text = "id,created\nL1,01/02/2026\nL2,03/04/2026\nL3,05/06/2026\n"
    with pytest.raises(AmbiguousDateOrderError) as error:
        import_file(con, text.encode(), "amb.csv", object_type="leads", source_system="crm")
    assert list(error.value.columns) == ["created"]
    assert "01/02/2026" in error.value.columns["created"]
    assert store.table_counts(con)["leads"] == 0
    # the user's answer settles it
    import_file(
        con, text.encode(), "amb.csv", object_type="leads", source_system="crm", date_order="dmy"
    )
    assert leads(con, "created_at")[0] == ("L1", utc(2026, 2, 1))


def test_another_date_column_of_the_file_decides_the_order(con: store.Connection) -> None:
    text = "id,created,mql\nL1,01/02/2026,01/02/2026\nL2,03/04/2026,28/04/2026\n"
    result = import_file(
        con,
        text.encode(),
        "two.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created", "mql_at": "mql"},
    )
    assert any("taken from the other date columns" in w for w in result.warnings)
    assert leads(con, "created_at") == [("L1", utc(2026, 2, 1)), ("L2", utc(2026, 4, 3))]


# ---- amounts, booleans, placeholders ----------------------------------------------------------
def test_amounts_with_currency_symbols_and_both_decimal_styles(con: store.Connection) -> None:
    us = 'id,amount\nO1,"$22,700.00"\nO2,"(1,050.25)"\nO3,990\nO4,\n'
    import_file(con, us.encode(), "us.csv", object_type="opportunities", source_system="crm")
    eu = "id;amount\nO5;1.234,50 €\nO6;12,5\nO7;3.000\n"
    import_file(con, eu.encode(), "eu.csv", object_type="opportunities", source_system="crm")
    got = rows(con, "SELECT external_id, amount FROM opportunities ORDER BY 1")
    assert got == [
        ("O1", 22700.0),
        ("O2", -1050.25),
        ("O3", 990.0),
        ("O4", None),
        ("O5", 1234.5),
        ("O6", 12.5),
        ("O7", 3000.0),  # a decimal-comma column: the point separates thousands
    ]


def test_booleans_and_placeholders(con: store.Connection) -> None:
    text = "id,won,closed,source\nO1,Yes,TRUE,Select\nO2,No,FALSE,Web\nO3,1,0,\nO4,maybe,Y,#N/A\n"
    result = import_file(
        con,
        text.encode(),
        "b.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={
            "external_id": "id",
            "is_won": "won",
            "is_closed": "closed",
            "channel_raw": "source",
        },
    )
    got = rows(
        con, "SELECT external_id, is_won, is_closed, channel_raw FROM opportunities ORDER BY 1"
    )
    assert got == [("O1", True, True, None), ("O2", False, False, "Web"), ("O3", True, False, None)]
    assert result.rows_rejected == 1
    rejects = import_rejects(con, result.import_id)
    assert rejects.to_dicts() == [
        {
            "row": 5,
            "column": "won",
            "value": "maybe",
            "reason": "not a yes / no value (Yes/No, TRUE/FALSE, 1/0)",
        }
    ]


def test_rejects_record_row_column_value_and_reason(con: store.Connection) -> None:
    text = (
        "id,created,employees\n"
        "L1,2026-03-01,12\n"
        ",2026-03-02,5\n"
        "L3,2026-02-30,7\n"
        "L4,2026-03-04,many\n"
        "L5,2026-03-05,40\n"
    )
    result = import_file(
        con,
        text.encode(),
        "r.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created", "employees": "employees"},
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    assert import_rejects(con, result.import_id).rows() == [
        (3, "id", None, "the required field external_id is empty"),
        (4, "created", "2026-02-30", "not a date written as year-month-day (ISO)"),
        (5, "employees", "many", "not a whole number written like 1,234"),
    ]
    assert [r[0] for r in leads(con, "employees")] == ["L1", "L5"]


# ---- upserts, idempotence, undo ---------------------------------------------------------------
FIRST = "id,created,channel\nL1,2026-03-01,Email\nL2,2026-03-02,Events\n"
STAGES = "id,mql date\nL1,2026-03-05\nL2,2026-03-09\nL3,2026-03-10\n"


def test_a_second_file_updates_only_its_mapped_columns(con: store.Connection) -> None:
    import_file(con, FIRST.encode(), "contacts.csv", object_type="leads", source_system="crm")
    result = import_file(
        con,
        STAGES.encode(),
        "stages.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "mql_at": "mql date"},
    )
    assert (result.rows_inserted, result.rows_updated) == (1, 2)
    assert leads(con, "channel_raw", "created_at", "mql_at") == [
        ("L1", "Email", utc(2026, 3, 1), utc(2026, 3, 5)),
        ("L2", "Events", utc(2026, 3, 2), utc(2026, 3, 9)),
        ("L3", None, None, utc(2026, 3, 10)),
    ]


def test_reimporting_the_same_file_changes_nothing(con: store.Connection) -> None:
    first = import_file(con, FIRST.encode(), "a.csv", object_type="leads", source_system="crm")
    before = rows(con, "SELECT * FROM leads ORDER BY 1")
    again = import_file(con, FIRST.encode(), "a.csv", object_type="leads", source_system="crm")
    assert again.status == "unchanged" and again.import_id == first.import_id
    assert rows(con, "SELECT * FROM leads ORDER BY 1") == before
    assert list_imports(con).height == 1
    # the same rows under another file name: loaded, but nothing differs so nothing updates
    other = import_file(
        con, (FIRST + "\n").encode(), "b.csv", object_type="leads", source_system="crm"
    )
    assert (other.rows_inserted, other.rows_updated) == (0, 0)
    assert rows(con, "SELECT * FROM leads ORDER BY 1") == before


def test_deleting_an_import_removes_its_rows_and_restores_updated_ones(
    con: store.Connection,
) -> None:
    first = import_file(con, FIRST.encode(), "a.csv", object_type="leads", source_system="crm")
    newer = "id,created,channel\nL1,2026-03-01,Webinars\nL9,2026-03-09,Email\n"
    second = import_file(con, newer.encode(), "b.csv", object_type="leads", source_system="crm")
    assert (second.rows_inserted, second.rows_updated) == (1, 1)
    assert leads(con, "channel_raw") == [("L1", "Webinars"), ("L2", "Events"), ("L9", "Email")]
    assert delete_import(con, second.import_id) == {"rows_removed": 1, "rows_restored": 1}
    assert leads(con, "channel_raw") == [("L1", "Email"), ("L2", "Events")]
    assert delete_import(con, first.import_id) == {"rows_removed": 2, "rows_restored": 0}
    assert store.table_counts(con)["leads"] == 0
    assert list_imports(con).is_empty()
    assert rows(con, "SELECT count(*) FROM leads_replaced") == [(0,)]
    with pytest.raises(IngestError, match="no import #99"):
        delete_import(con, 99)


def test_undo_works_when_the_undo_table_has_its_columns_in_another_order(
    con: store.Connection,
) -> None:
    # a database created before migration 2 got `is_converted` appended after
    # `replaced_by_import` in `leads_replaced`: undo must go by column name, not position
    columns = ", ".join(
        f"{c.name} {c.duckdb_type}" for c in schema.LEADS if c.name != "is_converted"
    )
    con.execute("DROP TABLE leads_replaced")
    con.execute(
        f"CREATE TABLE leads_replaced ({columns}, replaced_by_import BIGINT NOT NULL, "
        "is_converted BOOLEAN)"
    )
    first = "id,created,channel,converted\nL1,2026-03-01,Email,Yes\n"
    mapping = {"external_id": "id", "created_at": "created", "channel_raw": "channel"}
    import_file(
        con,
        first.encode(),
        "a.csv",
        object_type="leads",
        source_system="crm",
        mapping={**mapping, "is_converted": "converted"},
    )
    newer = "id,channel\nL1,Webinars\n"
    second = import_file(
        con,
        newer.encode(),
        "b.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "channel_raw": "channel"},
    )
    assert leads(con, "channel_raw") == [("L1", "Webinars")]
    assert delete_import(con, second.import_id) == {"rows_removed": 0, "rows_restored": 1}
    assert rows(con, "SELECT channel_raw, is_converted FROM leads") == [("Email", True)]


def test_repeated_ids_keep_the_last_row(con: store.Connection) -> None:
    text = "id,channel\nL1,Email\nL2,Events\nL1,Webinars\n"
    result = import_file(con, text.encode(), "dup.csv", object_type="leads", source_system="crm")
    assert result.rows_loaded == 2 and any("repeat an id" in w for w in result.warnings)
    assert leads(con, "channel_raw") == [("L1", "Webinars"), ("L2", "Events")]


def test_spend_upserts_by_month_channel_and_campaign(con: store.Connection) -> None:
    text = 'Month,Channel,Spend\n2026-03,Paid Search,"$1,200"\nMar 2026,Events,500\n'
    import_file(con, text.encode(), "spend.csv", object_type="spend", source_system="crm")
    update = "Month,Channel,Spend\n2026-03-01,Paid Search,1500\n"
    result = import_file(
        con, update.encode(), "spend2.csv", object_type="spend", source_system="crm"
    )
    assert (result.rows_inserted, result.rows_updated) == (0, 1)
    got = rows(con, "SELECT month::VARCHAR, channel, amount FROM spend ORDER BY 2")
    assert got == [("2026-03-01", "Events", 500.0), ("2026-03-01", "Paid Search", 1500.0)]


# ---- mapping proposals ------------------------------------------------------------------------
def test_hubspot_contacts_header_is_recognised() -> None:
    columns = [
        "Record ID",
        "First Name",
        "Email",
        "Create Date",
        "Lifecycle Stage",
        "Lead Status",
        "Original Source",
        "Contact owner",
        "Became a Marketing Qualified Lead Date",
        'Date entered "Sales Qualified Lead (Lifecycle Stage Pipeline)"',
    ]
    proposal = propose_mapping(columns)
    assert (proposal.object_type, proposal.source_system) == ("leads", "hubspot")
    assert proposal.confidence >= 0.6
    assert proposal.mapping["external_id"] == "Record ID"
    assert proposal.mapping["mql_at"] == "Became a Marketing Qualified Lead Date"
    assert proposal.mapping["sql_at"].startswith("Date entered")
    assert proposal.mapping["owner"] == "Contact owner"


def test_unknown_exports_get_a_generic_low_confidence_proposal() -> None:
    proposal = propose_mapping(["Deal Ref", "Stage Name", "Value (EUR)", "Closing"])
    assert proposal.source_system == "generic" and proposal.confidence < 0.6
    assert proposal.missing_required == ["external_id"]


def test_a_confirmed_mapping_is_remembered_for_the_same_header(con: store.Connection) -> None:
    text = "Ref,Opened,Source\nR1,2026-03-01,Web\n"
    mapping = {"external_id": "Ref", "created_at": "Opened", "channel_raw": "Source"}
    import_file(
        con, text.encode(), "x.csv", object_type="leads", source_system="zoho", mapping=mapping
    )
    remembered = saved_mapping(con, ["Ref", "Opened", "Source"])
    assert remembered is not None
    assert (remembered.object_type, remembered.source_system) == ("leads", "zoho")
    assert remembered.mapping == mapping and remembered.confidence == 1.0
    assert header_signature(["ref", "OPENED", "source"]) == header_signature(
        ["Ref", "Opened", "Source"]
    )


# ---- the sample files and real exports, checked against plain DuckDB over the raw files --------
def test_the_sample_exports_import_without_clicks(con: store.Connection) -> None:
    hubspot = import_file(con, SAMPLES / "hubspot_contacts.csv", "hubspot_contacts.csv")
    assert (hubspot.object_type, hubspot.source_system, hubspot.rows_rejected) == (
        "leads",
        "hubspot",
        0,
    )
    salesforce = import_file(con, SAMPLES / "salesforce_opportunities.csv", "sf.csv")
    assert (salesforce.object_type, salesforce.source_system, salesforce.rows_rejected) == (
        "opportunities",
        "salesforce",
        0,
    )
    # independent: the csv module over the raw file, data rows are those with an 006 id
    with open(SAMPLES / "salesforce_opportunities.csv", encoding="utf-8", newline="") as f:
        data = [r for r in csv.DictReader(f) if (r.get("Opportunity ID") or "").startswith("006")]
    amounts = [float(r["Amount"].replace("$", "").replace(",", "")) for r in data]
    assert rows(con, "SELECT count(*), sum(amount) FROM opportunities") == [
        (len(data), pytest.approx(sum(amounts)))
    ]


def test_maven_pipeline_imports_as_opportunities(con: store.Connection) -> None:
    result = import_file(con, PIPELINE, PIPELINE.name)
    assert result.object_type == "opportunities"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8800, 8800, 0)
    raw = duckdb.sql(
        f"SELECT deal_stage, count(*), count(close_date), sum(close_value) "
        f"FROM read_csv('{PIPELINE}') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    got = rows(
        con,
        "SELECT stage_raw, count(*), count(closed_at), sum(amount) FROM opportunities "
        "GROUP BY 1 ORDER BY 1",
    )
    assert [(s, n, c) for s, n, c, _ in got] == [(s, n, c) for s, n, c, _ in raw]
    assert [a for *_, a in got] == [None if a is None else pytest.approx(float(a)) for *_, a in raw]
    # open deals (Engaging, Prospecting) have no close date and count as open
    assert rows(con, "SELECT outcome, count(*) FROM opp_facts GROUP BY 1 ORDER BY 1") == [
        (o, n)
        for o, n in duckdb.sql(
            f"SELECT CASE deal_stage WHEN 'Won' THEN 'won' WHEN 'Lost' THEN 'lost' "
            f"ELSE 'open' END AS o, count(*) FROM read_csv('{PIPELINE}') GROUP BY 1 ORDER BY 1"
        ).fetchall()
    ]


def test_xeducation_leads_import_without_dates_with_a_clear_warning(
    con: store.Connection,
) -> None:
    result = import_file(con, XEDUCATION, XEDUCATION.name)
    assert result.object_type == "leads" and result.rows_loaded == 9240
    assert any("No date column is mapped" in w for w in result.warnings)
    raw = duckdb.sql(
        f"SELECT \"Lead Source\", count(*) FROM read_csv('{XEDUCATION}', all_varchar=true) "
        "GROUP BY 1"
    ).fetchall()
    expected = {}
    for source, n in raw:
        key = None if source is None or source.strip().lower() in ("", "select") else source
        expected[key] = expected.get(key, 0) + n
    got = dict(rows(con, "SELECT channel_raw, count(*) FROM leads GROUP BY 1"))
    assert got == expected
    # the 'Select' placeholder never lands as a value
    assert rows(con, "SELECT count(*) FROM leads WHERE country = 'Select'") == [(0,)]


@pytest.mark.parametrize(
    "text",
    ["2026-03-29 01:30:00", "1969-12-31 23:59:59.5", "2024-02-29 12:00:00", "2026-10-25 02:15"],
)
def test_utc_timestamps_skip_the_time_zone_conversion_without_changing_them(text: str) -> None:
    # the UTC fast path (make_timestamptz(epoch_us(...))) must give the instant DuckDB's own
    # conversion gives, including before 1970 and on DST-change dates of other zones
    fmt = values.family_formats("iso", ())
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    value = "FROM (SELECT ? AS v)"
    cast = values.timestamp_sql("v", fmt, "UTC")
    result = con.execute(f"SELECT {cast} {value}", [text]).fetchall()
    naive = f"try_strptime(v, {[*fmt.formats]!r})".replace('"', "'")
    expected = con.execute(f"SELECT timezone('UTC', {naive}) {value}", [text]).fetchall()
    assert result == expected and result[0][0] is not None
