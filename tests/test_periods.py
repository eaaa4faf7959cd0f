from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from alignment.periods import ALL_TIME, Period, between_sql, recent_periods


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
    sql, params = between_sql("created_at", period)
    assert sql == "(created_at >= ? AND created_at < ?)"
    assert params == [datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)]
    assert between_sql("created_at", ALL_TIME) == ("TRUE", [])


def test_recent_periods_and_elapsed() -> None:
    result = [p.key for p in recent_periods("quarter", date(2026, 11, 23), 3)]
    assert result == ["2026-Q4", "2026-Q3", "2026-Q2"]
    # 22 of November's 30 days have passed on the 23rd
    assert Period.parse("2026-11").elapsed_fraction(date(2026, 11, 23)) == pytest.approx(22 / 30)
    assert Period.parse("2026-10").elapsed_fraction(date(2026, 11, 23)) == 1.0
