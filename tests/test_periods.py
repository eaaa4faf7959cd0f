from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from alignment.periods import (
    ALL_TIME,
    Grain,
    Period,
    between_sql,
    latest_complete,
    periods_between,
    recent_periods,
    trend_window,
)
from alignment.sql import Params


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-03", date(2026, 3, 1), date(2026, 4, 1), "March 2026"),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1), "December 2026"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1), "Q1 2026"),
        ("2026q4", date(2026, 10, 1), date(2027, 1, 1), "Q4 2026"),
        # ISO week 9 of 2026 starts on Monday 23 February
        ("2026-W09", date(2026, 2, 23), date(2026, 3, 2), "Week 9, 2026 (23 Feb)"),
    ],
)
def test_parse(text: str, start: date, end: date, label: str) -> None:
    period = Period.parse(text)
    assert (period.first_day, period.end_day, period.label) == (start, end, label)
    assert Period.parse(period.key) == period


def test_all_time_and_bad_input() -> None:
    assert Period.parse("all") is ALL_TIME
    assert ALL_TIME.start is None and ALL_TIME.comparison("previous") is None
    with pytest.raises(ValueError, match="2026-13"):
        Period.parse("2026-13")
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse("March")


def test_comparisons() -> None:
    assert Period.parse("2026-01").previous().key == "2025-12"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    assert Period.parse("2026-03").same_last_year().key == "2025-03"
    assert Period.parse("2026-Q2").comparison("last_year").key == "2025-Q2"
    assert Period.parse("2026-W01").previous().key == "2025-W52"
    # 2026 has 53 ISO weeks, 2025 has 52: week 53 compares with 2025's last week
    assert Period.parse("2026-W53").same_last_year().key == "2025-W52"
    assert Period.parse("2026-03").comparison("none") is None


def test_bounds_are_utc_and_sql_is_half_open() -> None:
    period = Period.parse("2026-03")
    assert period.start == datetime(2026, 3, 1, tzinfo=UTC)
    params = Params()
    sql = between_sql("created_at", period, params)
    assert sql == "(created_at >= $v0 AND created_at < $v1)"
    assert params.values == {
        "v0": datetime(2026, 3, 1, tzinfo=UTC),
        "v1": datetime(2026, 4, 1, tzinfo=UTC),
    }
    unbounded = Params()
    assert between_sql("created_at", ALL_TIME, unbounded) == "TRUE"
    assert unbounded.values == {}


def test_recent_periods_and_elapsed() -> None:
    result = [p.key for p in recent_periods("quarter", date(2026, 11, 23), 3)]
    assert result == ["2026-Q4", "2026-Q3", "2026-Q2"]
    # 22 of November's 30 days have passed on the 23rd
    assert Period.parse("2026-11").elapsed_fraction(date(2026, 11, 23)) == pytest.approx(22 / 30)
    assert Period.parse("2026-10").elapsed_fraction(date(2026, 11, 23)) == 1.0


# ---- labels, the data's range, the default period and trend spans -----------------------------
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("March 2026", "2026-03"),
        ("mar 2026", "2026-03"),  # the trend axis spelling, any case
        ("Q1 2026", "2026-Q1"),
        ("q4  2016", "2016-Q4"),
        ("Week 9, 2026 (23 Feb)", "2026-W09"),
        ("week 53, 2026", "2026-W53"),
        ("All time", "all"),
    ],
)
def test_parse_reads_the_labels_the_app_writes(text: str, key: str) -> None:
    assert Period.parse(text).key == key


def test_labels_round_trip_and_bad_labels_are_refused() -> None:
    for key in ("2016-10", "2017-Q4", "2017-W01", "2026-W53", "all"):
        period = Period.parse(key)
        assert Period.parse(period.label) == period
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse("Marchember 2026")
    with pytest.raises(ValueError, match="no ISO week 53"):
        Period.parse("Week 53, 2025")  # 2025 has 52 ISO weeks


def test_periods_between_cover_every_period_of_the_range_newest_first() -> None:
    # Maven's events: 20 Oct 2016 to 31 Dec 2017 -> Oct, Nov, Dec 2016 + 12 months of 2017 = 15
    months = periods_between("month", date(2016, 10, 20), date(2017, 12, 31))
    assert len(months) == 15
    assert (months[0].key, months[-1].key) == ("2017-12", "2016-10")
    quarters = periods_between("quarter", date(2016, 10, 20), date(2017, 12, 31))
    assert [q.key for q in quarters] == ["2017-Q4", "2017-Q3", "2017-Q2", "2017-Q1", "2016-Q4"]
    # 20 Oct 2016 is in ISO week 42 of 2016 (52 weeks), 31 Dec 2017 in week 52 of 2017:
    # 52 - 42 + 1 = 11 weeks of 2016, plus 52 of 2017 = 63
    weeks = periods_between("week", date(2016, 10, 20), date(2017, 12, 31))
    assert len(weeks) == 63 and weeks[-1].key == "2016-W42" and weeks[0].key == "2017-W52"
    # five years of data give 60 months: no cap
    assert len(periods_between("month", date(2020, 1, 1), date(2024, 12, 31))) == 60


@pytest.mark.parametrize(
    ("grain", "earliest", "latest", "today", "expected"),
    [
        # Maven: history long past -> its last month / quarter, not today's empty one
        ("month", date(2016, 10, 20), date(2017, 12, 31), date(2026, 12, 2), "2017-12"),
        ("quarter", date(2016, 10, 20), date(2017, 12, 31), date(2026, 12, 2), "2017-Q4"),
        # data up to yesterday: this month is not over, so the month before
        ("month", date(2025, 6, 1), date(2026, 11, 22), date(2026, 11, 23), "2026-10"),
        # on 1 December, November is complete
        ("month", date(2025, 6, 1), date(2026, 11, 30), date(2026, 12, 1), "2026-11"),
        # every event lies in the current month: no complete month has data, so this one
        ("month", date(2026, 11, 3), date(2026, 11, 20), date(2026, 11, 23), "2026-11"),
        # a date in the future (an odd record) does not make the default a future period
        ("month", date(2026, 1, 5), date(2027, 5, 1), date(2026, 11, 23), "2026-10"),
        # no data: the last complete period
        ("week", None, None, date(2026, 11, 23), "2026-W47"),
        # the first day of a quarter: the quarter just ended
        ("quarter", date(2025, 6, 1), date(2026, 9, 30), date(2026, 10, 1), "2026-Q3"),
        # mid-week (Wednesday 25 Nov, data to Tuesday): the week before, W48 is still open
        ("week", date(2025, 6, 1), date(2026, 11, 24), date(2026, 11, 25), "2026-W47"),
    ],
)
def test_latest_complete_is_the_last_ended_period_with_data(
    grain: Grain, earliest: date | None, latest: date | None, today: date, expected: str
) -> None:
    assert latest_complete(grain, earliest, latest, today).key == expected


def test_trend_window_runs_over_the_data_not_to_today() -> None:
    today = date(2026, 12, 2)
    maven = (date(2016, 10, 20), date(2017, 12, 31))
    # all time: every month / quarter of the data (15 months, 5 quarters), ending December 2017
    assert trend_window(ALL_TIME, "month", 18, *maven, today) == (Period.month(2017, 12), 15)
    assert trend_window(ALL_TIME, "quarter", 8, *maven, today) == (Period.quarter(2017, 4), 5)
    # a quarter: its last month; 18 months back would start before the data (Oct 2016 to
    # Sep 2017 is 12 months)
    assert trend_window(Period.quarter(2017, 3), "month", 18, *maven, today) == (
        Period.month(2017, 9),
        12,
    )
    # a long history: the full count
    assert trend_window(Period.month(2017, 12), "month", 12, *maven, today) == (
        Period.month(2017, 12),
        12,
    )
    # a week ending in the next month (30 Mar - 5 Apr 2026) belongs to April's trend
    week = Period.week(2026, 14)
    assert trend_window(week, "month", 6, date(2026, 1, 1), date(2026, 5, 1), today) == (
        Period.month(2026, 4),
        4,
    )
    # no data: `count` periods to today's
    assert trend_window(ALL_TIME, "month", 18, None, None, today) == (Period.month(2026, 12), 18)


def test_an_incomplete_period_is_labelled_to_date() -> None:
    from alignment.periods import to_date_note

    today = date(2026, 12, 2)
    assert to_date_note(Period.parse("2026-Q4"), today) == (
        "Q4 2026 to date (ends 31 Dec): its numbers will still change."
    )
    assert to_date_note(Period.parse("2026-12"), date(2026, 12, 31)) is not None  # last day
    assert to_date_note(Period.parse("2026-11"), today) is None  # complete
    assert to_date_note(Period.parse("2027-01"), today) is None  # not begun
    assert to_date_note(Period.parse("all"), today) is None
