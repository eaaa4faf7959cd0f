"""Business time: how many seconds a business calendar is open between two instants, computed
in DuckDB from a calendar table (DESIGN section 5, "Business time").

**The tables.** `calendar_days` lays out one row per *local* date of a `Calendar`: the UTC
instants at which that day's opening hours start (`open_at`) and end (`close_at`), their length
(`open_seconds`) and the business seconds of every earlier day of the table (`seconds_before`,
a running sum). `write_calendar_table` stores these rows for several calendars, keyed by any
string (a contract version and a calendar name, say), in `CALENDAR_TABLE` (what `business_days`
counts), the keys' time zones in `CALENDARS_TABLE`, and the same clock cut at UTC midnights in
`SEGMENTS_TABLE` (`utc_days`: one row per UTC day, what `business_seconds_sql` reads).

**The arithmetic.** Business time is a clock that only runs while the calendar is open, so
position an instant on that clock: business(t) = `seconds_before` of t's local date + the part
of that date's open interval before t (clamped to [0, `open_seconds`]). The duration from t1 to
t2 is business(t2) - business(t1): negative when t2 < t1, zero when both fall outside hours on
the same day. `business_seconds` does exactly this for one pair in Python. The SQL does the
same on the UTC-day rows: business(t) = the business time before t's UTC day + the part of each
of that day's (at most three) open pieces before t. A timestamp's UTC day is integer arithmetic
on its epoch microseconds, so each timestamp costs one hash equi-join on (calendar key, UTC
day) and no time-zone conversion: converting 2 million instants to local time in DuckDB
(`timezone()`) took longer than everything else together.

**Why it is right across daylight saving.** Every instant in the tables is a real UTC instant:
a day's opening and closing wall times are converted with the calendar's IANA zone *for that
date*, so a shifted offset moves the day's instants and `open_seconds` is the real length of the
interval (09:00-17:00 is 8 hours on a day the clocks change at 02:00; a 24/7 day is 23 or 25
hours long on change days). Durations are differences of positions on the business clock built
from real instants, never of wall-clock readings. A 24/7 calendar's days run from one local
midnight to the next, each day starting at the very instant the previous one ends, so its
durations are clock seconds exactly.

**Wall times a change skips or repeats.** A day is open from the first instant its local clock
reads `opens` or later until the first instant it reads `closes` or later. When `opens` falls
in the hour skipped in spring, the day opens when the gap ends (the clock jumps past `opens`);
when it falls in the hour repeated in autumn, the day opens at its first occurrence (zoneinfo
`fold=0`) and the repeated stretch counts as open; `closes` likewise. With opening hours away
from the small hours (where zones change) none of this arises.

Zone rules come from polars' time-zone database (the bulk of the conversions) and Python's
zoneinfo (skipped wall times, the local date in `business_seconds`); they agree for the zones
tested, and could differ only where a zone's rules changed after one of them was built.

Out of scope: opening hours across midnight (night shifts: `opens` must be before `closes`)
and more than one interval a day (a lunch break). Timestamps without a time zone are read as
UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import polars as pl

from alignment.db import store
from alignment.db.store import Connection
from alignment.model.sla_contract import Calendar
from alignment.sql import quote_identifier

TABLES_VERSION = "1"
"""Changes when the shape of the tables below changes, so stored ones are rebuilt."""

CALENDAR_TABLE = "business_calendar"
"""One row per (calendar key, local day): `calendar_days` with the key in `calendar`."""
CALENDARS_TABLE = "business_calendars"
"""One row per calendar key: `calendar`, `time_zone` (IANA)."""
FIRST_DAY: date = date(2000, 1, 1)
LAST_DAY: date = date(2050, 12, 31)

DAYS_SCHEMA: dict[str, pl.DataType] = {
    "day": pl.Date(),
    "open_at": pl.Datetime("us", "UTC"),
    "close_at": pl.Datetime("us", "UTC"),
    "open_seconds": pl.Float64(),
    "seconds_before": pl.Float64(),
}
"""The columns of `calendar_days` (and, after `calendar`, of `CALENDAR_TABLE`)."""

SEGMENTS_TABLE = "business_calendar_utc"
"""One row per (calendar key, UTC day): `utc_days`, the table `business_seconds_sql` reads."""
SEGMENTS = 3
"""Open intervals a UTC day can hold (one per local day it overlaps)."""
CALENDAR_SCHEMA: dict[str, pl.DataType] = {"calendar": pl.String(), **DAYS_SCHEMA}
CALENDARS_SCHEMA: dict[str, pl.DataType] = {"calendar": pl.String(), "time_zone": pl.String()}
SEGMENTS_SCHEMA: dict[str, pl.DataType] = {
    "calendar": pl.String(),
    **{
        column: pl.Int64()
        for column in (
            "utc_day",
            "covers_from_us",
            "covers_to_us",
            "before_us",
            *(f"{part}_{n}" for n in range(1, SEGMENTS + 1) for part in ("from_us", "length_us")),
        )
    },
}

DAY_US = 86_400_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)


def time_zone(calendar: Calendar) -> ZoneInfo:
    """The calendar's zone; ValueError naming the calendar when the IANA name is unknown."""
    try:
        return ZoneInfo(calendar.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"Calendar {calendar.name!r}: unknown time zone {calendar.time_zone!r}"
        ) from error


def _check(calendar: Calendar) -> None:
    """Refuse what the table cannot express: overnight hours, weekdays outside Monday-Sunday."""
    if not calendar.always_open and not calendar.opens < calendar.closes:
        raise ValueError(
            f"Calendar {calendar.name!r}: opens at {calendar.opens} but closes at "
            f"{calendar.closes}; opening hours across midnight are not supported"
        )
    if any(day not in range(7) for day in calendar.working_days):
        raise ValueError(
            f"Calendar {calendar.name!r}: working days are 0 (Monday) to 6 (Sunday), "
            f"not {calendar.working_days}"
        )


def closed_days(calendar: Calendar, start: date, end: date) -> set[date]:
    """The dates from start to end the calendar is closed although they are working weekdays:
    public holidays of its country / subdivision (the `holidays` package, observed days
    included) and its `closed_dates`. None for a 24/7 calendar."""
    if calendar.always_open:
        return set()
    closed = {d for d in calendar.closed_dates if start <= d <= end}
    if calendar.country:
        public = holidays.country_holidays(
            calendar.country,
            subdiv=calendar.subdivision,
            years=range(start.year, end.year + 1),
        )
        closed.update(d for d in public if start <= d <= end)
    return closed


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    """The wall-clock reading (naive) of a UTC instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def first_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the clock in `zone` reads `day` at `wall` or later.

    Usually the one instant showing that reading; for a reading shown twice (the hour repeated
    when clocks go back) the first of them (`fold=0`); for a reading that is skipped (the hour
    lost when clocks go forward) the instant the gap ends, found by bisection between the
    readings' two offsets (a few times a year, so speed does not matter)."""
    naive = datetime.combine(day, wall)
    after = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _local(after, zone) == naive:
        return after
    # Skipped: fold=0 reads the wall time with the offset before the change (an instant after
    # the gap), fold=1 with the offset after it (an instant before the gap).
    before = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    resolution = timedelta(microseconds=1)
    while after - before > resolution:
        middle = before + (after - before) / 2
        if _local(middle, zone) >= naive:
            after = middle
        else:
            before = middle
    return after


def _instants(days: pl.Series, wall: time, zone: ZoneInfo) -> pl.Series:
    """`first_instant` of each day at `wall`, vectorised: polars converts the wall times (a
    repeated reading: the earliest), and the few a change skips come back null and are filled
    one by one."""
    instants = (
        days.dt.combine(wall)
        .dt.replace_time_zone(zone.key, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    skipped = instants.is_null().arg_true().to_list()
    if not skipped:
        return instants
    filled = instants.to_list()
    for at in skipped:
        filled[at] = first_instant(days[at], wall, zone)
    return pl.Series(instants.name, filled, dtype=DAYS_SCHEMA["open_at"])


def calendar_days(
    calendar: Calendar, start: date = FIRST_DAY, end: date = LAST_DAY
) -> pl.DataFrame:
    """One row per local date from start to end: day (Date), open_at, close_at (UTC Datetime,
    null when closed all day), open_seconds (Float64), seconds_before (cumulative business
    seconds of all earlier days from `start`).

    A working day (a weekday in `working_days`, not a public holiday of the calendar's country,
    not a `closed_dates` date) is open from `opens` to `closes` local time, converted to UTC
    for that date (see the module docstring for wall times a daylight-saving change skips or
    repeats). A 24/7 calendar is open every day from local midnight to the next local midnight.
    """
    _check(calendar)
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    zone = time_zone(calendar)
    days = pl.date_range(start, end, interval="1d", eager=True).alias("day")
    if calendar.always_open:
        # Each day ends at the instant the next begins, so the days tile the time line exactly.
        midnights = _instants(days.extend_constant(end + _ONE_DAY, 1), _MIDNIGHT, zone)
        opens, closes = midnights.head(-1), midnights.tail(-1)
    else:
        closed = sorted(closed_days(calendar, start, end))
        weekday = days.dt.weekday() - 1  # polars counts Monday = 1, the contract Monday = 0
        working = weekday.is_in(sorted(set(calendar.working_days))) & ~days.is_in(closed)
        frame = pl.DataFrame(
            {
                "working": working,
                "open_at": _instants(days, calendar.opens, zone),
                "close_at": _instants(days, calendar.closes, zone),
            }
        ).select(pl.when("working").then(pl.col("open_at", "close_at")))
        opens, closes = frame.to_series(0), frame.to_series(1)
    length = (closes - opens).dt.total_microseconds().fill_null(0) / 1_000_000
    return pl.DataFrame(
        {
            "day": days,
            "open_at": opens,
            "close_at": closes,
            "open_seconds": length,
            "seconds_before": length.cum_sum() - length,
        },
        schema=DAYS_SCHEMA,
    )


def utc_days(days: pl.DataFrame, covers_from: datetime, covers_to: datetime) -> pl.DataFrame:
    """One row per UTC day from `covers_from` to `covers_to` (the instants a `calendar_days`
    frame covers: its first local midnight to the one after its last day): utc_day (Int64,
    days since 1970-01-01), covers_from_us / covers_to_us (the part of the UTC day the table
    covers, epoch microseconds, end exclusive), before_us (business microseconds of the table
    before the UTC day), and the day's open time as at most `SEGMENTS` intervals
    (from_us_1, length_us_1, ...; an absent one is 0, 0, which adds nothing).

    The same business clock as `days`, indexed by UTC day so that SQL finds an instant's row
    with integer arithmetic instead of converting it to local time (see `business_seconds_sql`).
    Each local day's interval is cut at UTC midnights; a UTC day overlaps at most three local
    days (local days are 23 to 25 hours long, or none when a zone skips a date), so it holds at
    most three pieces. Two is the most real zones give (a 24/7 day, or hours that cross UTC
    midnight); three would take a local day shorter than 24 hours lying wholly inside a UTC day.
    """
    open_days = days.filter(pl.col("open_seconds") > 0).select(
        opened=pl.col("open_at").dt.epoch("us"), closed=pl.col("close_at").dt.epoch("us")
    )
    pieces = (
        open_days.with_columns(
            utc_day=pl.int_ranges(pl.col("opened") // DAY_US, (pl.col("closed") - 1) // DAY_US + 1)
        )
        .explode("utc_day")
        .select(
            "utc_day",
            piece_from=pl.max_horizontal("opened", pl.col("utc_day") * DAY_US),
            piece_to=pl.min_horizontal("closed", (pl.col("utc_day") + 1) * DAY_US),
        )
        .sort("utc_day", "piece_from")
        .group_by("utc_day", maintain_order=True)
        .agg("piece_from", length=pl.col("piece_to") - pl.col("piece_from"))
    )
    if pieces.height and pieces["piece_from"].list.len().max() > SEGMENTS:  # type: ignore[operator]
        raise ValueError(f"more than {SEGMENTS} open intervals in one UTC day")
    start_us, end_us = _epoch_us(covers_from), _epoch_us(covers_to)
    frame = (
        pl.DataFrame(
            {"utc_day": pl.int_range(start_us // DAY_US, (end_us - 1) // DAY_US + 1, eager=True)}
        )
        .join(pieces, on="utc_day", how="left")
        .with_columns(
            total=pl.col("length").list.sum().fill_null(0),
            covers_from_us=pl.max_horizontal(pl.col("utc_day") * DAY_US, pl.lit(start_us)),
            covers_to_us=pl.min_horizontal((pl.col("utc_day") + 1) * DAY_US, pl.lit(end_us)),
        )
    )
    segments = [
        pl.col(source).list.get(n, null_on_oob=True).fill_null(0).alias(f"{column}_{n + 1}")
        for n in range(SEGMENTS)
        for source, column in (("piece_from", "from_us"), ("length", "length_us"))
    ]
    return (
        frame.with_columns(before_us=pl.col("total").cum_sum() - pl.col("total"))
        .select("utc_day", "covers_from_us", "covers_to_us", "before_us", *segments)
        .cast(pl.Int64)
    )


def _epoch_us(instant: datetime) -> int:
    """Microseconds since 1970-01-01 UTC of an aware instant (exact, no float)."""
    return (instant - EPOCH) // timedelta(microseconds=1)


def write_calendar_table(
    con: Connection,
    calendars: Mapping[str, Calendar],
    start: date = FIRST_DAY,
    end: date = LAST_DAY,
    *,
    temporary: bool = False,
) -> None:
    """(Re)create CALENDAR_TABLE (one row per calendar key and local day), CALENDARS_TABLE (one
    row per calendar key) and SEGMENTS_TABLE (one row per calendar key and UTC day, what
    `business_seconds_sql` reads) for these calendars, keyed by the mapping's keys (any
    strings, e.g. "2026-01-01/emea"). Real tables (the app reads them on read-only connections),
    replaced as a whole in the caller's transaction (this opens none). `temporary` makes them
    temporary tables of this connection instead, which hide the stored ones (also on a
    read-only connection: a report judged by a contract file the database does not hold)."""
    day_frames, segment_frames = [], []
    for key, calendar in calendars.items():
        days = calendar_days(calendar, start, end)
        zone = time_zone(calendar)
        covers_from = first_instant(start, _MIDNIGHT, zone)
        covers_to = first_instant(end + _ONE_DAY, _MIDNIGHT, zone)
        tagged = pl.lit(key, pl.String).alias("calendar")
        day_frames.append(days.select(tagged, pl.all()))
        segment_frames.append(utc_days(days, covers_from, covers_to).select(tagged, pl.all()))
    tables = {
        CALENDAR_TABLE: _concat(day_frames, CALENDAR_SCHEMA),
        CALENDARS_TABLE: pl.DataFrame(
            {
                "calendar": list(calendars),
                "time_zone": [time_zone(c).key for c in calendars.values()],
            },
            schema=CALENDARS_SCHEMA,
        ),
        SEGMENTS_TABLE: _concat(segment_frames, SEGMENTS_SCHEMA),
    }
    for table, frame in tables.items():
        rows = f"_{table}_rows"
        con.register(rows, frame.to_arrow())
        try:
            order = ", ".join(quote_identifier(c) for c in frame.columns[:2])
            con.execute(
                f"CREATE OR REPLACE {'TEMPORARY ' if temporary else ''}TABLE "
                f"{quote_identifier(table)} AS "
                f"SELECT * FROM {quote_identifier(rows)} ORDER BY {order}"
            )
        finally:
            con.unregister(rows)


def _concat(frames: list[pl.DataFrame], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The frames one under the other, with this schema also when there are none."""
    return pl.concat(frames).cast(dict(schema)) if frames else pl.DataFrame(schema=dict(schema))


def _utc_day_sql(us: str) -> str:
    """SQL of the UTC day number (days since 1970-01-01) of epoch microseconds `us`: floor
    division (DuckDB's `//` truncates towards zero, wrong before 1970)."""
    return f"(({us}) - ((({us}) % {DAY_US}) + {DAY_US}) % {DAY_US}) // {DAY_US}"


def business_seconds_sql(
    relation: str,
    *,
    calendar: str = "calendar",
    start: str = "start_at",
    end: str = "end_at",
    name: str = "business_seconds",
) -> str:
    """SQL selecting every column of `relation` (a table name or a parenthesised subquery / CTE
    name, inserted as written) plus `name` (DOUBLE): business seconds from `start` to `end`,
    one row per row of `relation`, in the row's calendar key (column `calendar`).

    NULL when either timestamp is NULL, the calendar is unknown, or a timestamp falls outside
    the table's days. Negative when end < start (antisymmetric). Usable inside a larger query as
    a CTE. Reads SEGMENTS_TABLE (`write_calendar_table`). Timestamps without a time zone
    (TIMESTAMP) are read as UTC.

    Each timestamp finds its row with one equi-join on (calendar key, UTC day number), the
    number computed from its epoch microseconds; the position on the business clock is
    integer arithmetic (the row's business microseconds before the UTC day plus the part of
    each of its open intervals before the instant), and only the final difference becomes
    seconds. No time-zone conversion per row: the zone was applied when the table was built.
    """
    key = f"_bt_rows.{quote_identifier(calendar)}"
    instants = {
        "_bt_start": f"epoch_us(_bt_rows.{quote_identifier(start)})",
        "_bt_end": f"epoch_us(_bt_rows.{quote_identifier(end)})",
    }

    def join(alias: str) -> str:
        return (
            f"LEFT JOIN {quote_identifier(SEGMENTS_TABLE)} AS {alias} "
            f"ON {alias}.calendar = {key} AND {alias}.utc_day = {_utc_day_sql(instants[alias])}"
        )

    def position(alias: str) -> str:
        """Business microseconds of the table before the instant; NULL outside the table."""
        us = instants[alias]
        # A CASE per interval: cheaper in DuckDB than least(greatest(...)).
        into = " + ".join(
            f"CASE WHEN {us} <= {alias}.from_us_{n} THEN 0 "
            f"WHEN {us} >= {alias}.from_us_{n} + {alias}.length_us_{n} "
            f"THEN {alias}.length_us_{n} ELSE {us} - {alias}.from_us_{n} END"
            for n in range(1, SEGMENTS + 1)
        )
        return (
            f"CASE WHEN {us} >= {alias}.covers_from_us AND {us} < {alias}.covers_to_us "
            f"THEN {alias}.before_us + {into} END"
        )

    return (
        f"SELECT _bt_rows.*, "
        f"({position('_bt_end')} - {position('_bt_start')}) / 1000000 "
        f"AS {quote_identifier(name)}\n"
        f"FROM {relation} AS _bt_rows\n"
        f"{join('_bt_start')}\n"
        f"{join('_bt_end')}"
    )


def business_days(con: Connection, calendar: str, start: date, end: date) -> int:
    """Working days (days with open_seconds > 0) of the calendar key from start to end
    inclusive, counted in CALENDAR_TABLE (0 for an unknown key or an empty range)."""
    return int(
        store.scalar(
            con,
            f"SELECT count(*) FROM {quote_identifier(CALENDAR_TABLE)} "
            "WHERE calendar = $calendar AND day BETWEEN $start AND $end AND open_seconds > 0",
            {"calendar": calendar, "start": start, "end": end},
        )
    )


def _as_utc(instant: datetime) -> datetime:
    """An aware instant in UTC; a naive one is read as UTC (as the SQL path reads TIMESTAMP)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def business_seconds(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Business seconds from `start` to `end` in the calendar, for one pair in plain Python,
    from `calendar_days` over just the dates between them (for tests, CLI explanations and small
    checks; not the per-row path). Negative when end < start; naive datetimes are UTC."""
    zone = time_zone(calendar)
    first, last = sorted((_as_utc(start), _as_utc(end)))
    days = calendar_days(calendar, first.astimezone(zone).date(), last.astimezone(zone).date())
    by_day = {row["day"]: row for row in days.iter_rows(named=True)}

    def position(instant: datetime) -> float:
        row = by_day[instant.astimezone(zone).date()]
        into = timedelta(0)
        if row["open_at"] is not None:
            into = min(
                max(instant - row["open_at"], timedelta(0)), row["close_at"] - row["open_at"]
            )
        return row["seconds_before"] + into.total_seconds()

    return position(_as_utc(end)) - position(_as_utc(start))
