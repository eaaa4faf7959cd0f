"""Tests of the business-time engine (`model.business_time`): durations worked out by hand on a
Monday-Friday 09:00-17:00 calendar in a named zone, through both the SQL path (DuckDB, the
calendar tables) and `business_seconds` (plain Python); the daylight-saving rules for opening
times a change skips or repeats; and a property test against a slow reference in this file that
walks minute by minute asking whether the calendar is open."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import holidays
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from alignment import model
from alignment.db import store
from alignment.model import business_time as bt
from alignment.model.sla_contract import Calendar

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SINGAPORE = ZoneInfo("Asia/Singapore")

CALENDARS: dict[str, Calendar] = {
    "amer": Calendar("amer", "America/New_York", country="US"),
    "emea": Calendar("emea", "Europe/Berlin", country="DE"),
    "apac": Calendar("apac", "Asia/Singapore", country="SG"),
    "closed-12-feb": Calendar("ny", "America/New_York", closed_dates=(date(2025, 2, 12),)),
    "berlin-24-7": Calendar("24/7", "Europe/Berlin", always_open=True),
    "new-york-24-7": Calendar("24/7", "America/New_York", always_open=True),
}


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A bare DuckDB connection configured like the app's, with the calendar tables for
    CALENDARS over the default range (2000-2050)."""
    connection = store.configure(duckdb.connect(":memory:", config=store.CONNECT_CONFIG))
    bt.write_calendar_table(connection, CALENDARS)
    yield connection
    connection.close()


Pair = tuple[str | None, datetime | None, datetime | None]


def sql_seconds(con: duckdb.DuckDBPyConnection, pairs: Sequence[Pair]) -> list[float | None]:
    """`business_seconds_sql` over (calendar key, start, end) pairs, in one query, in order."""
    keys, starts, ends = (list(column) for column in zip(*pairs, strict=True))
    relation = (
        "(SELECT unnest($keys::VARCHAR[]) AS calendar, unnest($starts::TIMESTAMPTZ[]) AS start_at,"
        " unnest($ends::TIMESTAMPTZ[]) AS end_at, generate_subscripts($keys::VARCHAR[], 1) AS i)"
    )
    sql = f"SELECT business_seconds FROM ({bt.business_seconds_sql(relation)}) ORDER BY i"
    rows = con.execute(sql, {"keys": keys, "starts": starts, "ends": ends}).fetchall()
    return [row[0] for row in rows]


def both(con: duckdb.DuckDBPyConnection, key: str, start: datetime, end: datetime) -> list:
    """[SQL path, Python path] for one pair."""
    return [
        sql_seconds(con, [(key, start, end)])[0],
        bt.business_seconds(CALENDARS[key], start, end),
    ]


# ---- durations worked out by hand (Mon-Fri 09:00-17:00) ---------------------------------------
# 2025: Feb 4 is a Tuesday, Feb 7 a Friday, Feb 10 a Monday, Feb 12 a Wednesday.
CASES = [
    pytest.param("amer", ny(2025, 2, 4, 10, 0), ny(2025, 2, 4, 15, 30), 19_800, id="one-day"),
    # 10:00 -> 15:30 = 5.5 h = 19,800 s
    pytest.param("amer", ny(2025, 2, 4, 16, 0), ny(2025, 2, 5, 10, 0), 7_200, id="night"),
    # Tue 16:00-17:00 (1 h) + Wed 09:00-10:00 (1 h) = 7,200 s
    pytest.param("amer", ny(2025, 2, 7, 15, 0), ny(2025, 2, 10, 11, 0), 14_400, id="weekend"),
    # Fri 15:00-17:00 (2 h) + Sat, Sun (0) + Mon 09:00-11:00 (2 h) = 14,400 s
    pytest.param("amer", ny(2025, 7, 3, 16, 0), ny(2025, 7, 7, 10, 0), 7_200, id="july-4"),
    # Thu 16:00-17:00 (1 h) + Fri 4 July Independence Day (0) + weekend (0) + Mon 1 h = 7,200 s
    pytest.param("emea", berlin(2025, 10, 2, 16, 0), berlin(2025, 10, 6, 10, 0), 7_200, id="3-oct"),
    # Thu 16:00-17:00 (1 h) + Fri 3 October German Unity Day (0) + weekend + Mon 1 h = 7,200 s
    pytest.param("amer", ny(2025, 2, 12, 7, 30), ny(2025, 2, 12, 10, 15), 4_500, id="before-open"),
    # counts from 09:00: 09:00 -> 10:15 = 1 h 15 min = 4,500 s
    pytest.param("amer", ny(2025, 2, 12, 15, 45), ny(2025, 2, 12, 19, 0), 4_500, id="after-close"),
    # counts until 17:00: 15:45 -> 17:00 = 1 h 15 min = 4,500 s
    pytest.param("amer", ny(2025, 2, 12, 6, 0), ny(2025, 2, 12, 8, 30), 0, id="both-before"),
    pytest.param("amer", ny(2025, 2, 12, 18, 0), ny(2025, 2, 12, 23, 0), 0, id="both-after"),
    pytest.param("amer", ny(2025, 2, 5, 10, 0), ny(2025, 2, 4, 16, 0), -7_200, id="reversed"),
    # the night case swapped: -(1 h + 1 h) = -7,200 s
    pytest.param(
        "emea", berlin(2025, 3, 28, 16, 0), berlin(2025, 3, 31, 10, 0), 7_200, id="dst-mar"
    ),
    # Berlin goes CET -> CEST on Sun 30 March: Fri 16:00-17:00 (1 h) + Mon 09:00-10:00 (1 h);
    # Monday opens at 07:00 UTC, not 08:00 (with a fixed +01:00 it would be 1 h + 0 = 3,600 s)
    pytest.param(
        "emea", berlin(2025, 10, 24, 16, 0), berlin(2025, 10, 27, 10, 0), 7_200, id="dst-oct"
    ),
    # CEST -> CET on Sun 26 October: Fri 1 h + Mon 1 h = 7,200 s
    pytest.param(
        "berlin-24-7", berlin(2025, 3, 29, 12, 0), berlin(2025, 3, 30, 12, 0), 82_800, id="24-7-mar"
    ),
    # 24/7: Sat 12:00 CET (11:00 UTC) -> Sun 12:00 CEST (10:00 UTC) = 23 h = 82,800 s of clock
    # time (the wall clocks are 24 h apart)
    pytest.param(
        "berlin-24-7",
        berlin(2025, 10, 25, 12, 0),
        berlin(2025, 10, 26, 12, 0),
        90_000,
        id="24-7-oct",
    ),
    # Sat 12:00 CEST (10:00 UTC) -> Sun 12:00 CET (11:00 UTC) = 25 h = 90,000 s
    pytest.param(
        "new-york-24-7", ny(2025, 3, 8, 12, 0), ny(2025, 3, 10, 12, 0), 169_200, id="24-7-ny"
    ),
    # Sat 12:00 EST (17:00 UTC) -> Mon 12:00 EDT (16:00 UTC) = 47 h = 169,200 s
    pytest.param(
        "closed-12-feb", ny(2025, 2, 11, 16, 0), ny(2025, 2, 13, 10, 0), 7_200, id="closed-date"
    ),
    # Tue 16:00-17:00 (1 h) + Wed 12 Feb closed (0) + Thu 09:00-10:00 (1 h) = 7,200 s
    pytest.param("amer", ny(2025, 2, 11, 16, 0), ny(2025, 2, 13, 10, 0), 36_000, id="not-closed"),
    # the same pair without the closed date: 1 h + 8 h + 1 h = 36,000 s
]


@pytest.mark.parametrize(("key", "start", "end", "expected"), CASES)
def test_hand_computed_durations(
    con: duckdb.DuckDBPyConnection, key: str, start: datetime, end: datetime, expected: float
) -> None:
    result = both(con, key, start, end)
    assert result == [expected, expected]


def test_same_utc_instants_in_three_regions(con: duckdb.DuckDBPyConnection) -> None:
    start, end = utc(2025, 2, 12, 14, 0), utc(2025, 2, 12, 20, 0)  # a Wednesday
    result = {key: both(con, key, start, end) for key in ("amer", "emea", "apac")}
    expected = {
        "amer": [21_600, 21_600],  # New York (UTC-5): 09:00 -> 15:00 = 6 h
        "emea": [7_200, 7_200],  # Berlin (UTC+1): 15:00 -> 21:00, open 15:00-17:00 = 2 h
        "apac": [0, 0],  # Singapore (UTC+8): Wed 22:00 -> Thu 04:00, closed throughout
    }
    assert result == expected


def test_a_24_7_calendar_is_clock_time(con: duckdb.DuckDBPyConnection) -> None:
    start, end = utc(2024, 2, 27, 8, 15, 30), utc(2024, 3, 2, 19, 0, 0)
    # 4 days 10 h 44 min 30 s = 4 * 86,400 + 10 * 3,600 + 44 * 60 + 30 = 384,270 s (leap February)
    assert both(con, "berlin-24-7", start, end) == [384_270, 384_270]
    assert both(con, "new-york-24-7", start, end) == [384_270, 384_270]


def test_null_outside_the_table_unknown_calendar_or_missing_timestamp(
    con: duckdb.DuckDBPyConnection,
) -> None:
    inside = ny(2025, 2, 12, 10, 0)
    result = sql_seconds(
        con,
        [
            ("amer", ny(1999, 12, 31, 10, 0), inside),  # local 31 Dec 1999: before FIRST_DAY
            ("amer", inside, ny(2051, 1, 2, 10, 0)),  # after LAST_DAY
            ("nowhere", inside, inside),
            ("amer", None, inside),
            ("amer", inside, None),
            (None, inside, inside),
            ("amer", ny(2000, 1, 3, 9, 30), ny(2000, 1, 3, 10, 0)),  # first Monday: 30 min
        ],
    )
    assert result == [None, None, None, None, None, None, 1_800]


def test_the_table_edge_is_the_local_midnight(con: duckdb.DuckDBPyConnection) -> None:
    # The table starts at 2000-01-01 00:00 New York time = 05:00 UTC: 04:59 UTC is outside.
    # 24/7 from 05:00 to 06:00 UTC = 3,600 s.
    pairs: list[Pair] = [
        ("new-york-24-7", utc(2000, 1, 1, 4, 59), utc(2000, 1, 1, 6, 0)),
        ("new-york-24-7", utc(2000, 1, 1, 5, 0), utc(2000, 1, 1, 6, 0)),
    ]
    assert sql_seconds(con, pairs) == [None, 3_600]


def test_timestamps_without_zone_are_utc(con: duckdb.DuckDBPyConnection) -> None:
    # 14:00-16:00 UTC on Wed 12 Feb 2025 = 09:00-11:00 in New York (UTC-5) = 7,200 s
    sql = bt.business_seconds_sql(
        "(SELECT 'amer' AS calendar, TIMESTAMP '2025-02-12 14:00' AS start_at, "
        "TIMESTAMP '2025-02-12 16:00' AS end_at)"
    )
    assert con.execute(sql).fetchall() == [
        ("amer", datetime(2025, 2, 12, 14), datetime(2025, 2, 12, 16), 7_200)
    ]
    naive = bt.business_seconds(
        CALENDARS["amer"], datetime(2025, 2, 12, 14), datetime(2025, 2, 12, 16)
    )
    assert naive == 7_200


def test_sql_keeps_every_row_and_column_and_works_as_a_cte(
    con: duckdb.DuckDBPyConnection,
) -> None:
    timed = bt.business_seconds_sql(
        "pairs", calendar="region_calendar", start="mql_at", end="touched_at", name="response"
    )
    sql = (
        "WITH pairs AS (SELECT * FROM (VALUES "
        "('a', 'amer', TIMESTAMPTZ '2025-02-12 14:00+00', TIMESTAMPTZ '2025-02-12 15:00+00'), "
        "('b', 'unknown', TIMESTAMPTZ '2025-02-12 14:00+00', TIMESTAMPTZ '2025-02-12 15:00+00')) "
        "AS t(lead_id, region_calendar, mql_at, touched_at)), "
        f"timed AS ({timed}) "
        "SELECT lead_id, region_calendar, response FROM timed ORDER BY lead_id"
    )
    result = store.query(con, sql)
    # a: 09:00 -> 10:00 in New York = 3,600 s; b: unknown calendar, the row stays with NULL
    expected = pl.DataFrame(
        {"lead_id": ["a", "b"], "region_calendar": ["amer", "unknown"], "response": [3_600.0, None]}
    )
    assert_frame_equal(result, expected)


def test_business_days(con: duckdb.DuckDBPyConnection) -> None:
    # February 2025 starts on a Saturday: 4 full weeks = 20 weekdays, less Washington's
    # Birthday (Mon 17 Feb) = 19. July 2025: Tue 1 - Thu 31 = 4 + 5 + 5 + 5 + 4 = 23 weekdays,
    # less Independence Day (Fri 4 Jul) = 22. Berlin, July: 23 weekdays, no public holiday.
    result = [
        bt.business_days(con, "amer", date(2025, 2, 1), date(2025, 2, 28)),
        bt.business_days(con, "amer", date(2025, 7, 1), date(2025, 7, 31)),
        bt.business_days(con, "emea", date(2025, 7, 1), date(2025, 7, 31)),
        bt.business_days(con, "berlin-24-7", date(2025, 7, 1), date(2025, 7, 31)),
        bt.business_days(con, "amer", date(2025, 2, 8), date(2025, 2, 9)),  # a weekend
        bt.business_days(con, "nowhere", date(2025, 2, 1), date(2025, 2, 28)),
    ]
    assert result == [19, 22, 23, 31, 0, 0]


def test_calendar_days_rows() -> None:
    result = bt.calendar_days(CALENDARS["emea"], date(2025, 3, 28), date(2025, 3, 31))
    # Fri 28 Mar (CET, UTC+1): 08:00-16:00 UTC; Sat, Sun closed; Mon 31 Mar (CEST, UTC+2):
    # 07:00-15:00 UTC. Each open day 8 h = 28,800 s; seconds before: 0, 28,800, 28,800, 28,800.
    expected = pl.DataFrame(
        {
            "day": [date(2025, 3, 28), date(2025, 3, 29), date(2025, 3, 30), date(2025, 3, 31)],
            "open_at": [utc(2025, 3, 28, 8), None, None, utc(2025, 3, 31, 7)],
            "close_at": [utc(2025, 3, 28, 16), None, None, utc(2025, 3, 31, 15)],
            "open_seconds": [28_800.0, 0.0, 0.0, 28_800.0],
            "seconds_before": [0.0, 28_800.0, 28_800.0, 28_800.0],
        },
        schema=bt.DAYS_SCHEMA,
    )
    assert_frame_equal(result, expected)


# ---- wall times a daylight-saving change skips or repeats --------------------------------------
SMALL_HOURS = Calendar(
    "night", "Europe/Berlin", working_days=tuple(range(7)), opens=time(2, 30), closes=time(5, 0)
)


def test_an_opening_time_in_the_skipped_hour_opens_when_the_gap_ends() -> None:
    # 30 Mar 2025: Berlin's clocks jump from 02:00 CET to 03:00 CEST (01:00 UTC). 02:30 never
    # shows; the day opens at 03:00 CEST = 01:00 UTC and closes at 05:00 CEST = 03:00 UTC: 2 h.
    result = bt.calendar_days(SMALL_HOURS, date(2025, 3, 30), date(2025, 3, 30))
    assert result.select("open_at", "close_at", "open_seconds").row(0) == (
        utc(2025, 3, 30, 1),
        utc(2025, 3, 30, 3),
        7_200.0,
    )


def test_an_opening_time_in_the_repeated_hour_opens_at_its_first_occurrence() -> None:
    # 26 Oct 2025: at 03:00 CEST (01:00 UTC) the clocks go back to 02:00 CET. 02:30 shows twice;
    # the day opens at the first, 02:30 CEST = 00:30 UTC, and closes at 05:00 CET = 04:00 UTC:
    # 3.5 h = 12,600 s.
    result = bt.calendar_days(SMALL_HOURS, date(2025, 10, 26), date(2025, 10, 26))
    assert result.select("open_at", "close_at", "open_seconds").row(0) == (
        utc(2025, 10, 26, 0, 30),
        utc(2025, 10, 26, 4),
        12_600.0,
    )


def test_first_instant() -> None:
    result = [
        bt.first_instant(date(2025, 3, 30), time(2, 30), BERLIN),  # skipped: gap ends 01:00 UTC
        bt.first_instant(date(2025, 10, 26), time(2, 30), BERLIN),  # repeated: first, 00:30 UTC
        bt.first_instant(date(2025, 7, 1), time(9, 0), BERLIN),  # CEST: 07:00 UTC
    ]
    assert result == [utc(2025, 3, 30, 1), utc(2025, 10, 26, 0, 30), utc(2025, 7, 1, 7)]


# ---- the tables --------------------------------------------------------------------------------
def test_tables_are_real_and_readable_read_only(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    con = model.connect(path)
    bt.write_calendar_table(con, {"amer": CALENDARS["amer"]}, date(2025, 1, 1), date(2025, 12, 31))
    con.close()
    reader = model.connect(path, read_only=True)
    try:
        result = reader.execute(
            bt.business_seconds_sql(
                "(SELECT 'amer' AS calendar, TIMESTAMPTZ '2025-02-12 14:00+00' AS start_at, "
                "TIMESTAMPTZ '2025-02-12 16:30+00' AS end_at)"
            )
        ).fetchall()[0][-1]
        zones = reader.execute(f"SELECT * FROM {bt.CALENDARS_TABLE}").fetchall()
    finally:
        reader.close()
    assert result == 9_000  # 09:00 -> 11:30 in New York = 2.5 h
    assert zones == [("amer", "America/New_York")]


def test_write_replaces_the_tables_in_the_callers_transaction() -> None:
    con = store.configure(duckdb.connect(":memory:"))
    bt.write_calendar_table(con, {"a": CALENDARS["amer"]}, date(2025, 1, 1), date(2025, 1, 31))
    con.execute("BEGIN TRANSACTION")
    bt.write_calendar_table(con, {"b": CALENDARS["emea"]}, date(2025, 1, 1), date(2025, 1, 31))
    con.execute("ROLLBACK")
    kept = [
        con.execute(f"SELECT DISTINCT calendar FROM {table}").fetchall()
        for table in (bt.CALENDAR_TABLE, bt.CALENDARS_TABLE, bt.SEGMENTS_TABLE)
    ]
    bt.write_calendar_table(con, {"b": CALENDARS["emea"]}, date(2025, 1, 1), date(2025, 1, 31))
    replaced = con.execute(f"SELECT DISTINCT calendar FROM {bt.CALENDAR_TABLE}").fetchall()
    assert kept == [[("a",)]] * 3
    assert replaced == [("b",)]


def test_no_calendars_gives_empty_tables_and_null_durations() -> None:
    con = store.configure(duckdb.connect(":memory:"))
    bt.write_calendar_table(con, {})
    counts = [
        con.execute(f"SELECT count(*) FROM {table}").fetchone()
        for table in (bt.CALENDAR_TABLE, bt.CALENDARS_TABLE, bt.SEGMENTS_TABLE)
    ]
    assert counts == [(0,)] * 3
    assert sql_seconds(con, [("amer", utc(2025, 2, 12, 14), utc(2025, 2, 12, 16))]) == [None]


@pytest.mark.parametrize(
    "calendar",
    [
        Calendar("night shift", opens=time(22, 0), closes=time(6, 0)),
        Calendar("empty", opens=time(9, 0), closes=time(9, 0)),
        Calendar("nowhere", time_zone="Mars/Olympus_Mons"),
        Calendar("eighth day", working_days=(7,)),
    ],
    ids=lambda c: c.name,
)
def test_calendars_the_table_cannot_express_are_refused(calendar: Calendar) -> None:
    with pytest.raises(ValueError, match=calendar.name):
        bt.calendar_days(calendar, date(2025, 1, 1), date(2025, 1, 31))


def test_before_1970(con: duckdb.DuckDBPyConnection) -> None:
    local = store.configure(duckdb.connect(":memory:"))
    calendars = {"utc": Calendar("utc"), "utc-24-7": Calendar("utc", always_open=True)}
    bt.write_calendar_table(local, calendars, date(1969, 12, 29), date(1970, 1, 2))
    start, end = utc(1969, 12, 31, 12), utc(1970, 1, 1, 12)
    result = sql_seconds(local, [("utc", start, end), ("utc-24-7", start, end)])
    # Wed 31 Dec 1969 12:00-17:00 (5 h) + Thu 1 Jan 1970 09:00-12:00 (3 h) = 28,800 s;
    # 24/7: 24 h = 86,400 s
    assert result == [28_800, 86_400]
    assert bt.business_seconds(calendars["utc"], start, end) == 28_800


# ---- the UTC-day segments ----------------------------------------------------------------------
def synthetic_days(intervals: list[tuple[datetime, datetime]]) -> pl.DataFrame:
    """A `calendar_days` frame with one open interval per day from 30 Dec 2024 (made up: real
    zones never put three local days' hours in one UTC day)."""
    lengths = [(close - open_).total_seconds() for open_, close in intervals]
    return pl.DataFrame(
        {
            "day": [date(2024, 12, 30) + timedelta(days=n) for n in range(len(intervals))],
            "open_at": [open_ for open_, _ in intervals],
            "close_at": [close for _, close in intervals],
            "open_seconds": lengths,
            "seconds_before": [sum(lengths[:n]) for n in range(len(intervals))],
        },
        schema=bt.DAYS_SCHEMA,
    )


THREE_IN_ONE_UTC_DAY = [
    (utc(2025, 1, 1, 0), utc(2025, 1, 1, 1)),
    (utc(2025, 1, 1, 10), utc(2025, 1, 1, 11)),
    (utc(2025, 1, 1, 23), utc(2025, 1, 1, 23, 30)),
]


def test_utc_days_holds_three_intervals_in_one_utc_day() -> None:
    days = synthetic_days(THREE_IN_ONE_UTC_DAY)
    result = bt.utc_days(days, utc(2024, 12, 31, 22), utc(2025, 1, 2, 2))
    hour = 3_600_000_000  # microseconds
    new_year = (date(2025, 1, 1) - date(1970, 1, 1)).days * 24 * hour  # 2025-01-01 00:00 UTC
    none = {f"{part}_{n}": 0 for n in (1, 2, 3) for part in ("from_us", "length_us")}
    expected = pl.DataFrame(
        [
            # 31 Dec: covered from 22:00, nothing open
            {"utc_day": new_year // (24 * hour) - 1, "covers_from_us": new_year - 2 * hour,
             "covers_to_us": new_year, "before_us": 0, **none},
            # 1 Jan: 00:00 (1 h), 10:00 (1 h), 23:00 (30 min)
            {"utc_day": new_year // (24 * hour), "covers_from_us": new_year,
             "covers_to_us": new_year + 24 * hour, "before_us": 0,
             "from_us_1": new_year, "length_us_1": hour,
             "from_us_2": new_year + 10 * hour, "length_us_2": hour,
             "from_us_3": new_year + 23 * hour, "length_us_3": hour // 2},
            # 2 Jan: covered until 02:00; 1 h + 1 h + 30 min = 2.5 h before it
            {"utc_day": new_year // (24 * hour) + 1, "covers_from_us": new_year + 24 * hour,
             "covers_to_us": new_year + 26 * hour, "before_us": 5 * hour // 2, **none},
        ]
    )  # fmt: skip
    assert_frame_equal(result, expected, check_dtypes=False)
    assert result.schema == {c: pl.Int64() for c in expected.columns}

    con = store.configure(duckdb.connect(":memory:"))
    con.register("segments", result.to_arrow())
    con.execute(f"CREATE TABLE {bt.SEGMENTS_TABLE} AS SELECT 'x' AS calendar, * FROM segments")
    durations = sql_seconds(
        con,
        [
            ("x", utc(2025, 1, 1, 0, 30), utc(2025, 1, 1, 23, 15)),
            # 00:30-01:00 (30 min) + 10:00-11:00 (1 h) + 23:00-23:15 (15 min) = 6,300 s
            ("x", utc(2024, 12, 31, 21, 59), utc(2025, 1, 1, 12)),  # before the cover: NULL
            ("x", utc(2024, 12, 31, 22), utc(2025, 1, 2, 1, 59)),  # everything: 2.5 h
        ],
    )
    assert durations == [6_300, None, 9_000]


def test_utc_days_refuses_a_fourth_interval() -> None:
    days = synthetic_days([*THREE_IN_ONE_UTC_DAY, (utc(2025, 1, 1, 5), utc(2025, 1, 1, 6))])
    with pytest.raises(ValueError, match="more than 3"):
        bt.utc_days(days, utc(2024, 12, 31), utc(2025, 1, 3))


# ---- property: against a minute-by-minute walk ---------------------------------------------------
CHANGE_DAYS: dict[str, tuple[date, ...]] = {
    "UTC": (),
    "Asia/Singapore": (),
    "Asia/Kolkata": (),  # UTC+05:30
    "Europe/Berlin": (date(2024, 3, 31), date(2024, 10, 27)),  # at 02:00 / 03:00 local
    "America/New_York": (date(2024, 3, 10), date(2024, 11, 3)),  # at 02:00 local
    "America/St_Johns": (date(2024, 3, 10), date(2024, 11, 3)),  # UTC-03:30, at 02:00 local
    "Australia/Sydney": (date(2024, 4, 7), date(2024, 10, 6)),  # at 03:00 / 02:00 local
    "Australia/Lord_Howe": (date(2024, 4, 7), date(2024, 10, 6)),  # a 30-minute shift at 02:00
}
"""Zones for random calendars, with the dates their clocks change in 2024."""
HOLIDAYS = ((None, None), ("US", None), ("US", "CA"), ("DE", "BY"), ("AU", None), ("SG", None))
MINUTE = timedelta(minutes=1)


def minutes(n: int) -> time:
    return time(n // 60, n % 60)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Calendar, list[tuple[datetime, datetime]]]:
    """A random calendar and a few minute-aligned UTC pairs (in either order) within days of
    one date, usually a date the calendar's clocks change. Opening and closing times are often
    in the small hours, where they are skipped or repeated on those dates."""
    zone = draw(st.sampled_from(sorted(CHANGE_DAYS)))
    small_hours = st.integers(60, 200)
    opens = draw(st.one_of(small_hours, st.integers(0, 1438)))
    later = [st.integers(opens + 1, 1439)]
    if opens < 200:
        later.append(st.integers(max(opens + 1, 60), 200))
    closes = draw(st.one_of(*later))
    country, subdivision = draw(st.sampled_from(HOLIDAYS))
    base = draw(
        st.sampled_from(CHANGE_DAYS[zone]) if CHANGE_DAYS[zone] and draw(st.integers(0, 4)) else
        st.dates(date(2024, 2, 1), date(2024, 11, 30))
    )  # fmt: skip
    closed = draw(st.lists(st.integers(-3, 3).map(lambda n: base + timedelta(days=n)), max_size=2))
    calendar = Calendar(
        "random",
        time_zone=zone,
        working_days=tuple(sorted(draw(st.sets(st.integers(0, 6)) | st.just(set(range(7)))))),
        opens=minutes(opens),
        closes=minutes(closes),
        country=country,
        subdivision=subdivision,
        closed_dates=tuple(closed),
        always_open=draw(st.integers(0, 9)) == 0,
    )
    midnight = datetime.combine(base, time(0), tzinfo=UTC)
    pairs = []
    for _ in range(draw(st.integers(1, 4))):
        start = midnight + draw(st.integers(-4 * 1440, 4 * 1440)) * MINUTE
        pairs.append((start, start + draw(st.integers(-6 * 1440, 6 * 1440)) * MINUTE))
    return calendar, pairs


def reference_positions(calendar: Calendar, first: datetime, last: datetime) -> dict:
    """For each UTC minute from `first` to `last`: the business seconds before it (60 for every
    earlier open minute), walking minute by minute from two days earlier.

    A minute is open when the calendar is 24/7, or when its local date is a working day that is
    neither a public holiday nor closed, and the local clock has already shown `opens` that date
    but has not yet shown `closes` (the highest local time seen so far that date: after the
    clocks go back, a time shown again counts as passed; one skipped counts as passed once the
    clock is beyond it)."""
    zone = ZoneInfo(calendar.time_zone)
    public = (
        holidays.country_holidays(
            calendar.country, subdiv=calendar.subdivision, years=range(2023, 2026)
        )
        if calendar.country
        else {}
    )
    highest: dict[date, time] = {}
    before: dict[datetime, int] = {}
    total = 0
    minute = first - timedelta(days=2)
    while minute <= last:
        local = minute.astimezone(zone)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        highest[day] = max(highest.get(day, clock), clock)
        working = (
            day.weekday() in calendar.working_days
            and day not in public
            and day not in calendar.closed_dates
        )
        is_open = calendar.always_open or (
            working and calendar.opens <= highest[day] < calendar.closes
        )
        if minute >= first:
            before[minute] = total
        total += 60 if is_open else 0
        minute += MINUTE
    return before


def small_hours_case(zone: str, day: date, opens: int, closes: int) -> tuple:
    """A case for `example`: every day open from `opens` to `closes` (minutes) in `zone`, pairs
    across `day` (a change date) and within it."""
    calendar = Calendar(
        "edge", zone, working_days=tuple(range(7)), opens=minutes(opens), closes=minutes(closes)
    )
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    pairs = [
        (midnight - timedelta(days=1), midnight + timedelta(days=1)),
        (midnight - timedelta(hours=2), midnight + timedelta(hours=3, minutes=7)),
    ]
    return calendar, pairs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
@example(case=small_hours_case("Europe/Berlin", date(2024, 3, 31), 150, 240))  # opens skipped
@example(case=small_hours_case("Europe/Berlin", date(2024, 10, 27), 150, 240))  # opens twice
@example(case=small_hours_case("Europe/Berlin", date(2024, 10, 27), 60, 150))  # closes twice
@example(case=small_hours_case("Australia/Lord_Howe", date(2024, 4, 7), 95, 300))  # 30 min
@example(case=small_hours_case("Australia/Lord_Howe", date(2024, 10, 6), 125, 300))
def test_matches_a_minute_by_minute_walk(case: tuple) -> None:
    calendar, pairs = case
    instants = [instant for pair in pairs for instant in pair]
    position = reference_positions(calendar, min(instants), max(instants))
    expected = [float(position[end] - position[start]) for start, end in pairs]

    python = [bt.business_seconds(calendar, start, end) for start, end in pairs]
    con = store.configure(duckdb.connect(":memory:"))
    bt.write_calendar_table(con, {"k": calendar}, date(2024, 1, 1), date(2024, 12, 31))
    sql = sql_seconds(con, [("k", start, end) for start, end in pairs])
    con.close()
    assert python == expected
    assert sql == expected
