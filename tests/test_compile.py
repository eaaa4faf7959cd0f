"""The metric compiler: registry entries compiled to one SQL statement, checked against counts
worked out by hand on a tiny export; named parameters only; and every registered metric's SQL
portable (it parses as DuckDB SQL and transpiles to Spark SQL)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlglot

from alignment import model, stats
from alignment.db import store
from alignment.filters import Filters
from alignment.ingest import import_file
from alignment.metrics import registry
from alignment.metrics.compile import bucket_starts, compile_periods, compile_series
from alignment.metrics.quality import TRUST_MEASURES
from alignment.metrics.registry import Kpi, Measure, Ratio
from alignment.periods import ALL_TIME, Period

LEADS = """id,channel,created,mql,sql,rejected_reason,converted
L1,Email,2026-03-02,2026-03-05,2026-03-20,,
L2,Email,2026-03-10,2026-03-12,,,
L3,Events,2026-02-20,2026-03-01,,Budget,
L4,Events,2026-03-15,,,,
L5,Events,,,,,1
"""
LEAD_MAPPING = {
    "external_id": "id",
    "channel_raw": "channel",
    "created_at": "created",
    "mql_at": "mql",
    "sql_at": "sql",
    "rejection_reason_raw": "rejected_reason",
    "is_won": "converted",
}
OPPS = """id,channel,created,closed,stage,amount
O1,Email,2026-03-01,2026-03-20,Closed Won,100
O2,Email,2026-03-05,2026-03-25,Closed Lost,50
O3,Events,2026-02-10,2026-03-03,Closed Won,200
O4,Events,2026-03-15,,Negotiation,300
"""
OPP_MAPPING = {
    "external_id": "id",
    "channel_raw": "channel",
    "created_at": "created",
    "closed_at": "closed",
    "stage_raw": "stage",
    "amount": "amount",
}
MARCH = Period.parse("2026-03")
FEBRUARY = Period.parse("2026-02")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> store.Connection:
    path = tmp_path_factory.mktemp("compile") / "c.duckdb"
    connection = model.connect(path)
    import_file(connection, LEADS.encode(), "leads.csv", object_type="leads", mapping=LEAD_MAPPING)
    import_file(
        connection, OPPS.encode(), "opps.csv", object_type="opportunities", mapping=OPP_MAPPING
    )
    yield connection
    connection.close()


def test_kpis_of_one_period_by_hand(con: store.Connection) -> None:
    row = compile_periods(list(registry.KPIS), [MARCH]).run(con).row(0, named=True)
    # leads created in March: L1, L2, L4; the March MQL cohort: L1, L2, L3; of it, SQL: L1
    assert (row["leads"], row["mqls"], row["sqls"]) == (3, 3, 1)
    assert row["mql_to_sql"] == pytest.approx(1 / 3)
    assert row["mql_to_sql_n"] == 3
    low, high = stats.wilson_interval(1, 3)
    assert (row["mql_to_sql_low"], row["mql_to_sql_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    # created in March: O1, O2, O4 (100 + 50 + 300); closed in March: won O1, O3, lost O2
    assert (row["opps_created"], row["pipeline_created"]) == (3, 450.0)
    assert (row["opps_won"], row["opps_lost"]) == (2, 1)
    assert row["win_rate"] == pytest.approx(2 / 3) and row["win_rate_n"] == 3
    # won revenue 100 + 200; mean and median of (100, 200): 150
    assert (row["won_revenue"], row["avg_deal_size"], row["median_deal_size"]) == (
        300.0,
        150.0,
        150.0,
    )


def test_two_periods_in_one_statement_and_all_time(con: store.Connection) -> None:
    items = ["leads", "mqls", "wins", "opps_created"]
    frame = compile_periods(items, [MARCH, FEBRUARY, ALL_TIME]).run(con)
    result = frame.select("slot", *items).rows()
    # February: L3 created; O3 created. All time: 5 leads; MQLs L1, L2, L3 by a date and L5 by
    # its won flag (a won lead reached every earlier stage); wins: L5; 4 opportunities.
    assert result == [(0, 3, 3, 0, 3), (1, 1, 0, 0, 1), (2, 5, 4, 1, 4)]


def test_by_a_dimension_and_filters(con: store.Connection) -> None:
    frame = compile_periods(
        ["mqls", "sqls", "opps_created", "win_rate"], [MARCH], by="channel", order=("mqls DESC",)
    ).run(con)
    result = frame.select("channel", "mqls", "sqls", "opps_created", "win_rate").rows()
    # Email: MQLs L1, L2 (SQL L1); created O1, O2; closed O1 won, O2 lost -> 1/2
    # Events: MQL L3; created O4; closed O3 won -> 1/1
    assert result == [("Email", 2, 1, 2, 0.5), ("Events", 1, 0, 1, 1.0)]
    only_events = compile_periods(["mqls", "opps_created"], [MARCH], Filters(channel=("Events",)))
    assert only_events.run(con).select("mqls", "opps_created").rows() == [(1, 1)]


def test_a_series_by_month(con: store.Connection) -> None:
    starts = bucket_starts("month", date(2026, 1, 15), date(2026, 3, 31))
    assert starts == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    frame = compile_series(["mqls", "opps_created", "won_revenue", "win_rate"], "month", starts)
    result = frame.run(con).select("bucket", "mqls", "opps_created", "won_revenue", "win_rate")
    # January: nothing. February: O3 created. March: see the one-period test.
    assert result.rows() == [
        (date(2026, 1, 1), 0, 0, 0.0, None),
        (date(2026, 2, 1), 0, 1, 0.0, None),
        (date(2026, 3, 1), 3, 3, 300.0, pytest.approx(2 / 3)),
    ]
    quarters = bucket_starts("quarter", date(2026, 2, 1), date(2026, 5, 1))
    assert quarters == [date(2026, 1, 1), date(2026, 4, 1)]
    q = compile_series(["opps_created"], "quarter", quarters).run(con)
    assert q.select("opps_created").to_series().to_list() == [4, 0]  # all four in Q1


def test_a_series_by_month_and_channel(con: store.Connection) -> None:
    starts = bucket_starts("month", date(2026, 1, 1), date(2026, 3, 1))
    items = ["mqls", "opps_created", "pipeline_created", "won_revenue"]
    frame = compile_series(items, "month", starts, by="channel").run(con)
    result = frame.select("bucket", "channel", *items).rows()
    # January: nothing, but both channels have a row of zeros.
    # February: Events created O3 (200).
    # March: Email MQLs L1, L2; created O1 (100) and O2 (50) -> 150; O1 won -> 100.
    #        Events MQL L3; created O4 (300); O3 closed won on 03-03 -> 200.
    expected = [
        (date(2026, 1, 1), "Email", 0, 0, 0.0, 0.0),
        (date(2026, 1, 1), "Events", 0, 0, 0.0, 0.0),
        (date(2026, 2, 1), "Email", 0, 0, 0.0, 0.0),
        (date(2026, 2, 1), "Events", 0, 1, 200.0, 0.0),
        (date(2026, 3, 1), "Email", 2, 2, 150.0, 100.0),
        (date(2026, 3, 1), "Events", 1, 1, 300.0, 200.0),
    ]
    assert result == expected
    only_email = compile_series(
        ["opps_created"], "month", starts, Filters(channel=("Email",)), by="channel"
    ).run(con)
    assert only_email.select("channel", "opps_created").rows() == [
        ("Email", 0),
        ("Email", 0),
        ("Email", 2),
    ]


def test_a_new_ratio_metric_is_one_registry_entry(con: store.Connection) -> None:
    sql_to_won = Kpi(
        "sql_to_won",
        "SQL → Won",
        "rate",
        "Share of the MQL cohort's SQLs that have become customers so far.",
        computation=Ratio("wins", ("sqls",), of="SQLs"),
    )
    row = compile_periods([sql_to_won], [ALL_TIME]).run(con).row(0, named=True)
    # all time: SQLs are L1 (a date) and L5 (its won flag implies SQL); wins: L5 -> 1 / 2
    assert (row["sqls"], row["wins"], row["sql_to_won"]) == (2, 1, 0.5)


def test_values_are_bound_by_name_only() -> None:
    compiled = compile_periods(
        list(registry.KPIS), [MARCH, FEBRUARY], Filters(channel=("Email", "x'); DROP")), by="owner"
    )
    assert "?" not in compiled.sql and "DROP" not in compiled.sql
    used = set(re.findall(r"\$(\w+)", compiled.sql))
    assert used == set(compiled.params)


def test_two_measures_with_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="'mqls'"):
        compile_periods(["mqls", Measure("mqls", "lead_created")], [MARCH])


# ---- portable SQL -----------------------------------------------------------------------------
def _compilable() -> list[Kpi]:
    every = [*registry.KPIS.values(), *(k for ks in registry.PAGE_METRICS.values() for k in ks)]
    return [k for k in every if k.computation is not None]


@pytest.mark.parametrize("metric", _compilable(), ids=lambda k: k.name)
def test_every_metric_s_sql_parses_as_duckdb_and_transpiles_to_spark(metric: Kpi) -> None:
    months = bucket_starts("month", date(2026, 1, 1), date(2026, 3, 1))
    statements = [
        compile_periods([metric], [MARCH, FEBRUARY], Filters(channel=("Email",))).sql,
        compile_periods([metric], [ALL_TIME], by="channel", order=(f"{metric.name} DESC",)).sql,
        compile_series([metric], "month", months).sql,
        compile_series([metric], "month", months, by="channel").sql,
    ]
    for sql in statements:
        sqlglot.parse_one(sql, read="duckdb")
        sqlglot.transpile(
            sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
        )


def test_the_trust_note_measures_transpile_too() -> None:
    sql = compile_periods(TRUST_MEASURES, [MARCH]).sql
    sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def test_the_compiled_kpis_equal_plain_sql_over_the_views(con: store.Connection) -> None:
    # independent of the compiler: the same figures written directly
    expected = con.execute(
        """
        SELECT
          (SELECT count(*) FROM lead_facts WHERE reached_mql_at >= $s AND reached_mql_at < $e),
          (SELECT count(*) FROM opp_facts WHERE outcome = 'won' AND closed_at >= $s
             AND closed_at < $e),
          (SELECT sum(amount) FROM opp_facts WHERE created_at >= $s AND created_at < $e)
        """,
        {"s": MARCH.start, "e": MARCH.end},
    ).fetchone()
    row = compile_periods(["mqls", "opps_won", "pipeline_created"], [MARCH]).run(con).row(0)
    assert row[1:] == expected
