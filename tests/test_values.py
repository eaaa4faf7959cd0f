"""Reading values: numbers in their column's style (decimal mark, thousands groups, currency),
NaN / infinity rejected, Excel serial dates, dates within sane years, month-name layouts.

Unit tests of the SQL expressions of `ingest.values` run on one in-memory DuckDB connection;
the import tests write a tiny hostile file and check the stored value and the reject row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from alignment import model
from alignment.db import store
from alignment.ingest import IngestError, import_file, import_rejects, load, values
from alignment.ingest.values import NumberEvidence, NumberStyle

LAST_YEAR = date.today().year + values.YEARS_AHEAD
YEARS = f"1990–{LAST_YEAR}"
NON_FINITE = "not a finite number (NaN or infinity cannot be added up)"


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "values.duckdb")
    yield connection
    connection.close()


def evaluate(duck: duckdb.DuckDBPyConnection, sql_of_v: str, texts: list[str]) -> list[object]:
    """`sql_of_v` (an expression over `v`) for each text, in one query, in order."""
    rows = duck.execute(
        f"SELECT {sql_of_v} FROM (SELECT unnest(?::VARCHAR[]) AS v, "
        "generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
        [texts, texts],
    ).fetchall()
    return [r[0] for r in rows]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows(con: store.Connection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ---- numbers: unit ------------------------------------------------------------------------
DOLLARS = NumberStyle(".", "$")
EUROS = NumberStyle(",", "€")

READ_AS_WRITTEN: list[tuple[NumberStyle, str, float]] = [
    (DOLLARS, "$22,700.00", 22700.0),
    (DOLLARS, "(300)", -300.0),
    (DOLLARS, "($1,234.50)", -1234.5),
    (DOLLARS, "-$5", -5.0),
    (DOLLARS, "$-5", -5.0),
    (DOLLARS, "-12.5", -12.5),
    (DOLLARS, "1e3", 1000.0),
    (DOLLARS, "1.5E+05", 150000.0),
    (DOLLARS, "0.125", 0.125),
    (DOLLARS, ".5", 0.5),
    (DOLLARS, "1 234.56", 1234.56),
    (DOLLARS, "1'234.56", 1234.56),
    (DOLLARS, "12 %", 12.0),  # a percentage column keeps the number as written
    (DOLLARS, "1,234,567", 1234567.0),
    (EUROS, "1.234,50 €", 1234.5),
    (EUROS, "€1.234,50", 1234.5),
    (EUROS, "1.234,50 EUR", 1234.5),
    (EUROS, "1 234,56", 1234.56),
    (EUROS, "1\u00a0234,56 €", 1234.56),  # no-break space: French exports
    (EUROS, "1\u202f234,56", 1234.56),  # narrow no-break space
    (EUROS, "12,5", 12.5),
    (EUROS, "3.000", 3000.0),
    (EUROS, "-3,5 €", -3.5),
    (EUROS, "(12,5 €)", -12.5),
    (EUROS, "1,5E+05", 150000.0),
    (EUROS, "0,125", 0.125),
]


@pytest.mark.parametrize(("style", "text", "expected"), READ_AS_WRITTEN)
def test_numbers_read_as_a_person_reads_them_in_their_column(
    duck: duckdb.DuckDBPyConnection, style: NumberStyle, text: str, expected: float
) -> None:
    assert evaluate(duck, values.number_sql("v", style), [text]) == [expected]


NOT_NUMBERS: list[tuple[NumberStyle, str, str]] = [
    # what the old parser made of them: digits kept, everything else deleted
    (DOLLARS, "3 x 500", "not a number written like 1,234.56"),  # was 3500
    (DOLLARS, "12/31/2026", "not a number written like 1,234.56"),  # was 12312026
    (DOLLARS, "1.234,56", "not a number written like 1,234.56"),  # was 1.23456
    (
        DOLLARS,
        "€ 1.000",  # was 1.0
        "an amount in € in a column of $ amounts: amounts in two currencies cannot be added up",
    ),
    (
        DOLLARS,
        "5 USD",
        "an amount in USD in a column of $ amounts: amounts in two currencies cannot be added up",
    ),
    (DOLLARS, "NaN", NON_FINITE),
    (DOLLARS, "inf", NON_FINITE),
    (DOLLARS, "-inf", NON_FINITE),
    (DOLLARS, "Infinity", NON_FINITE),
    (DOLLARS, "1e999", "not a number written like 1,234.56"),  # overflows to infinity
    (DOLLARS, "1,23", "not a number written like 1,234.56"),  # groups of three only
    (DOLLARS, "0,123", "not a number written like 1,234.56"),
    (DOLLARS, "+-1", "not a number written like 1,234.56"),
    (DOLLARS, "1_000", "not a number written like 1,234.56"),
    (DOLLARS, "0x10", "not a number written like 1,234.56"),
    (DOLLARS, "(300", "not a number written like 1,234.56"),
    (DOLLARS, "$5 %", "not a number written like 1,234.56"),
    (EUROS, "1,234.56", "not a number written like 1.234,56"),
    (
        EUROS,
        "$12,50",
        "an amount in $ in a column of € amounts: amounts in two currencies cannot be added up",
    ),
    (
        NumberStyle(".", None),
        "$5",
        "an amount in $ in a column of amounts without a currency: amounts in two currencies "
        "cannot be added up",
    ),
]


@pytest.mark.parametrize(("style", "text", "reason"), NOT_NUMBERS)
def test_anything_else_is_a_reject_with_the_reason(
    duck: duckdb.DuckDBPyConnection, style: NumberStyle, text: str, reason: str
) -> None:
    result = evaluate(
        duck,
        f"[{values.number_sql('v', style)}, {values.integer_sql('v', style)}]",
        [text],
    )
    assert result == [[None, None]]
    assert evaluate(duck, values.number_reason_sql("v", style), [text]) == [reason]


def test_whole_numbers_and_fractions_in_an_integer_column(duck: duckdb.DuckDBPyConnection) -> None:
    texts = ["1,000", "12", "2.0", "1e3", "1.5", "0.5", "-7", "99999999999999999999", "NaN"]
    result = evaluate(duck, values.integer_sql("v", NumberStyle()), texts)
    # 1.5 used to become 2 (DuckDB's cast rounds); 1e20 does not fit a BIGINT
    assert result == [1000, 12, 2, 1000, None, None, -7, None, None]
    comma = evaluate(duck, values.integer_sql("v", NumberStyle(",")), ["1.000", "1.000,00", "1,5"])
    assert comma == [1000, 1000, None]
    assert evaluate(duck, values.number_reason_sql("v", NumberStyle(), "integer"), ["1.5"]) == [
        "not a whole number written like 1,234"
    ]


def test_number_evidence_counts_what_only_one_style_reads(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    duck.execute(
        "CREATE OR REPLACE TABLE ev AS SELECT * FROM (VALUES "
        "('$1,234.56', '1.234,5 €'), ('12.5', '1.234'), ('1,234', '7'), ('0.125', NULL), "
        "('$7', '3 x 5'), ('1.234', '12,5 EUR')) t(us, eu)"
    )
    result = values.number_evidence_of(duck, "ev", {"us": "us", "eu": "eu"})
    # us: point-only 1,234.56 / 12.5 / 0.125; 1,234 is 1234 or 1.234; 1.234 is 1.234 or 1234;
    # $ on two values
    assert result["us"] == NumberEvidence(3, 0, 1, 1, (("$", 2),))
    # eu: comma-only 1.234,5 / 12,5; 1.234 ambiguous; € and EUR are one currency
    assert result["eu"] == NumberEvidence(0, 2, 1, 0, (("€", 2),))


@pytest.mark.parametrize(
    ("evidence", "expected_style", "noted"),
    [
        (NumberEvidence(3, 1, 0, 0), NumberStyle("."), False),  # the minority are rejects
        (NumberEvidence(1, 3, 0, 0, (("€", 4), ("$", 1))), NumberStyle(",", "€"), False),
        (NumberEvidence(0, 0, 0, 0), NumberStyle("."), False),  # whole numbers only
        (NumberEvidence(0, 0, 0, 2), NumberStyle("."), False),  # 1,234 = 1234
        (NumberEvidence(0, 0, 3, 0), NumberStyle(","), True),  # 1.234 = 1234, and said so
        (NumberEvidence(0, 0, 3, 1), NumberStyle("."), False),
        (NumberEvidence(2, 2, 0, 0), NumberStyle("."), False),  # a tie: decimal point
    ],
)
def test_number_style_from_evidence(
    evidence: NumberEvidence, expected_style: NumberStyle, noted: bool
) -> None:
    style, note = values.number_style(evidence)
    assert style == expected_style
    assert (note is not None) == noted


# ---- numbers: through an import -----------------------------------------------------------
def test_amounts_in_a_dollar_column_and_the_rejects(con: store.Connection) -> None:
    text = (
        "id,amount\n"
        'O1,"$22,700.00"\n'
        "O2,3 x 500\n"
        "O3,12/31/2026\n"
        "O4,€ 1.000\n"
        'O5,"1.234,56"\n'
        "O6,(300)\n"
        "O7,-12.5\n"
        "O8,1e3\n"
        "O9,0.125\n"
        'O10,"$1,050.50"\n'
    )
    result = import_file(
        con,
        text.encode(),
        "deals.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={"external_id": "id", "amount": "amount"},
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 6, 4)
    stored = rows(con, "SELECT external_id, amount FROM opportunities ORDER BY amount")
    assert stored == [
        ("O6", -300.0),
        ("O7", -12.5),
        ("O9", 0.125),
        ("O8", 1000.0),
        ("O10", 1050.5),
        ("O1", 22700.0),
    ]
    two_currencies = "amounts in two currencies cannot be added up"
    assert import_rejects(con, result.import_id).rows() == [
        (3, "amount", "3 x 500", "not a number written like 1,234.56"),
        (4, "amount", "12/31/2026", "not a number written like 1,234.56"),
        (5, "amount", "€ 1.000", f"an amount in € in a column of $ amounts: {two_currencies}"),
        (6, "amount", "1.234,56", "not a number written like 1,234.56"),
    ]


def test_decimal_comma_amounts_of_a_semicolon_export(con: store.Connection) -> None:
    text = (
        "id;amount\n"
        "O1;1.234,50 €\n"
        "O2;1\u00a0234,56 €\n"
        "O3;12,5\n"
        "O4;1.234.567\n"
        "O5;1,234.56 €\n"
        "O6;-3,5 €\n"
    )
    result = import_file(
        con,
        text.encode(),
        "affaires.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={"external_id": "id", "amount": "amount"},
    )
    stored = rows(con, "SELECT external_id, amount FROM opportunities ORDER BY external_id")
    assert stored == [
        ("O1", 1234.5),
        ("O2", 1234.56),
        ("O3", 12.5),
        ("O4", 1234567.0),
        ("O6", -3.5),
    ]
    assert import_rejects(con, result.import_id).rows() == [
        (6, "amount", "1,234.56 €", "not a number written like 1.234,56"),
    ]


def test_nan_and_infinity_are_rejects(con: store.Connection) -> None:
    text = (
        "id,score,employees\n"
        "L1,42.5,10\n"
        "L2,NaN,20\n"
        "L3,inf,30\n"
        "L4,-inf,40\n"
        "L5,Infinity,50\n"
        "L6,7,NaN\n"
    )
    result = import_file(
        con,
        text.encode(),
        "scores.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "score": "score", "employees": "employees"},
    )
    assert rows(con, "SELECT external_id, score, employees FROM leads") == [("L1", 42.5, 10)]
    assert import_rejects(con, result.import_id).rows() == [
        (3, "score", "NaN", NON_FINITE),
        (4, "score", "inf", NON_FINITE),
        (5, "score", "-inf", NON_FINITE),
        (6, "score", "Infinity", NON_FINITE),
        (7, "employees", "NaN", NON_FINITE),
    ]


def test_a_fraction_in_a_whole_number_column_is_a_reject(con: store.Connection) -> None:
    text = 'id,employees\nL1,"1,000"\nL2,1.5\nL3,12\n'
    result = import_file(
        con,
        text.encode(),
        "sizes.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "employees": "employees"},
    )
    stored = rows(con, "SELECT external_id, employees FROM leads ORDER BY 1")
    assert stored == [("L1", 1000), ("L3", 12)]  # 1.5 used to be stored as 2
    assert import_rejects(con, result.import_id).rows() == [
        (3, "employees", "1.5", "not a whole number written like 1,234"),
    ]


def test_the_whole_column_decides_the_style_the_sample_could_not(
    con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the sample (here the first 3 rows) holds whole numbers only; the rest of the file writes
    # decimal commas and euros, so 1.234 is 1234, 2,5 is 2.5, and a dollar amount is a reject
    monkeypatch.setattr(load, "SAMPLE_ROWS", 3)
    text = "id;amount\nO1;10\nO2;20\nO3;30\nO4;1.234\nO5;2,5\nO6;€ 7,25\nO7;9,75 €\nO8;$ 3,5\n"
    result = import_file(
        con,
        text.encode(),
        "late.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={"external_id": "id", "amount": "amount"},
    )
    stored = rows(con, "SELECT external_id, amount FROM opportunities ORDER BY 1")
    assert stored == [
        ("O1", 10.0),
        ("O2", 20.0),
        ("O3", 30.0),
        ("O4", 1234.0),
        ("O5", 2.5),
        ("O6", 7.25),
        ("O7", 9.75),
    ]
    assert import_rejects(con, result.import_id).rows() == [
        (
            9,
            "amount",
            "$ 3,5",
            "an amount in $ in a column of € amounts: amounts in two currencies cannot be added up",
        ),
    ]


def test_a_column_of_three_decimal_values_is_read_as_thousands_and_said_so(
    con: store.Connection,
) -> None:
    text = "id;amount\nO1;1.500 €\nO2;12.000 €\nO3;300 €\n"
    result = import_file(
        con,
        text.encode(),
        "entiers.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={"external_id": "id", "amount": "amount"},
    )
    stored = rows(con, "SELECT external_id, amount FROM opportunities ORDER BY 1")
    assert stored == [("O1", 1500.0), ("O2", 12000.0), ("O3", 300.0)]
    assert any("'amount'" in w and "1.234 = 1234" in w for w in result.warnings)


# ---- dates: unit --------------------------------------------------------------------------
def test_excel_serial_numbers() -> None:
    # serial 36526 is 2000-01-01 (the anchor every Excel date table gives), 46085 is 46085 -
    # 36526 = 9559 days later: 2026-03-04
    assert values.excel_serial(date(2000, 1, 1)) == 36526
    assert date(2000, 1, 1).toordinal() + 9559 == date(2026, 3, 4).toordinal()
    assert values.excel_serial(date(2026, 3, 4)) == 46085


def test_serial_dates_read_in_a_serial_column(duck: duckdb.DuckDBPyConnection) -> None:
    fmt = values.family_formats("serial", ())
    texts = ["46085", "46085.4375", "36526", "46085.5000115741", "4608", "46085x", "12345"]
    result = evaluate(duck, values.timestamp_sql("v", fmt, "UTC", (1990, 2036)), texts)
    # .4375 day = 10.5 h; .5000115741 day = 12:00:01 (to the millisecond)
    assert result == [
        utc(2026, 3, 4),
        utc(2026, 3, 4, 10, 30),
        utc(2000, 1, 1),
        utc(2026, 3, 4, 12, 0, 1),
        None,
        None,
        None,  # 1933-10-18: outside the years
    ]
    reason = values.date_reason_sql("v", fmt, (1990, 2036), "not a date")
    assert evaluate(duck, reason, ["12345", "46085x"]) == [
        "the year 1933 is outside the years 1990–2036 a date here can have",
        "not a date",
    ]


def test_month_only_formats_do_not_read_a_five_digit_number(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    fmt = values.family_formats("month", ())
    result = evaluate(duck, values.date_sql("v", fmt), ["46085", "202603", "2026-03", "Mar 2026"])
    assert result == [None, date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 1)]


def test_years_outside_the_range_are_rejects_naming_the_year(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    fmt = values.family_formats("iso", ())
    texts = ["1989-12-31 23:59:59", "1990-01-01", "2036-12-31 23:59", "2037-01-01", "0026-02-01"]
    assert evaluate(duck, values.timestamp_sql("v", fmt, "UTC", (1990, 2036)), texts) == [
        None,
        utc(1990, 1, 1),
        utc(2036, 12, 31, 23, 59),
        None,
        None,
    ]
    aware = ["2037-06-01T00:00:00+02:00", "2036-06-01T00:00:00Z"]
    assert evaluate(duck, values.timestamp_sql("v", fmt, "Europe/Paris", (1990, 2036)), aware) == [
        None,
        utc(2036, 6, 1),
    ]
    reason = values.date_reason_sql("v", fmt, (1990, 2036), "not a date")
    assert evaluate(duck, reason, ["1989-12-31", "2037-01-01", "0026-02-01", "soon"]) == [
        "the year 1989 is outside the years 1990–2036 a date here can have",
        "the year 2037 is outside the years 1990–2036 a date here can have",
        "not a date",  # a year below 1000 is a misread, not a date of that year
        "not a date",
    ]


def test_two_digit_years_come_before_four_digit_years() -> None:
    fmt = values.family_formats("dmy", ("%d/%m/%Y", "%d/%m/%y"))
    assert fmt.formats.index("%d/%m/%y") < fmt.formats.index("%d/%m/%Y")


MONTH_NAME_DATES = [
    "15 Apr 2021",
    "15 Apr, 2021",
    "Apr 15, 2021",
    "Apr 15 2021",
    "15-Apr-21",
    "15-Apr-2021",
    "April 15, 2021",
    "15 April 2021",
    "Thu, 15 Apr 2021",
    "Thursday, April 15, 2021",
    "15 APR 2021",
]
TIMES_OF_DAY = [
    ("", (0, 0, 0)),
    (" 10:30", (10, 30, 0)),
    (" 10:30:15", (10, 30, 15)),
    (" 10:30 AM", (10, 30, 0)),
    (" 10:30AM", (10, 30, 0)),
    (" 10:30 pm", (22, 30, 0)),
    (" 22:05:33", (22, 5, 33)),
    (" 12:05:33 AM", (0, 5, 33)),
]


def test_dates_with_month_names_in_every_common_layout(duck: duckdb.DuckDBPyConnection) -> None:
    texts = [d + t for d in MONTH_NAME_DATES for t, _ in TIMES_OF_DAY]
    expected = [utc(2021, 4, 15, *hms) for _ in MONTH_NAME_DATES for _, hms in TIMES_OF_DAY]
    duck.execute("CREATE OR REPLACE TABLE layouts AS SELECT unnest(?::VARCHAR[]) AS v", [texts])
    evidence = values.date_evidence_of(duck, "layouts", ["v"])["v"]
    assert (evidence.family, evidence.parsed) == ("text", len(texts))
    fmt = values.family_formats("text", evidence.formats)
    assert evaluate(duck, values.timestamp_sql("v", fmt, "UTC", (1990, 2036)), texts) == expected


def test_month_names_in_french_german_spanish_and_portuguese(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    texts = [
        "15 avr. 2021",
        "1 févr. 2021 10:30",
        "15. März 2021",
        "15. Apr. 2021",
        "15 de abr. de 2021",
        "3 de março de 2021",
        "15/abr/2021",
        "2 déc. 2021",
        "12 out. 2021",
        "15 Okt 2021",
    ]
    fmt = values.family_formats("text", ())
    assert evaluate(duck, values.timestamp_sql("v", fmt, "UTC", (1990, 2036)), texts) == [
        utc(2021, 4, 15),
        utc(2021, 2, 1, 10, 30),
        utc(2021, 3, 15),
        utc(2021, 4, 15),
        utc(2021, 4, 15),
        utc(2021, 3, 3),
        utc(2021, 4, 15),
        utc(2021, 12, 2),
        utc(2021, 10, 12),
        utc(2021, 10, 15),
    ]


def test_a_two_digit_year_is_two_digits(duck: duckdb.DuckDBPyConnection) -> None:
    text = values.family_formats("text", ())
    day_first = values.family_formats("dmy", ("%d/%m/%y",))
    years = (1990, 2036)
    in_text = values.timestamp_sql("v", text, "UTC", years)
    assert evaluate(duck, in_text, ["01-Jan-0", "01-Jan-00"]) == [
        None,  # DuckDB's %y alone reads a single digit: 2000
        utc(2000, 1, 1),
    ]
    in_numbers = values.timestamp_sql("v", day_first, "UTC", years)
    assert evaluate(duck, in_numbers, ["1/2/3", "1/2/03"]) == [None, utc(2003, 2, 1)]


def test_a_sample_of_serials_reads_as_serial_dates_not_as_months(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    duck.execute(
        "CREATE OR REPLACE TABLE serials AS SELECT * FROM (VALUES "
        "('46085', '2026-03-01'), ('46086.25', '2026-03-02'), ('45000', '46085')) t(s, iso)"
    )
    evidence = values.date_evidence_of(duck, "serials", ["s", "iso"])
    assert (evidence["s"].family, evidence["s"].parsed) == ("serial", 3)
    assert (evidence["iso"].family, evidence["iso"].parsed) == ("iso", 2)  # 46085 is no ISO date


# ---- dates: through an import -------------------------------------------------------------
def test_excel_serial_dates_import_where_the_column_is_serial(con: store.Connection) -> None:
    text = "id,created\nL1,46085\nL2,46085.4375\nL3,36526\nL4,12345\n"
    result = import_file(
        con,
        text.encode(),
        "serial.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created"},
    )
    stored = rows(con, "SELECT external_id, created_at FROM leads ORDER BY 1")
    # 46085 used to be stored as 4608-05-01 (read as the month-only format %Y%m)
    assert stored == [
        ("L1", utc(2026, 3, 4)),
        ("L2", utc(2026, 3, 4, 10, 30)),
        ("L3", utc(2000, 1, 1)),
    ]
    assert result.date_formats == {"created": "Excel serial day number"}
    assert import_rejects(con, result.import_id).rows() == [
        (5, "created", "12345", f"the year 1933 is outside the years {YEARS} a date here can have"),
    ]


def test_a_serial_in_a_column_of_text_dates_is_a_reject(con: store.Connection) -> None:
    text = "month,channel,amount\n2026-01,Email,100\n2026-02,Email,200\n46085,Email,300\n"
    result = import_file(
        con,
        text.encode(),
        "spend.csv",
        object_type="spend",
        source_system="crm",
        mapping={"month": "month", "channel": "channel", "amount": "amount"},
    )
    stored = rows(con, "SELECT month, amount FROM spend ORDER BY 1")
    assert stored == [(date(2026, 1, 1), 100.0), (date(2026, 2, 1), 200.0)]  # not 4608-05-01
    assert import_rejects(con, result.import_id).rows() == [
        (4, "month", "46085", "not a date written as month only"),
    ]


def test_dates_outside_the_sane_years_are_rejects_naming_the_year(con: store.Connection) -> None:
    text = (
        "id,created,closed\n"
        "O1,2026-03-01,2026-04-01\n"
        "O2,1985-06-01,2026-04-02\n"
        "O3,2026-03-03,2199-01-01\n"
        "O4,01/02/26,2026-04-04\n"
    )
    result = import_file(
        con,
        text.encode(),
        "years.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created", "closed_at": "closed"},
    )
    stored = rows(con, "SELECT external_id, created_at FROM opportunities ORDER BY 1")
    assert stored == [("O1", utc(2026, 3, 1))]
    outside = f"is outside the years {YEARS} a date here can have"
    assert import_rejects(con, result.import_id).rows() == [
        (3, "created", "1985-06-01", f"the year 1985 {outside}"),
        (4, "closed", "2199-01-01", f"the year 2199 {outside}"),
        # an ISO column: 01/02/26 is not ISO (and %Y would have read it as the year 26)
        (5, "created", "01/02/26", "not a date written as year-month-day (ISO)"),
    ]


def test_two_digit_years_read_as_this_century(con: store.Connection) -> None:
    text = "id,created\nL1,01/02/26\nL2,15/03/2026\nL3,20/03/26 10:30\n"
    import_file(
        con,
        text.encode(),
        "short.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created"},
    )
    stored = rows(con, "SELECT external_id, created_at FROM leads ORDER BY 1")
    # day-first (15 and 20 are days); 26 is 2026, not the year 26
    assert stored == [
        ("L1", utc(2026, 2, 1)),
        ("L2", utc(2026, 3, 15)),
        ("L3", utc(2026, 3, 20, 10, 30)),
    ]


def test_a_column_of_dates_all_outside_the_years_is_refused(con: store.Connection) -> None:
    text = "id,created\nL1,1970-01-01\nL2,1971-05-02\n"
    with pytest.raises(IngestError, match=f"dates are outside the years {YEARS}"):
        import_file(
            con,
            text.encode(),
            "old.csv",
            object_type="leads",
            source_system="crm",
            mapping={"external_id": "id", "created_at": "created"},
        )
    assert rows(con, "SELECT count(*) FROM leads") == [(0,)]


@pytest.mark.parametrize(
    "created",
    [
        "15 Apr 2021 10:30",
        "15 Apr, 2021 10:30:00",
        "Apr 15, 2021 10:30 AM",
        "Apr 15 2021 10:30AM",
        "15-Apr-21 10:30",
        "15-Apr-2021 10:30:00",
        "April 15, 2021 10:30",
        "15 April 2021 10:30",
        "Thu, 15 Apr 2021 10:30:00",
        "15 avr. 2021 10:30",
        "15. Apr. 2021 10:30",
        "15 de abr. de 2021 10:30",
    ],
)
def test_month_name_exports_land_in_the_right_month(con: store.Connection, created: str) -> None:
    # Zoho, Pipedrive, Dynamics 365, Freshsales, Close and Copper write dates like these
    text = f'id,created\nL1,"{created}"\nL2,"{created.replace("15", "16")}"\n'
    result = import_file(
        con,
        text.encode(),
        "crm.csv",
        object_type="leads",
        source_system="crm",
        mapping={"external_id": "id", "created_at": "created"},
    )
    assert result.rows_rejected == 0
    stored = rows(con, "SELECT external_id, created_at FROM leads ORDER BY 1")
    assert stored == [("L1", utc(2021, 4, 15, 10, 30)), ("L2", utc(2021, 4, 16, 10, 30))]
