"""Funnel metrics and the drill-down to records, against a tiny database whose numbers are
worked out by hand below (every expected value carries its arithmetic).

The fixture (2026, all timestamps UTC midnight unless shown; `-` = empty):

    lead  created  channel      score  mql          sal    sql    opp    won    rejected
    L1    03-01    Email        90     03-02        03-04  03-10  03-20  04-15  -
    L2    03-01    Email        80     03-03        -      03-12  -      -      -   (skipped SAL)
    L3    03-02    Paid Search  40     04-02        03-28  -      -      -      -   (out of order:
                                                                                   SAL before MQL)
    L4    03-05    Paid Search  20     03-06        -      -      -      -      03-08
    L5    03-05    Email        30     03-07        -      -      -      -      03-09 (Budget)
    L6    03-10    Events       60     03-15        03-16  -      -      -      -
    L7    03-10    Events       50     03-25        -      -      -      -      -   (pending)
    L8    02-10    Email        -      02-12        02-14  03-05  03-10  -      -
    L9    02-20    Paid Search  -      02-25        03-02  -      -      -      -
    L10   03-12    Events       10     -            -      -      -      -      -   (never MQL)
    L11   03-15    Paid Search  15     -            -      -      -      -      -   (never MQL)
    L12   04-01    Email        -      04-03        04-04  04-06  -      -      -
    L13   01-05    Email        -      01-10        01-12  01-20  02-01  03-15  -
    L14   03-20    Paid Search  70     03-31 23:00  04-02  04-20  -      -      -
    L15   03-03    Email        85     03-04        03-06  05-20  -      -      -   (SQL 77 days
                                                                                   after MQL)

Reached (DESIGN section 5) = earliest date of the stage or any later one, so L2 reached SAL on
03-12 (its SQL date) and L3 reached MQL on 03-28 (its SAL date), which puts L3 in the March
cohort although its MQL date is in April.

March MQL cohort (reached MQL in March): L1 L2 L3 L4 L5 L6 L7 L14 L15 = 9
  (L8, L9 are February's, L13 January's, L12 April's; L10, L11 never reached MQL).
  reached SAL: L1, L2 (skipped), L3, L6, L14, L15 = 6
  reached SQL: L1, L2, L14 (in April), L15 (in May) = 4
  reached opportunity: L1 = 1;  won: L1 = 1
With a 30-day window (a stage counts if reached at most 30 days after reaching MQL):
  SAL: all six within 30 days (L2 9 d, L3 0 d, L14 1 d 1 h) = 6
  SQL: L1 8 d, L2 9 d, L14 19 d 1 h = 3 (L15 took 77 days: outside)
  opportunity: L1 18 d = 1;  won: L1 44 d is outside = 0
March flow (stage entered in March, by reached date):
  MQL: the same 9;  SAL: L1, L2 (03-12), L3, L6, L9 (03-02), L15 = 6 (L14's SAL is in April)
  SQL: L1, L2, L8 (03-05) = 3;  opportunity: L1, L8 = 2;  won: L13 (03-15) = 1
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model, stats
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import funnel, records
from alignment.model import facts
from alignment.periods import Period

MARCH = Period.month(2026, 3)
APRIL = Period.month(2026, 4)
AFTER_THE_DATA = datetime(2026, 5, 25, tzinfo=UTC)

LEADS = """
('L1',  '2026-03-01', 'Email',       90,   '2026-03-02', '2026-03-04', '2026-03-10', '2026-03-20', '2026-04-15', NULL,         NULL),
('L2',  '2026-03-01', 'Email',       80,   '2026-03-03', NULL,         '2026-03-12', NULL,         NULL,         NULL,         NULL),
('L3',  '2026-03-02', 'Paid Search', 40,   '2026-04-02', '2026-03-28', NULL,         NULL,         NULL,         NULL,         NULL),
('L4',  '2026-03-05', 'Paid Search', 20,   '2026-03-06', NULL,         NULL,         NULL,         NULL,         '2026-03-08', NULL),
('L5',  '2026-03-05', 'Email',       30,   '2026-03-07', NULL,         NULL,         NULL,         NULL,         '2026-03-09', 'Budget'),
('L6',  '2026-03-10', 'Events',      60,   '2026-03-15', '2026-03-16', NULL,         NULL,         NULL,         NULL,         NULL),
('L7',  '2026-03-10', 'Events',      50,   '2026-03-25', NULL,         NULL,         NULL,         NULL,         NULL,         NULL),
('L8',  '2026-02-10', 'Email',       NULL, '2026-02-12', '2026-02-14', '2026-03-05', '2026-03-10', NULL,         NULL,         NULL),
('L9',  '2026-02-20', 'Paid Search', NULL, '2026-02-25', '2026-03-02', NULL,         NULL,         NULL,         NULL,         NULL),
('L10', '2026-03-12', 'Events',      10,   NULL,         NULL,         NULL,         NULL,         NULL,         NULL,         NULL),
('L11', '2026-03-15', 'Paid Search', 15,   NULL,         NULL,         NULL,         NULL,         NULL,         NULL,         NULL),
('L12', '2026-04-01', 'Email',       NULL, '2026-04-03', '2026-04-04', '2026-04-06', NULL,         NULL,         NULL,         NULL),
('L13', '2026-01-05', 'Email',       NULL, '2026-01-10', '2026-01-12', '2026-01-20', '2026-02-01', '2026-03-15', NULL,         NULL),
('L14', '2026-03-20', 'Paid Search', 70,   '2026-03-31 23:00', '2026-04-02', '2026-04-20', NULL,   NULL,         NULL,         NULL),
('L15', '2026-03-03', 'Email',       85,   '2026-03-04', '2026-03-06', '2026-05-20', NULL,         NULL,         NULL,         NULL)
"""  # noqa: E501


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "f.duckdb")
    connection.execute(
        f"""
        INSERT INTO leads (lead_id, source_system, external_id, created_at, channel, score,
                           mql_at, sal_at, sql_at, opp_at, won_at, rejected_at, rejection_reason)
        SELECT 'test:' || id, 'test', id, created, channel, score, mql, sal, sql_, opp, won,
               rejected, reason
        FROM (VALUES {LEADS})
          v(id, created, channel, score, mql, sal, sql_, opp, won, rejected, reason)
        """
    )
    facts.refresh(connection)  # written like the app writes: fact tables rebuilt
    yield connection
    connection.close()


def _column(frame: pl.DataFrame, name: str) -> list[object]:
    return frame[name].to_list()


def _approx(values: list[object]) -> list[object]:
    return [pytest.approx(v, abs=1e-9) if isinstance(v, float) else v for v in values]


# ---- the stage funnel -----------------------------------------------------------------------
def test_march_cohort_funnel(con: store.Connection) -> None:
    result = funnel.stage_funnel(con, MARCH)
    assert _column(result, "stage") == ["mql", "sal", "sql", "opportunity", "won"]
    assert _column(result, "n") == [9, 6, 4, 1, 1]  # see the module docstring
    assert _column(result, "previous_n") == [None, 9, 6, 4, 1]
    # step: 6/9, 4/6, 1/4, 1/1; cumulative: 9/9, 6/9, 4/9, 1/9, 1/9
    assert _column(result, "step_rate") == _approx([None, 6 / 9, 4 / 6, 1 / 4, 1.0])
    assert _column(result, "cumulative_rate") == _approx([1.0, 6 / 9, 4 / 9, 1 / 9, 1 / 9])
    # Wilson 95 % for 6 of 9 = (0.3542, 0.8794), for 1 of 1 = (0.2065, 1)
    assert result["step_rate_low"][1] == pytest.approx(0.3542, abs=1e-4)
    assert result["step_rate_high"][1] == pytest.approx(0.8794, abs=1e-4)
    assert result["step_rate_low"][4] == pytest.approx(0.2065, abs=1e-4)
    assert result["step_rate_high"][4] == 1.0


def test_march_cohort_funnel_with_a_30_day_window(con: store.Connection) -> None:
    result = funnel.stage_funnel(con, MARCH, window_days=30)
    # SQL: L15's SQL came 77 days after its MQL; won: L1's win came 44 days after its MQL
    assert _column(result, "n") == [9, 6, 3, 1, 0]
    assert _column(result, "step_rate") == _approx([None, 6 / 9, 3 / 6, 1 / 3, 0.0])


def test_march_flow_funnel(con: store.Connection) -> None:
    result = funnel.stage_funnel(con, MARCH, view="flow")
    assert _column(result, "n") == [9, 6, 3, 2, 1]  # see the module docstring
    # flow ratios 6/9, 3/6, 2/3, 1/2 (won / opportunity: 1/2 in flow, 1/1 in the cohort)
    assert _column(result, "step_rate") == _approx([None, 6 / 9, 3 / 6, 2 / 3, 1 / 2])
    # a flow ratio is not a proportion of one group: no interval
    assert result["step_rate_low"].null_count() == result.height
    # the window does not apply to flows
    assert_frame_equal(funnel.stage_funnel(con, MARCH, view="flow", window_days=30), result)


def test_cohort_funnel_starting_at_the_lead_stage(con: store.Connection) -> None:
    result = funnel.stage_funnel(con, MARCH, first_stage="lead")
    # created in March: L1-L7, L10, L11, L14, L15 = 11; of those reached MQL: all but L10, L11
    assert _column(result, "n") == [11, 9, 6, 4, 1, 1]
    assert result["step_rate"][1] == pytest.approx(9 / 11)


def test_empty_period_has_zero_counts_and_null_rates(con: store.Connection) -> None:
    result = funnel.stage_funnel(con, Period.month(2025, 6))
    assert _column(result, "n") == [0, 0, 0, 0, 0]
    assert result["step_rate"].null_count() == 5


def test_bad_arguments_are_refused(con: store.Connection) -> None:
    with pytest.raises(ValueError, match="view"):
        funnel.stage_funnel(con, MARCH, view="weekly")
    with pytest.raises(ValueError, match="stage"):
        funnel.stage_funnel(con, MARCH, first_stage="won")
    with pytest.raises(ValueError, match="window"):
        funnel.stage_funnel(con, MARCH, window_days=0)
    with pytest.raises(ValueError, match="dimension"):
        funnel.conversion_by_dimension(con, MARCH, dimension="colour")


# ---- by dimension -----------------------------------------------------------------------------
def test_wilson_intervals_match_published_values() -> None:
    # Wilson 95 % score intervals as tabulated (e.g. Newcombe 1998, Table I; Brown, Cai and
    # DasGupta 2001): 3/4, 1/3, 0/2, 6/8
    assert stats.wilson_interval(3, 4) == pytest.approx((0.3006, 0.9544), abs=1e-4)
    assert stats.wilson_interval(1, 3) == pytest.approx((0.0615, 0.7923), abs=1e-4)
    assert stats.wilson_interval(0, 2) == pytest.approx((0.0, 0.6576), abs=1e-4)
    assert stats.wilson_interval(6, 8) == pytest.approx((0.4093, 0.9285), abs=1e-4)


def test_mql_to_sql_by_channel(con: store.Connection) -> None:
    result = funnel.conversion_by_dimension(con, MARCH, dimension="channel").filter(
        pl.col("step") == "MQL → SQL"
    )
    # March cohort by channel: Email L1 L2 L5 L15 (SQL: L1 L2 L15) = 3/4;
    # Paid Search L3 L4 L14 (SQL: L14) = 1/3; Events L6 L7 (SQL: none) = 0/2.
    # All are under MIN_N = 30, so all are "too few to tell"; sorted by rate descending.
    expected = pl.DataFrame(
        {
            "channel": ["Email", "Paid Search", "Events"],
            "step": ["MQL → SQL"] * 3,
            "from_stage": ["mql"] * 3,
            "to_stage": ["sql"] * 3,
            "n": [4, 3, 2],
            "converted": [3, 1, 0],
            "rate": [0.75, 1 / 3, 0.0],
            # Wilson 95 % (see test_wilson_intervals_match_published_values)
            "rate_low": [0.3006, 0.0615, 0.0],
            "rate_high": [0.9544, 0.7923, 0.6576],
            "too_few": [True, True, True],
        }
    )
    assert_frame_equal(result, expected, abs_tol=1e-4)


def test_steps_by_dimension_cover_each_step_and_the_long_ones(con: store.Connection) -> None:
    result = funnel.conversion_by_dimension(con, MARCH, dimension="channel")
    steps = result["step"].unique(maintain_order=True).to_list()
    assert steps == [
        "MQL → SAL",
        "SAL → SQL",
        "SQL → Opportunity",
        "Opportunity → Won",
        "MQL → SQL",
        "MQL → Opportunity",
        "MQL → Won",
    ]
    email_sal_sql = result.filter((pl.col("channel") == "Email") & (pl.col("step") == "SAL → SQL"))
    # Email reached SAL: L1, L2, L15 = 3, all reached SQL
    assert email_sal_sql.select("n", "converted").row(0) == (3, 3)


def test_flow_ratios_by_dimension(con: store.Connection) -> None:
    result = funnel.conversion_by_dimension(con, MARCH, dimension="channel", view="flow").filter(
        pl.col("step") == "SQL → Opportunity"
    )
    # Email SQL entries in March: L1, L2, L8 = 3; opportunity entries: L1, L8 = 2
    email = result.filter(pl.col("channel") == "Email").row(0, named=True)
    assert (email["n"], email["converted"]) == (3, 2)
    assert email["rate"] == pytest.approx(2 / 3)
    assert email["rate_low"] is None


def test_too_few_to_tell_needs_n_and_a_narrow_interval(con: store.Connection) -> None:
    # 100 more March MQLs from Webinars, 50 of them SQL: 50 of 100, Wilson 95 % (0.4038, 0.5962)
    # is 19.2 points wide and n >= MIN_N = 30, so it can be told; Email's 3 of 4 cannot
    con.execute(
        """
        INSERT INTO leads (lead_id, source_system, external_id, created_at, channel, mql_at,
                           sql_at)
        SELECT 'test:W' || i, 'test', 'W' || i, TIMESTAMPTZ '2026-03-09', 'Webinars',
               TIMESTAMPTZ '2026-03-10', CASE WHEN i <= 50 THEN TIMESTAMPTZ '2026-03-20' END
        FROM range(1, 101) r(i)
        """
    )
    facts.refresh(con)
    result = funnel.conversion_by_dimension(con, MARCH, dimension="channel").filter(
        pl.col("step") == "MQL → SQL"
    )
    # sorted: rows that can be told apart first, then by rate
    assert _column(result, "channel") == ["Webinars", "Email", "Paid Search", "Events"]
    assert _column(result, "too_few") == [False, True, True, True]
    assert result["rate_low"][0] == pytest.approx(0.4038, abs=1e-4)
    assert result["rate_high"][0] == pytest.approx(0.5962, abs=1e-4)


def test_employee_bands(con: store.Connection) -> None:
    con.execute("UPDATE leads SET employees = 7 WHERE external_id IN ('L1', 'L2')")
    con.execute("UPDATE leads SET employees = 12000 WHERE external_id = 'L3'")
    facts.refresh(con)
    result = funnel.conversion_by_dimension(con, MARCH, dimension="employee_band").filter(
        pl.col("step") == "MQL → SAL"
    )
    counts = dict(zip(result["employee_band"], result["n"], strict=True))
    # L1, L2 -> 1–10; L3 -> 5,001+; the other six March MQLs have no size -> (not set)
    assert counts == {"1–10": 2, "5,001+": 1, "(not set)": 6}


# ---- trend and maturity -----------------------------------------------------------------------
def test_step_trend_flags_the_maturing_cohort(con: store.Connection) -> None:
    result = funnel.step_trend(
        con, APRIL, grain="month", count=4, window_days=30, now=AFTER_THE_DATA
    ).filter(pl.col("step") == "MQL → SQL")
    # January: L13 SQL after 10 d = 1/1; February: L8 (SQL 21 d after MQL) of L8, L9 = 1/2;
    # March: 3/9 (30-day window, see the docstring); April: L12 (3 d) = 1/1.
    # Maturing = younger than the 30-day window on 25 May: April ended 1 May (24 days ago)
    # -> maturing; March ended 1 April (54 days ago) -> final.
    assert _column(result, "label") == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]
    assert _column(result, "n") == [1, 2, 9, 1]
    assert _column(result, "converted") == [1, 1, 3, 1]
    assert _column(result, "maturing") == [False, False, False, True]
    change = funnel.latest_mature_change(result, "MQL → SQL")
    assert change is not None
    # April is maturing, so March (3/9) is compared with February (1/2): -16.7 points
    assert (change["latest"], change["previous"]) == ("Mar 2026", "Feb 2026")
    assert change["delta_points"] == pytest.approx((3 / 9 - 1 / 2) * 100)
    assert change["p_value"] == pytest.approx(stats.two_proportion_z_test(3, 9, 1, 2)[1])


def test_quarter_trend(con: store.Connection) -> None:
    result = funnel.step_trend(
        con, Period.quarter(2026, 1), grain="quarter", count=2, now=AFTER_THE_DATA
    ).filter(pl.col("step") == "MQL → SAL")
    # Q1 2026 MQL cohort: Jan L13 + Feb L8 L9 + the 9 of March = 12; reached SAL: L13, L8, L9
    # and the 6 of March = 9. Q4 2025 has no leads.
    assert _column(result, "label") == ["Q4 2025", "Q1 2026"]
    assert _column(result, "n") == [0, 12]
    assert _column(result, "converted") == [0, 9]


def test_maturity_from_the_p80_time_to_sql(con: store.Connection) -> None:
    # days from reaching MQL to reaching SQL over every lead that reached SQL:
    # L12 3, L1 8, L2 9, L13 10, L14 19 1/24, L8 21, L15 77 (n = 7)
    # p80 (continuous): position 0.8 x 6 = 4.8 -> 19.041667 + 0.8 x (21 - 19.041667) = 20.608333
    early = datetime(2026, 4, 10, tzinfo=UTC)
    result = funnel.maturity(con, MARCH, now=early)
    assert result["threshold_days"] == pytest.approx(20.608333, abs=1e-6)
    assert result["age_days"] == pytest.approx(9.0)  # 1 April to 10 April
    assert result["maturing"] is True
    assert funnel.maturity(con, MARCH, now=AFTER_THE_DATA)["maturing"] is False
    # with a window the window is the threshold
    windowed = funnel.maturity(con, MARCH, window_days=60, now=AFTER_THE_DATA)
    assert (windowed["basis"], windowed["threshold_days"], windowed["maturing"]) == (
        "window",
        60.0,
        True,  # 54 days < 60
    )


# ---- time to convert ----------------------------------------------------------------------------
def test_time_to_convert_mql_to_sql(con: store.Connection) -> None:
    result = funnel.time_to_convert(con, MARCH, from_stage="mql", to_stage="sql").row(0, named=True)
    # March MQLs that reached SQL: L1 8 d, L2 9 d, L14 19 1/24 d, L15 77 d (n = 4)
    # median: position 1.5 -> (9 + 19.041667) / 2 = 14.020833
    # p75: position 2.25 -> 19.041667 + 0.25 x 57.958333 = 33.53125
    # p90: position 2.7  -> 19.041667 + 0.7 x 57.958333 = 59.6125
    assert result["n"] == 4
    assert result["median_days"] == pytest.approx(14.020833, abs=1e-6)
    assert result["p75_days"] == pytest.approx(33.53125, abs=1e-6)
    assert result["p90_days"] == pytest.approx(59.6125, abs=1e-6)


def test_time_to_convert_by_channel_and_out_of_order_dates(con: store.Connection) -> None:
    result = funnel.time_to_convert(con, MARCH, from_stage="mql", to_stage="sal", by="channel")
    # Paid Search reached SAL: L3 (0 d: its SAL date came before its MQL date, so it reached
    # both on 03-28) and L14 (1 d 1 h); median (0 + 1.041667) / 2 = 0.520833
    paid = result.filter(pl.col("channel") == "Paid Search").row(0, named=True)
    assert paid["n"] == 2
    assert paid["median_days"] == pytest.approx(0.520833, abs=1e-6)
    assert result["median_days"].min() >= 0  # reached dates are monotone: never negative


def test_time_to_convert_histogram(con: store.Connection) -> None:
    result = funnel.time_to_convert_histogram(con, MARCH, from_stage="mql", to_stage="sql")
    # 8 and 9 days -> 7–14; 19.04 -> 14–30; 77 -> 60–90
    counts = dict(zip(result["bin"], result["n"], strict=True))
    assert counts == dict.fromkeys(funnel.TIME_BIN_LABELS, 0) | {
        "7–14 days": 2,
        "14–30 days": 1,
        "60–90 days": 1,
    }
    assert result["share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="later stage"):
        funnel.time_to_convert(con, MARCH, from_stage="sql", to_stage="mql")


# ---- lead acceptance ----------------------------------------------------------------------------
def test_lead_acceptance(con: store.Connection) -> None:
    result = funnel.lead_acceptance(con, MARCH).row(0, named=True)
    # March MQLs 9: accepted (reached SAL) 6; rejected L4 (date), L5 (date and reason) = 2;
    # pending L7 = 1. Rate 6 / (6 + 2) = 0.75, Wilson 95 % for 6 of 8 = (0.4093, 0.9285)
    assert (result["mqls"], result["accepted"], result["rejected"], result["pending"]) == (
        9,
        6,
        2,
        1,
    )
    assert result["acceptance_rate"] == pytest.approx(0.75)
    assert result["acceptance_rate_low"] == pytest.approx(0.4093, abs=1e-4)
    assert result["acceptance_rate_high"] == pytest.approx(0.9285, abs=1e-4)
    by_channel = funnel.lead_acceptance(con, MARCH, by="channel")
    # Email: L1 L2 L15 accepted, L5 rejected -> 3/4
    email = by_channel.filter(pl.col("channel") == "Email").row(0, named=True)
    assert (email["accepted"], email["rejected"]) == (3, 1)


def test_acceptance_target_setting(con: store.Connection) -> None:
    assert funnel.acceptance_target(con) == funnel.DEFAULT_ACCEPTANCE_TARGET == 0.9
    funnel.set_acceptance_target(con, 0.85)
    assert funnel.acceptance_target(con) == 0.85
    store.set_setting(con, funnel.ACCEPTANCE_TARGET_SETTING, "not a number")
    assert funnel.acceptance_target(con) == 0.9
    with pytest.raises(ValueError):
        funnel.set_acceptance_target(con, 1.5)


# ---- lead score ---------------------------------------------------------------------------------
def test_score_bands(con: store.Connection) -> None:
    result = funnel.score_bands(con, MARCH)
    # scored leads created in March: 11, scores 10..90 -> span 80 / 5 = 16 -> round width 20
    # 0–20: L10 L11 (no MQL); 20–40: L4 L5 (MQL, no SQL); 40–60: L3 L7 (MQL, no SQL);
    # 60–80: L6 L14 (both MQL, L14 SQL); 80–100: L2 L15 L1 (all MQL and SQL)
    assert _column(result, "band") == ["0–20", "20–40", "40–60", "60–80", "80–100"]
    assert _column(result, "leads") == [2, 2, 2, 2, 3]
    assert _column(result, "mqls") == [0, 2, 2, 2, 3]
    assert _column(result, "sqls") == [0, 0, 0, 1, 3]
    assert _column(result, "mql_to_sql") == _approx([None, 0.0, 0.0, 0.5, 1.0])


def test_score_threshold_whatif(con: store.Connection) -> None:
    result = funnel.score_threshold_whatif(con, MARCH, threshold=60)
    # score >= 60: L6 L14 L2 L15 L1 = 5 would be MQLs; today 9 MQLs, 4 SQLs (4/9);
    # past MQLs scoring >= 60: the same 5, of which SQL L14 L2 L15 L1 = 4 -> 0.8
    assert result["scored_leads"] == 11
    assert result["mql_volume"] == 5
    assert result["current_mqls"] == 9
    assert result["current_mql_to_sql"] == pytest.approx(4 / 9)
    assert (result["history_mqls"], result["history_sqls"]) == (5, 4)
    assert result["expected_mql_to_sql"] == pytest.approx(0.8)
    assert (result["expected_low"], result["expected_high"]) == pytest.approx(
        stats.wilson_interval(4, 5)
    )


def test_no_scores_gives_an_empty_band_table(con: store.Connection) -> None:
    con.execute("UPDATE leads SET score = NULL")
    facts.refresh(con)
    result = funnel.score_bands(con, MARCH)
    assert result.is_empty()
    assert result.columns == list(funnel.SCORE_BAND_COLUMNS)


# ---- drill-down ---------------------------------------------------------------------------------
def _ids(con: store.Connection, cell: funnel.Cell) -> list[str]:
    condition, params = funnel.cell_condition(cell)
    return sorted(records.lead_records(con, condition, params)["lead_id"].to_list())


def test_cell_records_equal_the_counts(con: store.Connection) -> None:
    email_sql = funnel.Cell(MARCH, stage="sql", dimension="channel", value="Email")
    assert _ids(con, email_sql) == ["test:L1", "test:L15", "test:L2"]
    dropped = funnel.Cell(
        MARCH, stage="sql", outcome="not_reached", dimension="channel", value="Paid Search"
    )
    assert _ids(con, dropped) == ["test:L3"]  # reached SAL, not SQL
    flow_sql = funnel.Cell(MARCH, view="flow", stage="sql")
    assert _ids(con, flow_sql) == ["test:L1", "test:L2", "test:L8"]
    windowed = funnel.Cell(MARCH, stage="sql", window_days=30)
    assert len(_ids(con, windowed)) == 3
    # every funnel bar equals its cell's record count
    for view in ("cohort", "flow"):
        bars = funnel.stage_funnel(con, MARCH, view=view)
        for stage, n in zip(bars["stage"], bars["n"], strict=True):
            condition, params = funnel.cell_condition(funnel.Cell(MARCH, view=view, stage=stage))
            assert records.lead_count(con, condition, params) == n, (view, stage)


def test_lead_page_paginates(con: store.Connection) -> None:
    condition, params = funnel.cell_condition(funnel.Cell(MARCH, stage="mql"))
    first, total = records.lead_page(con, condition, params, page=1, page_size=4)
    second, _ = records.lead_page(con, condition, params, page=3, page_size=4)
    assert total == 9
    assert first.height == 4 and second.height == 1
    assert first.columns == list(records.LEAD_RECORD_COLUMNS)
    beyond, total_beyond = records.lead_page(con, condition, params, page=9, page_size=4)
    assert beyond.is_empty() and total_beyond == 9


def test_cell_with_filters_and_description(con: store.Connection) -> None:
    cell = funnel.Cell(MARCH, filters=Filters(channel=("Events",)), stage="sal")
    assert _ids(con, cell) == ["test:L6"]
    assert cell.describe() == "MQL cohort of March 2026 · reached SAL"
    with pytest.raises(ValueError, match="cohort view"):
        funnel.cell_condition(funnel.Cell(MARCH, stage="mql", outcome="not_reached"))
