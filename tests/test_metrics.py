"""Overview metrics and the registry, against a tiny database whose numbers are worked out by
hand below (every expected value carries its arithmetic).

The fixture (all timestamps UTC; `-` = empty):

    lead  created     channel      mql               sal    sql    opp    won
    L1    2026-03-02  Email        03-03             03-05  03-10  -      -
    L2    2026-03-04  Email        03-31 23:30       -      -      -      -
    L3    2026-03-05  Paid Search  03-07             -      03-20  -      -      (skipped SAL)
    L4    2026-03-10  Paid Search  -                 -      -      -      -      (never MQL)
    L5    2026-02-20  Email        03-01 00:00       03-03  -      -      -      (created Feb)
    L6    2026-03-15  Events       04-01 00:00       -      -      -      -      (MQL in April)
    L7    2026-03-20  Paid Search  03-25             03-28  04-05  04-10  05-01  (SQL in April)
    L8    2026-02-02  Email        02-05             02-07  02-10  02-15  03-10
    L9    2026-02-10  Paid Search  02-12             -      -      -      -
    L10   2026-02-12  Events       02-14             02-16  02-25  -      -
    L11   2026-01-05  Paid Search  01-08             01-09  01-12  01-15  -
    L12   -           (not set)    -                 -      -      -      -      (undated)

    opp  created     closed      stage        amount  channel
    O1   2026-03-05  2026-03-20  Closed Won   10,000  Email
    O2   2026-03-10  2026-03-25  Closed Won   -       Paid Search  (no amount)
    O3   2026-01-15  2026-03-15  Closed Lost   5,000  Paid Search  (created Jan, lost Mar)
    O4   2026-03-12  -           Negotiation  20,000  Email        (open)
    O5   2026-02-03  2026-02-25  Closed Won    9,000  Email
    O6   2026-02-10  2026-02-27  Closed Lost   4,000  Events
    O7   -           -           Closed Won    3,000  (not set)    (undated won)
    O8   2026-03-20  2026-03-28  Closed Won    6,000  Events
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model, stats
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import overview, registry
from alignment.model import facts
from alignment.periods import ALL_TIME, Period
from alignment.present import format
from alignment.selection import Selection

MARCH = Period.month(2026, 3)
FEBRUARY = Period.month(2026, 2)
Q1 = Period.quarter(2026, 1)

LEADS = """
('L1',  '2026-03-02', 'Email',       'SMB',        '2026-03-03', '2026-03-05', '2026-03-10', NULL,         NULL),
('L2',  '2026-03-04', 'Email',       'SMB',        '2026-03-31 23:30', NULL,   NULL,         NULL,         NULL),
('L3',  '2026-03-05', 'Paid Search', 'Enterprise', '2026-03-07', NULL,         '2026-03-20', NULL,         NULL),
('L4',  '2026-03-10', 'Paid Search', 'SMB',        NULL,         NULL,         NULL,         NULL,         NULL),
('L5',  '2026-02-20', 'Email',       'Enterprise', '2026-03-01', '2026-03-03', NULL,         NULL,         NULL),
('L6',  '2026-03-15', 'Events',      'SMB',        '2026-04-01', NULL,         NULL,         NULL,         NULL),
('L7',  '2026-03-20', 'Paid Search', 'SMB',        '2026-03-25', '2026-03-28', '2026-04-05', '2026-04-10', '2026-05-01'),
('L8',  '2026-02-02', 'Email',       'SMB',        '2026-02-05', '2026-02-07', '2026-02-10', '2026-02-15', '2026-03-10'),
('L9',  '2026-02-10', 'Paid Search', 'SMB',        '2026-02-12', NULL,         NULL,         NULL,         NULL),
('L10', '2026-02-12', 'Events',      'Enterprise', '2026-02-14', '2026-02-16', '2026-02-25', NULL,         NULL),
('L11', '2026-01-05', 'Paid Search', 'Enterprise', '2026-01-08', '2026-01-09', '2026-01-12', '2026-01-15', NULL),
('L12', NULL,         NULL,          NULL,         NULL,         NULL,         NULL,         NULL,         NULL)
"""  # noqa: E501

OPPORTUNITIES = """
('O1', '2026-03-05', '2026-03-20', 'Closed Won',  10000, 'Email'),
('O2', '2026-03-10', '2026-03-25', 'Closed Won',  NULL,  'Paid Search'),
('O3', '2026-01-15', '2026-03-15', 'Closed Lost', 5000,  'Paid Search'),
('O4', '2026-03-12', NULL,         'Negotiation', 20000, 'Email'),
('O5', '2026-02-03', '2026-02-25', 'Closed Won',  9000,  'Email'),
('O6', '2026-02-10', '2026-02-27', 'Closed Lost', 4000,  'Events'),
('O7', NULL,         NULL,         'Closed Won',  3000,  NULL),
('O8', '2026-03-20', '2026-03-28', 'Closed Won',  6000,  'Events')
"""


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "m.duckdb")
    connection.execute(
        f"""
        INSERT INTO leads (lead_id, source_system, external_id, created_at, channel, segment,
                           mql_at, sal_at, sql_at, opp_at, won_at)
        SELECT 'test:' || id, 'test', id, created, channel, segment, mql, sal, sql_, opp, won
        FROM (VALUES {LEADS}) v(id, created, channel, segment, mql, sal, sql_, opp, won)
        """
    )
    connection.execute(
        f"""
        INSERT INTO opportunities (opp_id, source_system, external_id, created_at, closed_at,
                                   stage_raw, amount, channel)
        SELECT 'test:' || id, 'test', id, created, closed, stage, amount, channel
        FROM (VALUES {OPPORTUNITIES}) v(id, created, closed, stage, amount, channel)
        """
    )
    facts.refresh(connection)  # written like the app writes: fact tables rebuilt
    yield connection
    connection.close()


def _row(frame: pl.DataFrame, index: int = 0) -> dict[str, object]:
    return frame.row(index, named=True)


def _assert_values(result: dict[str, object], expected: dict[str, object]) -> None:
    for name, value in expected.items():
        if isinstance(value, float):
            assert result[name] == pytest.approx(value, abs=1e-9), name
        else:
            assert result[name] == value, name


# ---- kpis ---------------------------------------------------------------------------------
def test_march_kpis(con: store.Connection) -> None:
    result = _row(overview.kpis(con, MARCH))
    expected = {
        # created in March: L1, L2, L3, L4, L6, L7 = 6 (L5 was created in February)
        "leads": 6,
        # March MQL cohort: L1, L2 (23:30 on the 31st), L3, L5 (00:00 on the 1st), L7 = 5;
        # L6 became an MQL at 00:00 on 1 April, so it is April's
        "mqls": 5,
        # reached SAL: L1, L3 (skipped SAL, is SQL), L5, L7 = 4
        "sals": 4,
        # reached SQL: L1, L3, L7 (SQL in April still counts for the March cohort) = 3
        "sqls": 3,
        "opps": 1,  # L7
        "wins": 1,  # L7 (won in May)
        "mql_to_sql": 3 / 5,  # 0.6
        "mql_to_won": 1 / 5,  # 0.2
        # created in March: O1, O2, O4, O8 = 4 (O3 was created in January)
        "opps_created": 4,
        # closed in March: won O1, O2, O8 = 3; lost O3 = 1 (created in January, counts here)
        "opps_won": 3,
        "opps_lost": 1,
        "win_rate": 3 / 4,  # 0.75
        # O1 10,000 + O2 (no amount) + O4 20,000 + O8 6,000 = 36,000
        "pipeline_created": 36_000.0,
        # O1 10,000 + O8 6,000 = 16,000
        "won_revenue": 16_000.0,
        # mean over the two amounts: 16,000 / 2 = 8,000 (O2 without amount is left out)
        "avg_deal_size": 8_000.0,
        "median_deal_size": 8_000.0,  # (6,000 + 10,000) / 2
    }
    _assert_values(result, expected)


def test_february_kpis(con: store.Connection) -> None:
    result = _row(overview.kpis(con, FEBRUARY))
    expected = {
        "leads": 4,  # L5, L8, L9, L10
        "mqls": 3,  # L8, L9, L10
        "sals": 2,  # L8, L10
        "sqls": 2,  # L8, L10
        "opps": 1,  # L8
        "wins": 1,  # L8 (won in March)
        "mql_to_sql": 2 / 3,
        "mql_to_won": 1 / 3,
        "opps_created": 2,  # O5, O6
        "opps_won": 1,  # O5
        "opps_lost": 1,  # O6
        "win_rate": 0.5,
        "pipeline_created": 13_000.0,  # 9,000 + 4,000
        "won_revenue": 9_000.0,
        "avg_deal_size": 9_000.0,
        "median_deal_size": 9_000.0,
    }
    _assert_values(result, expected)


def test_quarter_kpis(con: store.Connection) -> None:
    result = _row(overview.kpis(con, Q1))
    expected = {
        "leads": 11,  # January L11 + February 4 + March 6
        "mqls": 9,  # L11 + 3 + 5
        "sals": 7,  # L11 + 2 + 4
        "sqls": 6,  # L11 + 2 + 3
        "opps": 3,  # L11, L8, L7
        "wins": 2,  # L8, L7
        "mql_to_sql": 6 / 9,
        "mql_to_won": 2 / 9,
        "opps_created": 7,  # O3 (Jan), O5, O6 (Feb), O1, O2, O4, O8 (Mar)
        "opps_won": 4,  # O5, O1, O2, O8
        "opps_lost": 2,  # O6, O3
        "win_rate": 4 / 6,
        # 5,000 + 9,000 + 4,000 + 10,000 + 20,000 + 6,000 = 54,000
        "pipeline_created": 54_000.0,
        # 9,000 + 10,000 + 6,000 = 25,000 over three amounts -> mean 8,333.33, median 9,000
        "won_revenue": 25_000.0,
        "avg_deal_size": 25_000 / 3,
        "median_deal_size": 9_000.0,
    }
    _assert_values(result, expected)


def test_all_time_counts_everything_even_undated_records(con: store.Connection) -> None:
    result = _row(overview.kpis(con, ALL_TIME))
    expected = {
        "leads": 12,  # L1..L12, L12 has no creation date
        "mqls": 10,  # every lead but L4 and L12
        "sals": 7,  # L1, L3, L5, L7, L8, L10, L11
        "sqls": 6,  # L1, L3, L7, L8, L10, L11
        "opps": 3,  # L7, L8, L11
        "wins": 2,  # L7, L8
        "mql_to_sql": 6 / 10,
        "mql_to_won": 2 / 10,
        "opps_created": 8,  # O1..O8, O7 undated
        "opps_won": 5,  # O1, O2, O5, O7 (no close date), O8
        "opps_lost": 2,  # O3, O6
        "win_rate": 5 / 7,
        "pipeline_created": 57_000.0,  # 54,000 + O7 3,000
        "won_revenue": 28_000.0,  # 25,000 + 3,000
        "avg_deal_size": 7_000.0,  # 28,000 / 4 amounts
        "median_deal_size": 7_500.0,  # 3,000 6,000 | 9,000 10,000 -> (6,000 + 9,000) / 2
    }
    _assert_values(result, expected)


def test_kpis_columns_and_types(con: store.Connection) -> None:
    result = overview.kpis(con, MARCH)
    assert result.columns == list(overview.KPI_COLUMNS)
    assert result.height == 1
    counts = [n for n, k in registry.KPIS.items() if k.unit == "count"]
    assert {result.schema[c] for c in counts} == {pl.Int64}
    others = [c for c in result.columns if c not in counts]
    assert {result.schema[c] for c in others} == {pl.Float64}


def test_wilson_bounds_match_stats(con: store.Connection) -> None:
    result = _row(overview.kpis(con, MARCH))
    low, high = stats.wilson_interval(3, 5)  # 3 of 5 March MQLs reached SQL
    assert result["mql_to_sql_low"] == pytest.approx(low, abs=1e-12)
    assert result["mql_to_sql_high"] == pytest.approx(high, abs=1e-12)
    low, high = stats.wilson_interval(3, 4)  # 3 won of 4 closed
    assert result["win_rate_low"] == pytest.approx(low, abs=1e-12)
    assert result["win_rate_high"] == pytest.approx(high, abs=1e-12)
    assert result["win_rate_low"] < 0.75 < result["win_rate_high"]


def test_empty_period_gives_zeros_and_null_rates(con: store.Connection) -> None:
    result = overview.kpis(con, Period.month(2025, 6))
    assert result.height == 1
    row = _row(result)
    for name in ("leads", "mqls", "sqls", "opps_created", "opps_won", "opps_lost"):
        assert row[name] == 0, name
    assert row["pipeline_created"] == 0.0 and row["won_revenue"] == 0.0
    for name in ("mql_to_sql", "mql_to_won", "win_rate", "avg_deal_size", "median_deal_size"):
        assert row[name] is None, name
    assert row["mql_to_sql_low"] is None and row["win_rate_high"] is None


def test_kpis_by_channel(con: store.Connection) -> None:
    result = overview.kpis(con, MARCH, by="channel").select(
        "channel",
        "leads",
        "mqls",
        "sals",
        "sqls",
        "opps",
        "wins",
        "mql_to_sql",
        "opps_created",
        "opps_won",
        "opps_lost",
        "win_rate",
        "pipeline_created",
        "won_revenue",
        "avg_deal_size",
    )
    expected = pl.DataFrame(
        [
            # Email: created L1, L2; MQL L1, L2, L5 (created Feb); SAL L1, L5; SQL L1.
            # Opps: O1 (created, won 10,000), O4 (created, open 20,000).
            ("Email", 2, 3, 2, 1, 0, 0, 1 / 3, 2, 1, 0, 1.0, 30_000.0, 10_000.0, 10_000.0),
            # Paid Search: created L3, L4, L7; MQL L3, L7; SAL and SQL L3 (skipped), L7.
            # Opps: O2 (created, won, no amount), O3 (lost; created in January).
            ("Paid Search", 3, 2, 2, 2, 1, 1, 1.0, 1, 1, 1, 0.5, 0.0, 0.0, None),
            # Events: created L6 (an April MQL). Opps: O8 (created and won, 6,000).
            ("Events", 1, 0, 0, 0, 0, 0, None, 1, 1, 0, 1.0, 6_000.0, 6_000.0, 6_000.0),
        ],
        schema={
            "channel": pl.String,
            "leads": pl.Int64,
            "mqls": pl.Int64,
            "sals": pl.Int64,
            "sqls": pl.Int64,
            "opps": pl.Int64,
            "wins": pl.Int64,
            "mql_to_sql": pl.Float64,
            "opps_created": pl.Int64,
            "opps_won": pl.Int64,
            "opps_lost": pl.Int64,
            "win_rate": pl.Float64,
            "pipeline_created": pl.Float64,
            "won_revenue": pl.Float64,
            "avg_deal_size": pl.Float64,
        },
        orient="row",
    )
    # sorted by MQLs descending: Email 3, Paid Search 2, Events 0
    assert_frame_equal(result, expected)


def test_by_rows_add_up_to_the_total(con: store.Connection) -> None:
    for period in (MARCH, Q1, ALL_TIME):
        total = _row(overview.kpis(con, period))
        by = overview.kpis(con, period, by="segment")
        for name in (*overview.LEAD_COUNTS, *overview.OPP_COUNTS, "won_revenue"):
            assert by[name].sum() == total[name], (period.key, name)


def test_all_time_by_channel_keeps_not_set(con: store.Connection) -> None:
    result = overview.kpis(con, ALL_TIME, by="channel")
    assert result.columns[0] == "channel"
    assert sorted(result["channel"].to_list()) == ["(not set)", "Email", "Events", "Paid Search"]
    not_set = _row(result.filter(pl.col("channel") == "(not set)"))
    # L12 (undated lead) and O7 (undated won opportunity, 3,000)
    _assert_values(not_set, {"leads": 1, "mqls": 0, "opps_won": 1, "won_revenue": 3_000.0})


def test_channel_filter(con: store.Connection) -> None:
    result = _row(overview.kpis(con, Selection(MARCH, filters=Filters(channel=("Email",)))))
    expected = {
        "leads": 2,  # L1, L2
        "mqls": 3,  # L1, L2, L5
        "sals": 2,  # L1, L5
        "sqls": 1,  # L1
        "mql_to_sql": 1 / 3,
        "opps_created": 2,  # O1, O4
        "opps_won": 1,  # O1
        "opps_lost": 0,
        "win_rate": 1.0,
        "pipeline_created": 30_000.0,
        "won_revenue": 10_000.0,
    }
    _assert_values(result, expected)
    two = _row(overview.kpis(con, Selection(MARCH, filters=Filters(channel=("Email", "Events")))))
    assert two["leads"] == 3 and two["opps_won"] == 2  # + L6, + O8


def test_unknown_dimension_is_refused(con: store.Connection) -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        overview.kpis(con, MARCH, by="colour; DROP TABLE leads")
    with pytest.raises(ValueError, match="unknown dimension"):
        overview.dimension_values(con, "colour")


# ---- comparison -----------------------------------------------------------------------------
def test_kpi_comparison_with_the_previous_month(con: store.Connection) -> None:
    result = overview.kpi_comparison(con, Selection(MARCH, "previous"))
    assert result.columns == [
        "name",
        "label",
        "unit",
        "current",
        "previous",
        "p_value",
        "definition",
    ]
    assert result["name"].to_list() == list(registry.KPIS)
    p_values = dict(zip(result["name"], result["p_value"], strict=True))
    # MQLs 5 vs 3: z = (|5 - 3| - 1) / sqrt(8) = 0.3536 -> p = 2 (1 - Phi(0.3536)) = 0.724
    assert p_values["mqls"] == pytest.approx(0.7237, abs=1e-4)
    # win rate 3 of 4 vs 1 of 2: pooled 4/6, se sqrt(4/6 * 2/6 * (1/4 + 1/2)) = 0.4082,
    # z = 0.25 / 0.4082 = 0.6124 -> p = 0.540
    assert p_values["win_rate"] == pytest.approx(0.5403, abs=1e-4)
    assert p_values["pipeline_created"] is None  # an amount: no test
    shown = result.filter(
        pl.col("name").is_in(
            ["mqls", "mql_to_sql", "sqls", "opps_created", "pipeline_created", "won_revenue"]
            + ["win_rate", "avg_deal_size"]
        )
    ).select("name", "current", "previous")
    # the change as the tile writes it (present.format.metric_delta), from these two values
    shown = shown.with_columns(
        pl.Series(
            "delta_text",
            [format.metric_delta(n, c, p) for n, c, p in shown.iter_rows()],
            dtype=pl.String,
        )
    )
    expected = pl.DataFrame(
        [
            ("mqls", 5.0, 3.0, "+67 %"),  # 5 / 3 - 1 = +66.7 %
            ("sqls", 3.0, 2.0, "+50 %"),
            ("mql_to_sql", 0.6, 2 / 3, "-6.7 pts"),  # 60.0 % - 66.7 %
            ("opps_created", 4.0, 2.0, "+100 %"),
            ("win_rate", 0.75, 0.5, "+25.0 pts"),
            ("pipeline_created", 36_000.0, 13_000.0, "+177 %"),  # 36 / 13 - 1 = +176.9 %
            ("won_revenue", 16_000.0, 9_000.0, "+78 %"),  # 16 / 9 - 1 = +77.8 %
            ("avg_deal_size", 8_000.0, 9_000.0, "-11 %"),  # 8 / 9 - 1 = -11.1 %
        ],
        schema={
            "name": pl.String,
            "current": pl.Float64,
            "previous": pl.Float64,
            "delta_text": pl.String,
        },
        orient="row",
    )
    assert_frame_equal(shown.sort("name"), expected.sort("name"))
    win = _row(result.filter(pl.col("name") == "win_rate"))
    assert win["label"] == "Win rate" and win["unit"] == "rate"
    assert win["definition"] == registry.KPIS["win_rate"].definition


def test_kpi_comparison_without_a_comparison_period(con: store.Connection) -> None:
    for period, comparison in ((MARCH, "none"), (ALL_TIME, "previous")):
        result = overview.kpi_comparison(con, Selection(period, comparison))
        assert result.height == len(registry.KPIS)
        assert result["previous"].null_count() == result.height
    current = overview.kpi_comparison(con, Selection(ALL_TIME, "previous"))
    assert _row(current.filter(pl.col("name") == "leads"))["current"] == 12.0


def test_kpi_comparison_with_last_year_when_there_was_nothing(con: store.Connection) -> None:
    result = overview.kpi_comparison(con, Selection(MARCH, "last_year"))  # March 2025: no data
    rows = {r["name"]: r for r in result.to_dicts()}
    assert rows["mqls"]["previous"] == 0.0
    assert format.metric_delta("mqls", rows["mqls"]["current"], 0.0) == "new"
    # a rate over nothing has no previous value, so no delta either
    assert rows["win_rate"]["previous"] is None


def test_kpi_comparison_rejects_an_unknown_comparison(con: store.Connection) -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        overview.kpi_comparison(con, Selection(MARCH, "yesterday"))  # type: ignore[arg-type]


def test_overview_tiles_read_these_frames(con: store.Connection) -> None:
    from alignment.present import tiles

    result = {
        tile.name: tile
        for tile in tiles.overview_tiles(
            overview.kpi_comparison(con, Selection(MARCH, "previous")), overview.kpis(con, MARCH)
        )
    }
    assert list(result) == list(tiles.OVERVIEW_TILES)
    assert (result["mqls"].value, result["mqls"].delta) == ("5", "+67 %")
    assert (result["mql_to_sql"].value, result["mql_to_sql"].delta) == ("60 %", "-6.7 pts")
    # Wilson 95 % for 3 of 5 = (0.2307, 0.8824); for 3 of 4 = (0.3006, 0.9544)
    assert result["mql_to_sql"].caption == "3 of 5 MQLs · 95 % CI 23–88 %"
    assert result["win_rate"].caption == "3 of 4 closed opportunities · 95 % CI 30–95 %"
    assert (result["pipeline_created"].value, result["pipeline_created"].delta) == (
        "$36k",
        "+177 %",
    )
    assert (result["avg_deal_size"].value, result["avg_deal_size"].delta) == ("$8k", "-11 %")
    # MQLs +67 % on 5 vs 3 is inside the noise (p = 0.72): shown grey, the p-value in the help
    assert result["mqls"].delta_color == "off"
    assert result["mqls"].help.endswith("The change is within the noise (p = 0.72).")
    # an amount has no test: coloured as before
    assert result["pipeline_created"].delta_color == "normal"


def test_a_delta_is_coloured_only_when_it_is_news() -> None:
    from alignment.present import tiles

    assert tiles.delta_judgement("mqls", 0.01, maturing=False) == (
        "normal",
        "The change is unlikely to be chance (p = 0.01).",
    )
    assert tiles.delta_judgement("mqls", 0.0001, maturing=False, higher_is_better=False)[0] == (
        "inverse"
    )
    assert tiles.delta_judgement("mqls", 0.2, maturing=True)[0] == "off"  # noise
    # a significant drop of a maturing cohort's SQLs is not news yet; its MQL count is
    assert tiles.delta_judgement("sqls", 0.001, maturing=True)[0] == "off"
    assert tiles.delta_judgement("mqls", 0.001, maturing=True)[0] == "normal"
    assert tiles.delta_judgement("pipeline_created", None, maturing=False) == ("normal", "")


# ---- monthly trend ----------------------------------------------------------------------------
TREND_SCHEMA = {
    "month": pl.Date,
    "label": pl.String,
    "mqls": pl.Int64,
    "sqls": pl.Int64,
    "mql_to_sql": pl.Float64,
    "opps_created": pl.Int64,
    "pipeline_created": pl.Float64,
    "opps_won": pl.Int64,
    "opps_lost": pl.Int64,
    "won_revenue": pl.Float64,
    "win_rate": pl.Float64,
    "maturing": pl.Boolean,
}


def test_monthly_trend(con: store.Connection) -> None:
    now = datetime(2026, 4, 5, tzinfo=UTC)
    result = overview.monthly_trend(con, MARCH, 4, now=now)
    # p80 of MQL->SQL days is 11 (see test_cohort_maturity); March closed 4 days before `now`
    expected = pl.DataFrame(
        [
            # December: nothing at all -> zeros and null rates
            (date(2025, 12, 1), "Dec 2025", 0, 0, None, 0, 0.0, 0, 0, 0.0, None, False),
            # January: L11 MQL -> SQL; O3 created (5,000), closed in March
            (date(2026, 1, 1), "Jan 2026", 1, 1, 1.0, 1, 5_000.0, 0, 0, 0.0, None, False),
            # February: as test_february_kpis
            (date(2026, 2, 1), "Feb 2026", 3, 2, 2 / 3, 2, 13_000.0, 1, 1, 9_000.0, 0.5, False),
            # March: as test_march_kpis; the cohort is 4 days old < 11 -> maturing
            (date(2026, 3, 1), "Mar 2026", 5, 3, 0.6, 4, 36_000.0, 3, 1, 16_000.0, 0.75, True),
        ],
        schema=TREND_SCHEMA,
        orient="row",
    )
    assert_frame_equal(result, expected)
    assert result.columns == list(overview.TREND_COLUMNS)


def test_trend_by_quarter_adds_up_the_months(con: store.Connection) -> None:
    now = datetime(2026, 4, 5, tzinfo=UTC)
    result = overview.monthly_trend(con, Q1, 2, now=now, bucket="quarter")
    # Q4 2025: nothing; Q1 2026 = January + February + March of test_monthly_trend:
    # MQLs 1 + 3 + 5 = 9, SQLs 1 + 2 + 3 = 6, created 1 + 2 + 4 = 7, pipeline 5k + 13k + 36k,
    # won 0 + 1 + 3 = 4, lost 0 + 1 + 1 = 2 (win rate 4 / 6), revenue 9k + 16k = 25k; Q1 ended
    # 4 days before `now` (< p80 of 11 days) -> maturing
    expected = pl.DataFrame(
        [
            (date(2025, 10, 1), "Q4 2025", 0, 0, None, 0, 0.0, 0, 0, 0.0, None, False),
            (date(2026, 1, 1), "Q1 2026", 9, 6, 6 / 9, 7, 54_000.0, 4, 2, 25_000.0, 4 / 6, True),
        ],
        schema=TREND_SCHEMA,
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_monthly_trend_ending_at_a_quarter_and_in_april(con: store.Connection) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    quarter = overview.monthly_trend(con, Q1, 3, now=now)
    assert quarter["label"].to_list() == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert quarter["mqls"].to_list() == [1, 3, 5]
    assert quarter["maturing"].to_list() == [False, False, False]  # all older than 11 days
    april = overview.monthly_trend(con, Period.month(2026, 4), 2, now=now)
    # April: L6 became an MQL at 00:00 on 1 April and has not reached SQL; nothing else
    assert _row(april, 1) == {
        "month": date(2026, 4, 1),
        "label": "Apr 2026",
        "mqls": 1,
        "sqls": 0,
        "mql_to_sql": 0.0,
        "opps_created": 0,
        "pipeline_created": 0.0,
        "opps_won": 0,
        "opps_lost": 0,
        "won_revenue": 0.0,
        "win_rate": None,
        "maturing": False,  # April ended 31 days before `now`
    }


def test_monthly_trend_with_a_filter_matches_kpis(con: store.Connection) -> None:
    email = Filters(channel=("Email",))
    trend = overview.monthly_trend(
        con, Selection(MARCH, filters=email), 2, now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    for month_row, period in zip(trend.to_dicts(), (FEBRUARY, MARCH), strict=True):
        kpi_row = _row(overview.kpis(con, Selection(period, filters=email)))
        for name in ("mqls", "sqls", "opps_created", "pipeline_created", "opps_won", "win_rate"):
            assert month_row[name] == kpi_row[name], (period.key, name)


def test_monthly_trend_feeds_the_charts(con: store.Connection) -> None:
    from alignment.present import charts

    trend = overview.monthly_trend(con, MARCH, 6)
    assert len(charts.mql_trend(trend, "MQLs").data) == 3
    assert len(charts.revenue_trend(trend, "Revenue").data) == 3


# ---- cohort maturity -----------------------------------------------------------------------
def test_cohort_maturity(con: store.Connection) -> None:
    # days from reaching MQL to reaching SQL: L11 4, L8 5, L1 7, L7 11, L10 11, L3 13
    # p80 (linear interpolation): position 0.8 * (6 - 1) = 4 -> the fifth value, 11 days
    early = overview.cohort_maturity(con, MARCH, now=datetime(2026, 4, 5, tzinfo=UTC))
    assert early == {"maturing": True, "p80_days": 11.0, "age_days": 4.0}
    late = overview.cohort_maturity(con, MARCH, now=datetime(2026, 4, 20, tzinfo=UTC))
    assert late == {"maturing": False, "p80_days": 11.0, "age_days": 19.0}
    # Email only: L8 5, L1 7 -> 5 + 0.8 * (7 - 5) = 6.6 days; March is 4 days old
    email = overview.cohort_maturity(
        con,
        Selection(MARCH, filters=Filters(channel=("Email",))),
        now=datetime(2026, 4, 5, tzinfo=UTC),
    )
    assert email["p80_days"] == pytest.approx(6.6) and email["maturing"] is True
    always = overview.cohort_maturity(con, ALL_TIME, now=datetime(2026, 4, 5, tzinfo=UTC))
    assert always["maturing"] is False and always["age_days"] is None


def test_cohort_maturity_without_history(tmp_path: Path) -> None:
    empty = model.connect(tmp_path / "empty.duckdb")
    result = overview.cohort_maturity(empty, MARCH, now=datetime(2026, 4, 5, tzinfo=UTC))
    assert result == {"maturing": False, "p80_days": None, "age_days": 4.0}
    assert overview.data_date_range(empty) == (None, None)
    assert overview.dimension_values(empty, "channel") == []
    assert overview.kpis(empty, ALL_TIME, by="owner").height == 0
    empty.close()


# ---- filter choices and data range --------------------------------------------------------
def test_dimension_values(con: store.Connection) -> None:
    assert overview.dimension_values(con, "channel") == [
        "(not set)",
        "Email",
        "Events",
        "Paid Search",
    ]
    # segment: leads only (opportunities have none here), plus "(not set)" for L12 and the opps
    assert overview.dimension_values(con, "segment") == ["(not set)", "Enterprise", "SMB"]


def test_data_date_range(con: store.Connection) -> None:
    # earliest: L11 created 5 January; latest: L7 won on 1 May (every stage date is an event)
    assert overview.data_date_range(con) == (date(2026, 1, 5), date(2026, 5, 1))


def test_data_date_range_leaves_out_expected_close_dates_of_open_deals(
    con: store.Connection,
) -> None:
    # O9 is open with an expected close in 2031 and O10 open with one in 2025: neither is an
    # event. O11 was lost on 20 June 2026 (a rejection of L13 on 3 July 2026 is the last event)
    con.execute(
        """
        INSERT INTO opportunities (opp_id, source_system, external_id, created_at, closed_at,
                                   stage_raw)
        VALUES ('test:O9', 'test', 'O9', '2026-03-01', '2031-12-31', 'Negotiation'),
               ('test:O10', 'test', 'O10', '2026-03-01', '2025-06-30', 'Negotiation'),
               ('test:O11', 'test', 'O11', '2026-04-01', '2026-06-20', 'Closed Lost')
        """
    )
    con.execute(
        "INSERT INTO leads (lead_id, source_system, external_id, rejected_at) "
        "VALUES ('test:L13', 'test', 'L13', '2026-07-03 10:00')"
    )
    facts.refresh(con)
    assert overview.data_date_range(con) == (date(2026, 1, 5), date(2026, 7, 3))


# ---- registry ----------------------------------------------------------------------------------
def test_registry_covers_every_kpi_column(con: store.Connection) -> None:
    columns = [c for c in overview.kpis(con, MARCH).columns if not c.endswith(("_low", "_high"))]
    assert columns == list(registry.KPIS)
    for kpi in registry.KPIS.values():
        assert kpi.label and kpi.unit in ("count", "rate", "currency", "days")
        assert kpi.definition.endswith(".") and kpi.definition.count(". ") == 0, kpi.name
        if kpi.unit == "rate":
            ratio = kpi.computation
            assert isinstance(ratio, registry.Ratio)
            assert all(p in registry.KPIS for p in (ratio.numerator, *ratio.denominator))
        else:
            assert isinstance(kpi.computation, registry.Measure), kpi.name


def test_page_metrics_have_a_label_a_unit_and_one_sentence() -> None:
    for page, metrics in registry.PAGE_METRICS.items():
        for kpi in metrics:
            assert kpi.label and kpi.unit in ("count", "rate", "currency", "days", "hours"), (
                kpi.name
            )
            assert kpi.definition.endswith(".") and kpi.definition.count(". ") == 0, kpi.name
            assert registry.page_metric(kpi.name) is kpi, page
    with pytest.raises(KeyError):
        registry.page_metric("mqls")  # an Overview KPI, not a page metric


def test_registry_definitions_follow_the_design() -> None:
    assert registry.KPIS["mql_to_sql"].definition == (
        "Share of the leads that became MQLs in the period (the MQL cohort) that have reached "
        "SQL so far; a lead that skipped a stage counts as having reached it."
    )
    assert registry.KPIS["win_rate"].definition == (
        "Won / (won + lost) among opportunities closed in the period; open deals are excluded."
    )
    assert len({k.label for k in registry.KPIS.values()}) == len(registry.KPIS)


@pytest.mark.parametrize(
    ("kpi", "value", "expected"),
    [
        ("mqls", 1234, "1,234"),
        ("mqls", 1_234_567, "1,234,567"),
        ("mqls", 0, "0"),
        ("mql_to_sql", 0.3449, "34 %"),
        ("mql_to_sql", 0.034, "3.4 %"),
        ("mql_to_sql", 0.05, "5 %"),
        ("mql_to_sql", 0.0996, "10 %"),  # 9.96 rounds to 10.0: no decimal
        ("mql_to_sql", 0.0, "0 %"),
        ("mql_to_sql", 1.0, "100 %"),
        ("won_revenue", 950, "$950"),
        ("won_revenue", 1_500, "$1.5k"),
        ("won_revenue", 345_000, "$345k"),
        ("won_revenue", 999_999, "$1M"),
        ("won_revenue", 1_234_567, "$1.2M"),
        ("won_revenue", 45_600_000, "$46M"),
        ("won_revenue", -2_500, "-$2.5k"),
        ("mqls", None, "–"),
        ("win_rate", float("nan"), "–"),
        ("avg_deal_size", None, "–"),
    ],
)
def test_format_value(kpi: str, value: object, expected: str) -> None:
    assert format.metric_value(kpi, value) == expected


def test_format_rate_interval() -> None:
    assert format.rate_interval(0.2307, 0.8824) == "23–88 %"
    assert format.rate_interval(0.012, 0.0951) == "1.2–9.5 %"
    assert format.rate_interval(None, 0.5) == format.MISSING


def test_format_value_days_and_kpi_objects() -> None:
    days = registry.Kpi("cycle", "Sales cycle", "days", "Days from created to won.")
    assert format.metric_value(days, 12.4) == "12 days"
    assert format.metric_value(days, 3.46) == "3.5 days"
    assert format.metric_value(days, 1) == "1 day"
    assert format.metric_value(registry.KPIS["mqls"], 12) == "12"
    with pytest.raises(KeyError, match="unknown metric"):
        format.metric_value("nope", 1)


@pytest.mark.parametrize(
    ("kpi", "current", "previous", "expected"),
    [
        ("mqls", 112, 100, "+12 %"),
        ("mqls", 90, 100, "-10 %"),
        ("mqls", 97, 100, "-3 %"),
        ("mqls", 1035, 1000, "+3.5 %"),
        ("mqls", 100, 100, "+0 %"),
        ("mqls", 5, 0, "new"),
        ("mqls", 0, 0, "+0 %"),
        ("mqls", 0, 10, "-100 %"),
        ("won_revenue", 16_000.0, 9_000.0, "+78 %"),
        ("mql_to_sql", 0.345, 0.314, "+3.1 pts"),
        ("win_rate", 0.5, 0.55, "-5.0 pts"),
        ("win_rate", 0.5, 0.5, "+0.0 pts"),
        ("win_rate", None, 0.5, "–"),
    ],
)
def test_format_delta(kpi: str, current: object, previous: object, expected: str) -> None:
    assert format.metric_delta(kpi, current, previous) == expected


def test_glossary_has_one_row_per_kpi_then_the_page_metrics() -> None:
    result = registry.glossary()
    assert result.columns == ["page", "name", "label", "definition", "unit"]
    page_metrics = [k.name for group in registry.PAGE_METRICS.values() for k in group]
    assert result["name"].to_list() == list(registry.KPIS) + page_metrics
    assert len(set(result["name"])) == result.height  # every name defined once
    assert result.filter(pl.col("name") == "win_rate").row(0) == (
        "Overview",
        "win_rate",
        "Win rate",
        registry.KPIS["win_rate"].definition,
        "rate",
    )
