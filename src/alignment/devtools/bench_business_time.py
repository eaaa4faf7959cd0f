"""Timing of the business-time engine (`model.business_time`), not a test:
`python -m alignment.devtools.bench_business_time [--rows 1000000] [--runs 5]`.

Builds the calendar table for three calendars (New York, Berlin, Singapore, each with its
country's public holidays, 2000-2050) in an in-memory DuckDB, then times `business_seconds_sql`
over N random pairs (start within 2020-2029, end up to 30 days later) spread over the three
calendars. Prints the median of the runs for each.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import duckdb

from alignment.db import store
from alignment.model.business_time import business_seconds_sql, write_calendar_table
from alignment.model.sla_contract import Calendar

CALENDARS: dict[str, Calendar] = {
    "2026-01-01/amer": Calendar("amer", "America/New_York", country="US"),
    "2026-01-01/emea": Calendar("emea", "Europe/Berlin", country="DE"),
    "2026-01-01/apac": Calendar("apac", "Asia/Singapore", country="SG"),
}


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    con = store.configure(duckdb.connect(":memory:", config=store.CONNECT_CONFIG))
    write_ms = median_ms(lambda: write_calendar_table(con, CALENDARS), args.runs)
    days = store.scalar(con, "SELECT count(*) FROM business_calendar")
    con.execute(
        "CREATE TABLE pairs AS SELECT i AS id, ($keys)[1 + i % 3] AS calendar, start_at, "
        "start_at + to_microseconds(CAST(random() * 30 * 86400e6 AS BIGINT)) AS end_at "
        "FROM (SELECT i, TIMESTAMPTZ '2020-01-01' "
        "+ to_microseconds(CAST(random() * 10 * 365 * 86400e6 AS BIGINT)) AS start_at "
        "FROM range($rows) AS r(i))",
        {"keys": list(CALENDARS), "rows": args.rows},
    )
    sql = f"SELECT count(*), sum(business_seconds) FROM ({business_seconds_sql('pairs')})"
    query_ms = median_ms(lambda: con.execute(sql).fetchall(), args.runs)
    print(
        f"write_calendar_table, {len(CALENDARS)} calendars x 51 years ({days} rows): "
        f"median {write_ms:.1f} ms of {args.runs}"
    )
    print(f"business_seconds_sql over {args.rows:,} pairs: median {query_ms:.1f} ms of {args.runs}")


if __name__ == "__main__":
    main()
