"""Reading CSV exports without losing, merging or mis-decoding rows: mixed encodings, quotes
left open, line breaks inside values, short rows at the end, rows with values beyond the header,
file names that look like patterns, files without an id column, and the import's memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from alignment import cli, model
from alignment.db import store
from alignment.ingest import IngestError, import_file, import_rejects, sniff
from alignment.ingest import load as ingest_load


@pytest.fixture
def con(tmp_path: Path) -> store.Connection:
    connection = model.connect(tmp_path / "reading.duckdb")
    yield connection
    connection.close()


def rows(con: store.Connection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def nothing_written(con: store.Connection) -> bool:
    counts = rows(
        con,
        "SELECT (SELECT count(*) FROM imports), (SELECT count(*) FROM import_rejects), "
        "(SELECT count(*) FROM leads), (SELECT count(*) FROM opportunities)",
    )
    return counts == [(0, 0, 0, 0)]


# ---- a UTF-8 file with a line in Windows-1252 ------------------------------------------------
def mixed_file(filler_rows: int = 0) -> bytes:
    good = "id,name\nL1,José Müller\n".encode()
    filler = "".join(f"F{i},Ann Example\n" for i in range(filler_rows)).encode()
    bad = "L2,Müller Straße\n".encode("cp1252")  # the one line a tool saved in cp1252
    tail = "L3,Zoë Ørsted\n".encode()
    return good + filler + bad + tail


def test_a_utf8_file_with_one_windows_1252_line_keeps_every_other_line_utf8(
    con: store.Connection,
) -> None:
    data = mixed_file()
    assert sniff(data, "mixed.csv").encoding == "utf-8"
    result = import_file(con, data, "mixed.csv", object_type="leads", source_system="crm")
    expected = [("L1", "José Müller"), ("L2", "Müller Straße"), ("L3", "Zoë Ørsted")]
    assert rows(con, "SELECT external_id, name FROM leads ORDER BY 1") == expected
    # the cp1252 line is line 3 of the file (header, L1, L2)
    assert any("not valid UTF-8 (line 3)" in w for w in result.warnings), result.warnings


def test_the_stray_line_is_found_past_the_sniffed_head(
    con: store.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(mixed_file(filler_rows=20_000))  # ~360 kB: past the 256 kB head
    assert sniff(path, path.name).encoding == "utf-8"
    result = import_file(con, path, path.name, object_type="leads", source_system="crm")
    got = rows(con, "SELECT name FROM leads WHERE external_id IN ('L1', 'L2', 'L3') ORDER BY 1")
    assert got == [("José Müller",), ("Müller Straße",), ("Zoë Ørsted",)]
    # header (1) + L1 (2) + 20,000 filler lines (3..20,002) -> the cp1252 line is 20,003
    assert any("line 20,003" in w for w in result.warnings), result.warnings


# ---- quotes left open --------------------------------------------------------------------------
def twenty_rows() -> list[str]:
    return [f"{i},Name {i},note {i},{i}0" for i in range(1, 21)]


def test_a_quote_never_closed_stops_the_import_and_names_the_line(
    con: store.Connection,
) -> None:
    lines = twenty_rows()
    lines[4] = '5,"Name 5,note 5,50'  # data row 5 = line 6 of the file
    data = ("id,name,notes,amount\n" + "\n".join(lines) + "\n").encode()
    with pytest.raises(IngestError) as error:
        import_file(con, data, "open.csv", object_type="leads", source_system="crm")
    assert "open.csv" in str(error.value) and "line 6" in str(error.value)
    assert "quote" in str(error.value)
    assert nothing_written(con)


def test_a_quote_closed_rows_later_is_caught_as_swallowed_rows(con: store.Connection) -> None:
    lines = twenty_rows()
    lines[4] = '5,"Name 5,note 5,50'  # opens on data row 5 ...
    lines[8] = '9,Name 9",note 9,90'  # ... and closes on row 9: valid CSV, rows 6-8 swallowed
    data = ("id,name,notes,amount\n" + "\n".join(lines) + "\n").encode()
    with pytest.raises(IngestError) as error:
        import_file(con, data, "swallow.csv", object_type="leads", source_system="crm")
    # the swallowing record is spreadsheet row 6 (header is row 1), its value is in 'name'
    assert (error.value.row, error.value.column) == (6, "name")
    assert nothing_written(con)


# ---- line breaks inside quoted values ----------------------------------------------------------
QUOTED_NEWLINES = (
    "id,name,notes,created\n"
    'L1,Ann,"first line\nsecond line",2026-03-01\n'
    'L2,Bob,"12 Main St, Suite 4\nSpringfield",2026-03-02\n'
    "L3,Cy,plain,not a date\n"
    "L4,Di,plain,2026-03-04\n"
)


def test_values_with_line_breaks_are_read(con: store.Connection) -> None:
    result = import_file(
        con, QUOTED_NEWLINES.encode(), "notes.csv", object_type="leads", source_system="crm"
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert rows(con, "SELECT external_id, name FROM leads ORDER BY 1") == [
        ("L1", "Ann"),
        ("L2", "Bob"),
        ("L4", "Di"),
    ]
    # L3 is the 4th row of a spreadsheet (header, L1, L2, L3) though it is line 6 of the file
    rejects = import_rejects(con, result.import_id)
    assert rejects.select("row", "column", "value").rows() == [(4, "created", "not a date")]


def test_a_file_with_blank_lines_between_rows_numbers_rows_as_a_spreadsheet(
    con: store.Connection,
) -> None:
    text = "id,created\nL1,2026-03-01\n\nL2,2026-03-02\nL3,oops\n"
    result = import_file(con, text.encode(), "gaps.csv", object_type="leads", source_system="crm")
    # rows: 1 header, 2 L1, 3 (blank), 4 L2, 5 L3
    assert import_rejects(con, result.import_id).select("row").to_series().to_list() == [5]


# ---- short rows at the end are data ------------------------------------------------------------
def test_short_rows_at_the_end_are_data_not_footers(con: store.Connection) -> None:
    text = "id,name,company,created,score\n1001,Ann,Acme,2026-03-01,5\n1007,Bob,,,\n1008,,,,\n"
    result = import_file(con, text.encode(), "short.csv", object_type="leads", source_system="crm")
    assert result.rows_loaded == 3
    assert not any("footer" in w for w in result.warnings)
    assert rows(con, "SELECT external_id FROM leads ORDER BY 1") == [
        ("1001",),
        ("1007",),
        ("1008",),
    ]


def test_ids_alone_are_not_a_header_only_file(con: store.Connection) -> None:
    text = "id,name,company,created\n" + "".join(f"IH{i},,,\n" for i in range(10))
    assert sniff(text.encode(), "ids.csv").footer_rows == 0
    result = import_file(con, text.encode(), "ids.csv", object_type="leads", source_system="crm")
    assert result.rows_loaded == 10


def test_a_report_footer_with_the_organisation_name_below_it_is_still_dropped(
    con: store.Connection,
) -> None:
    text = (
        "Opportunity ID,Opportunity Name,Stage,Amount\n"
        "0061,Acme renewal,Closed Won,100\n"
        "0062,Globex,Closed Lost,200\n"
        "\n"
        "Confidential Information - Do Not Distribute\n"
        "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\n"
        "Generated By:  Alex Morgan  11/23/2026 9:14 AM\n"
        "Alignment Demo Inc.\n"
    )
    result = import_file(con, text.encode(), "report.csv", object_type="opportunities")
    assert (result.rows_read, result.rows_rejected) == (2, 0)
    assert any("4 report footer row(s)" in w for w in result.warnings)


# ---- rows with more values than the header -----------------------------------------------------
def test_a_row_with_values_beyond_the_header_is_rejected_not_cut(con: store.Connection) -> None:
    text = "id,name,amount\nL1,Ann,5\nL2,Bob,6,extra,more\nL3,Cy,7\n"
    result = import_file(con, text.encode(), "wide.csv", object_type="leads", source_system="crm")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert rows(con, "SELECT external_id FROM leads ORDER BY 1") == [("L1",), ("L3",)]
    reject = import_rejects(con, result.import_id).row(0, named=True)
    assert (reject["row"], reject["value"]) == (3, "extra,more")
    assert "more values than the header's 3 columns" in reject["reason"]


def test_trailing_empty_values_are_not_extra_values(con: store.Connection) -> None:
    text = "id,name\nL1,Ann,\nL2,Bob,,\n"
    result = import_file(con, text.encode(), "trail.csv", object_type="leads", source_system="crm")
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)


# ---- a path is a path --------------------------------------------------------------------------
def test_a_file_named_like_a_pattern_is_read_as_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in "abcd":
        (folder / f"{name}.csv").write_text(f"id,name\n{name}1,x\n{name}2,y\n")
    (folder / "*.csv").write_text("id,name\nSTAR,the file named star\n")
    (folder / "xa.csv").write_text("id,name\nXA,not me\n")
    (folder / "x[ab].csv").write_text("id,name\nXAB,me\n")
    db = tmp_path / "cli.duckdb"
    for name in ("*.csv", "x[ab].csv"):
        code = cli.main(
            ["import", str(folder / name), "--db", str(db), "--object", "leads", "--json"]
        )
        assert code == 0
    result = json.loads(capsys.readouterr().out.split("\n}\n")[0] + "\n}")
    assert result["rows_read"] == 1
    con = model.connect(db)
    try:
        assert rows(con, "SELECT external_id FROM leads ORDER BY 1") == [("STAR",), ("XAB",)]
    finally:
        con.close()


# ---- files without an id column --------------------------------------------------------------
DEALS = (
    "Deal Name,Account,Created,Stage,Amount\n"
    "Renewal,Acme,2026-03-01,Closed Won,100\n"
    "Renewal,Globex,2026-03-01,Negotiation,200\n"
    "Upsell,Acme,2026-03-05,Negotiation,300\n"
    "Upsell,Acme,2026-03-05,Negotiation,300\n"
)
DEAL_MAPPING = {
    "name": "Deal Name",
    "account": "Account",
    "created_at": "Created",
    "stage_raw": "Stage",
    "amount": "Amount",
}


def deals(con: store.Connection) -> list[tuple]:
    return rows(con, "SELECT name, account, stage_raw, amount FROM opportunities ORDER BY 1, 2, 4")


def test_a_file_without_ids_keeps_every_row_with_a_key_made_from_it(
    con: store.Connection,
) -> None:
    result = import_file(
        con,
        DEALS.encode(),
        "deals.csv",
        object_type="opportunities",
        source_system="crm",
        mapping=DEAL_MAPPING,
    )
    # two deals share a name (different accounts), two rows are identical: all four are kept
    assert (result.rows_read, result.rows_loaded, result.rows_inserted) == (4, 4, 4)
    assert deals(con) == [
        ("Renewal", "Acme", "Closed Won", 100.0),
        ("Renewal", "Globex", "Negotiation", 200.0),
        ("Upsell", "Acme", "Negotiation", 300.0),
        ("Upsell", "Acme", "Negotiation", 300.0),
    ]
    assert any("'Deal Name', 'Account', 'Created'" in w for w in result.warnings)
    keys = [k for (k,) in rows(con, "SELECT external_id FROM opportunities ORDER BY 1")]
    assert len(set(keys)) == 4 and all(k.startswith("row-") for k in keys)

    again = import_file(
        con,
        DEALS.encode(),
        "deals.csv",
        object_type="opportunities",
        source_system="crm",
        mapping=DEAL_MAPPING,
    )
    assert again.status == "unchanged"

    newer = DEALS.replace("Renewal,Globex,2026-03-01,Negotiation", "Renewal,Globex,2026-03-01,Won")
    update = import_file(
        con,
        newer.encode(),
        "deals-next-week.csv",
        object_type="opportunities",
        source_system="crm",
        mapping=DEAL_MAPPING,
    )
    # the changed row updates its record; nothing is duplicated
    assert (update.rows_inserted, update.rows_updated) == (0, 1)
    assert rows(con, "SELECT count(*) FROM opportunities") == [(4,)]
    assert ("Renewal", "Globex", "Won", 200.0) in deals(con)


def test_leads_without_ids_are_keyed_by_email(con: store.Connection) -> None:
    text = "Email,Name,Status\nann@acme.com,Ann,New\nbob@acme.com,Bob,New\n"
    mapping = {"email": "Email", "name": "Name", "status_raw": "Status"}
    import_file(con, text.encode(), "l.csv", object_type="leads", mapping=mapping)
    newer = text.replace("Ann,New", "Ann Smith,Working")
    result = import_file(con, newer.encode(), "l2.csv", object_type="leads", mapping=mapping)
    assert (result.rows_inserted, result.rows_updated) == (0, 1)
    assert rows(con, "SELECT email, name, status_raw FROM leads ORDER BY 1") == [
        ("ann@acme.com", "Ann Smith", "Working"),
        ("bob@acme.com", "Bob", "New"),
    ]
    assert any("made from 'Email'" in w for w in result.warnings)


# ---- memory --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("memory_limit", "expected_mib"),
    [(None, 1536), (ingest_load.upload_memory_limit(1000), 512)],
    ids=["file on disk", "upload"],
)
def test_the_import_runs_under_a_memory_limit_and_restores_it(
    con: store.Connection, memory_limit: int | None, expected_mib: int
) -> None:
    seen: list[str] = []

    def progress(fraction: float, text: str) -> None:
        seen.append(str(store.scalar(con, "SELECT current_setting('memory_limit')")))

    before = str(store.scalar(con, "SELECT current_setting('memory_limit')"))
    import_file(
        con,
        b"id,name\nL1,Ann\n",
        "small.csv",
        object_type="leads",
        source_system="crm",
        progress=progress,
        memory_limit=memory_limit,
    )
    assert ingest_load._size_bytes(seen[2]) == pytest.approx(expected_mib * 2**20, rel=0.01)
    assert str(store.scalar(con, "SELECT current_setting('memory_limit')")) == before


def test_an_upload_s_memory_limit_is_80_percent_of_the_file_within_bounds() -> None:
    mib = 2**20
    assert ingest_load.upload_memory_limit(250 * mib) == 512 * mib  # floor: 200 MB -> 512 MB
    assert ingest_load.upload_memory_limit(800 * mib) == 640 * mib  # 0.8 x 800 MB
    assert ingest_load.upload_memory_limit(2000 * mib) == 1024 * mib  # cap: 1,600 -> 1,024 MB


def test_size_settings_are_read_in_bytes() -> None:
    assert ingest_load._size_bytes("256.0 MiB") == 256 * 2**20
    assert ingest_load._size_bytes("18.7 GiB") == pytest.approx(18.7 * 2**30)
    assert ingest_load._size_bytes("1.5 GB") == 1.5e9


def test_uploads_are_not_kept_beside_the_import(tmp_path: Path) -> None:
    # the import of a path reads it from disk: no temporary copy of the export remains
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("alignment-import-*"))
    con = model.connect(tmp_path / "x.duckdb")
    path = tmp_path / "x.csv"
    path.write_text("id,name\nL1,Ann\n")
    import_file(con, path, path.name, object_type="leads", source_system="crm")
    con.close()
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("alignment-import-*")) == before
