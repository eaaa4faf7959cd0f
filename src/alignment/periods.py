"""Reporting periods: months, quarters and ISO weeks, their comparisons, and "all time".

A period is a half-open UTC interval [start, end). Spellings (the CLI's, and what `parse`
reads): `2026-03` (month), `2026-Q1` (quarter), `2026-W09` (ISO week), `all` (no date
condition); `parse` also reads the labels the app shows and writes in its links (`March 2026`,
`Q1 2026`, `Week 9, 2026 (23 Feb)`, `All time`).

Also the lists the period selector and the trend charts need: every period of the data's range
(`periods_between`), the period a review most likely wants (`latest_complete`), and the span
of a trend (`trend_window`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from alignment.sql import Params

Grain = Literal["month", "quarter", "week", "all"]
Comparison = Literal["previous", "last_year", "none"]

GRAINS: tuple[Grain, ...] = ("month", "quarter", "week")
COMPARISONS: dict[Comparison, str] = {
    "previous": "Previous period",
    "last_year": "Same period last year",
    "none": "No comparison",
}

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH_LABEL = re.compile(r"^([a-z]{3,9})\.? (\d{4})$", re.IGNORECASE)
_QUARTER_LABEL = re.compile(r"^Q([1-4]) (\d{4})$", re.IGNORECASE)
_WEEK_LABEL = re.compile(r"^Week (\d{1,2}), (\d{4})(?: \(\d{1,2} [a-z]{3}\))?$", re.IGNORECASE)
_MONTH_NAMES: dict[str, int] = {
    name: number
    for number in range(1, 13)
    for name in (f"{date(2000, number, 1):%B}".lower(), f"{date(2000, number, 1):%b}".lower())
}


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: grain plus first day (inclusive) and end day (exclusive)."""

    grain: Grain
    first_day: date | None
    end_day: date | None

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse `2026-03`, `2026-Q1`, `2026-W09` or `all`, or a label (`March 2026`, `Mar
        2026`, `Q1 2026`, `Week 9, 2026 (23 Feb)`, `All time`), case-insensitively; ValueError
        with the accepted forms."""
        value = " ".join((text or "").split())
        if value.lower() in {"all", "all time", ""}:
            return ALL_TIME
        if m := _MONTH.match(value):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise ValueError(f"month out of range in {text!r}")
            return cls.month(year, month)
        if (m := _MONTH_LABEL.match(value)) and m[1].lower() in _MONTH_NAMES:
            return cls.month(int(m[2]), _MONTH_NAMES[m[1].lower()])
        if m := _QUARTER.match(value):
            return cls.quarter(int(m[1]), int(m[2]))
        if m := _QUARTER_LABEL.match(value):
            return cls.quarter(int(m[2]), int(m[1]))
        if m := _WEEK.match(value):
            return cls._checked_week(int(m[1]), int(m[2]), text)
        if m := _WEEK_LABEL.match(value):
            return cls._checked_week(int(m[2]), int(m[1]), text)
        raise ValueError(
            f"unknown period {text!r}: use YYYY-MM (2026-03), YYYY-Qn (2026-Q1), "
            "YYYY-Www (2026-W09) or all"
        )

    @classmethod
    def _checked_week(cls, year: int, week: int, text: str) -> Period:
        try:
            return cls.week(year, week)
        except ValueError:
            raise ValueError(f"{year} has no ISO week {week} ({text!r})") from None

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = _month_start(year, month)
        return cls("month", start, _month_start(year, month + 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", start, _month_start(year, 3 * quarter + 1))

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        start = date.fromisocalendar(year, week, 1)
        return cls("week", start, start + timedelta(days=7))

    @classmethod
    def containing(cls, grain: Grain, day: date) -> Period:
        """The period of a grain that contains a day."""
        if grain == "month":
            return cls.month(day.year, day.month)
        if grain == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if grain == "week":
            iso = day.isocalendar()
            return cls.week(iso.year, iso.week)
        return ALL_TIME

    # ---- properties ---------------------------------------------------------------------
    @property
    def is_all(self) -> bool:
        return self.grain == "all"

    @property
    def start(self) -> datetime | None:
        """Inclusive UTC start instant (None for all time)."""
        return (
            None
            if self.first_day is None
            else datetime.combine(self.first_day, datetime.min.time(), UTC)
        )

    @property
    def end(self) -> datetime | None:
        """Exclusive UTC end instant (None for all time)."""
        return (
            None
            if self.end_day is None
            else datetime.combine(self.end_day, datetime.min.time(), UTC)
        )

    @property
    def key(self) -> str:
        """The spelling that `parse` reads back (used in URLs and the CLI)."""
        if self.first_day is None:
            return "all"
        if self.grain == "month":
            return f"{self.first_day:%Y-%m}"
        if self.grain == "quarter":
            return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
        iso = self.first_day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"

    @property
    def label(self) -> str:
        """Human label: `March 2026`, `Q1 2026`, `Week 9, 2026 (23 Feb)`, `All time`."""
        if self.first_day is None:
            return "All time"
        if self.grain == "month":
            return f"{self.first_day:%B %Y}"
        if self.grain == "quarter":
            return f"Q{(self.first_day.month - 1) // 3 + 1} {self.first_day.year}"
        iso = self.first_day.isocalendar()
        return f"Week {iso.week}, {iso.year} ({self.first_day.day} {self.first_day:%b})"

    # ---- navigation ---------------------------------------------------------------------
    def shift(self, steps: int) -> Period:
        """The period `steps` periods later (negative: earlier)."""
        if self.first_day is None:
            return self
        if self.grain == "month":
            return Period.month(self.first_day.year, self.first_day.month + steps)
        if self.grain == "quarter":
            start = _month_start(self.first_day.year, self.first_day.month + 3 * steps)
            return Period.quarter(start.year, (start.month - 1) // 3 + 1)
        return Period.containing("week", self.first_day + timedelta(weeks=steps))

    def previous(self) -> Period:
        return self.shift(-1)

    def same_last_year(self) -> Period:
        if self.first_day is None:
            return self
        if self.grain == "week":
            iso = self.first_day.isocalendar()
            weeks_in_last_year = date(iso.year - 1, 12, 28).isocalendar().week
            return Period.week(iso.year - 1, min(iso.week, weeks_in_last_year))
        return self.shift(-12 if self.grain == "month" else -4)

    def comparison(self, kind: Comparison) -> Period | None:
        """The period to compare with, or None for no comparison (or all time)."""
        if self.is_all or kind == "none":
            return None
        return self.previous() if kind == "previous" else self.same_last_year()

    def contains(self, day: date) -> bool:
        if self.first_day is None or self.end_day is None:
            return True
        return self.first_day <= day < self.end_day

    def elapsed_fraction(self, today: date) -> float:
        """Share of the period's days that have passed by `today` (1.0 for past periods)."""
        if self.first_day is None or self.end_day is None:
            return 1.0
        total = (self.end_day - self.first_day).days
        done = (min(max(today, self.first_day), self.end_day) - self.first_day).days
        return done / total


ALL_TIME = Period("all", None, None)


def recent_periods(grain: Grain, today: date, count: int) -> list[Period]:
    """The `count` most recent periods of a grain, newest first, starting with today's."""
    current = Period.containing(grain, today)
    return [current.shift(-i) for i in range(count)]


def hull(periods: Sequence[Period]) -> Period:
    """The smallest period covering all of `periods` (all time if one of them is), to skip rows
    outside every one of them in one comparison."""
    if any(p.first_day is None or p.end_day is None for p in periods):
        return ALL_TIME
    first = min(p.first_day for p in periods if p.first_day is not None)
    end = max(p.end_day for p in periods if p.end_day is not None)
    return Period(periods[0].grain, first, end)


def month_starts(end: Period, months: int, today: date) -> list[date]:
    """First days of the `months` calendar months ending with `end`'s month (a quarter's last
    month; `today`'s month for all time), oldest first: the months of a trend."""
    if end.first_day is None or end.end_day is None:
        last = today.replace(day=1)
    elif end.grain == "quarter":
        last = (end.end_day - timedelta(days=1)).replace(day=1)
    else:
        last = end.first_day.replace(day=1)
    index = last.year * 12 + last.month - 1
    return [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(months - 1, -1, -1)]


def between_sql(column: str, period: Period, params: Params) -> str:
    """A SQL condition: `column` in the period ('TRUE' for all time), its bounds bound in
    `params`. `column` must already be a quoted / trusted column expression."""
    if period.start is None or period.end is None:
        return "TRUE"
    return f"({column} >= {params.bind(period.start)} AND {column} < {params.bind(period.end)})"


def periods_between(grain: Grain, earliest: date, latest: date) -> list[Period]:
    """Every period of a grain from the one containing `earliest` to the one containing
    `latest`, newest first (none when `latest` is before `earliest`)."""
    oldest = Period.containing(grain, earliest)
    period = Period.containing(grain, latest)
    periods: list[Period] = []
    while period >= oldest:
        periods.append(period)
        period = period.previous()
    return periods


def latest_complete(
    grain: Grain, earliest: date | None, latest: date | None, today: date
) -> Period:
    """The period a review most likely wants: the latest complete period (ended by `today`)
    that holds data, i.e. the one containing the latest event date (capped at today), or the
    one before it while that one has not ended. When the data holds no complete period (it
    all lies in the current one), that current period; with no data, the last complete
    period before today."""
    anchor = min(latest, today) if latest else today
    period = Period.containing(grain, anchor)
    if period.end_day is not None and period.end_day > today:
        before = period.previous()
        if (
            latest is None
            or earliest is None
            or (before.end_day is not None and before.end_day > earliest)
        ):
            return before
    return period


def trend_window(
    period: Period,
    grain: Grain,
    count: int,
    earliest: date | None,
    latest: date | None,
    today: date,
) -> tuple[Period, int]:
    """The span of a trend by `grain` (month or quarter) for a selected period: its last period
    and how many periods it shows. For a month, quarter or week: at most `count` periods,
    ending with the one that holds the period's last day, and starting no earlier than the
    data (the period holding `earliest`). For all time: every period of the data's range, from
    the first event to the last (not to today); with no data, `count` periods to today's."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if period.end_day is None:
        if earliest is None or latest is None:
            return Period.containing(grain, today), count
        last = Period.containing(grain, latest)
        return last, len(periods_between(grain, earliest, latest))
    last_day = period.end_day - timedelta(days=1)
    last = Period.containing(grain, last_day)
    if earliest is None:
        return last, count
    return last, max(1, min(count, len(periods_between(grain, earliest, last_day))))


def to_date_note(period: Period, today: date) -> str | None:
    """For a period that has begun but not ended on `today`: `Q4 2026 to date (ends 31 Dec):
    its numbers will still change.`; None for a complete period, a future one or all time."""
    if period.first_day is None or period.end_day is None:
        return None
    if not period.first_day <= today < period.end_day:
        return None
    last = period.end_day - timedelta(days=1)
    return f"{period.label} to date (ends {last.day} {last:%b}): its numbers will still change."
