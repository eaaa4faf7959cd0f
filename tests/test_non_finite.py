"""NaN and infinite numbers already in a database (imports before they were rejected): the
migration that clears them, and the metrics and pages that must not fail or turn a period's
totals into NaN when they meet one."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.db import store
from alignment.metrics import funnel, overview
from alignment.periods import Period
from alignment.present import format

REPO = Path(__file__).resolve().parents[1]
SEPTEMBER = Period.month(2026, 9)
IN_SEPTEMBER = "{c} >= TIMESTAMPTZ '2026-09-01' AND {c} < TIMESTAMPTZ '2026-10-01'"
TEXT_KEYS = {"leads": "lead_id", "opportunities": "opp_id", "accounts": "account"}
"""Key columns a row needs (NOT NULL) in the tables `store.NON_FINITE_COLUMNS` names."""


def _poison(path: Path) -> None:
    """Give some September leads a NaN / infinite score and some September opportunities a NaN
    / infinite amount, as imports used to store them (after the migrations ran)."""
    con = model.connect(path)
    with store.transaction(con):
        for value, limit in (("NaN", 3), ("inf", 2), ("-inf", 1)):
            con.execute(
                f"UPDATE leads SET score = '{value}'::DOUBLE WHERE lead_id IN (SELECT lead_id "
                f"FROM lead_facts WHERE {IN_SEPTEMBER.format(c='reached_lead_at')} "
                f"AND isfinite(score) ORDER BY lead_id LIMIT {limit})"
            )
        con.execute(
            "UPDATE opportunities SET amount = 'NaN'::DOUBLE WHERE opp_id IN (SELECT opp_id "
            f"FROM opportunities WHERE {IN_SEPTEMBER.format(c='created_at')} "
            "ORDER BY opp_id LIMIT 2)"
        )
        con.execute(
            "UPDATE opportunities SET amount = 'inf'::DOUBLE WHERE opp_id IN (SELECT opp_id "
            f"FROM opportunities WHERE {IN_SEPTEMBER.format(c='closed_at')} AND is_won "
            "AND isfinite(amount) ORDER BY opp_id LIMIT 1)"
        )
    con.close()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update({"period": "September 2026", **(query or {})})
    at.run()
    return at.switch_page(page).run()


# ---- migration ------------------------------------------------------------------------------
def test_migration_6_clears_stored_nan_and_infinite_numbers(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "old.duckdb")
    shadows = [(t, t + "_replaced", c) for t, c in store.NON_FINITE_COLUMNS.items()]
    tables = [(t, c) for base, shadow, c in shadows for t in (base, shadow)]
    for table, column in tables:
        key = TEXT_KEYS.get(table.removesuffix("_replaced"))
        columns = [*([key] if key else []), column]
        if table.endswith("_replaced"):
            columns.append("replaced_by_import")
        for i, value in enumerate(("NaN", "inf", "-inf", "12.5")):
            row = [
                *([f"k{i}"] if key else []),
                value,
                *([1] if "replaced_by_import" in columns else []),
            ]
            marks = ", ".join("?" for _ in row)
            con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", row)
    # as before the migration (and every later one)
    con.execute("DELETE FROM schema_version WHERE version >= 6")
    assert store.migrate(con) == store.MIGRATIONS[-1][0]
    for table, column in tables:
        result = con.execute(f"SELECT {column} FROM {table} ORDER BY {column} NULLS FIRST")
        assert result.fetchall() == [(None,), (None,), (None,), (12.5,)], table
    con.close()


# ---- metrics --------------------------------------------------------------------------------
def test_score_metrics_leave_out_nan_and_infinite_scores(demo_db: Path) -> None:
    _poison(demo_db)
    con = model.connect(demo_db)
    expected = con.execute(
        "SELECT count(*), min(score), max(score) FROM lead_facts "
        f"WHERE {IN_SEPTEMBER.format(c='reached_lead_at')} AND isfinite(score)"
    ).fetchone()
    poisoned = con.execute(
        "SELECT count(*) FROM lead_facts "
        f"WHERE {IN_SEPTEMBER.format(c='reached_lead_at')} AND NOT isfinite(score)"
    ).fetchone()
    assert poisoned == (6,)
    assert funnel.score_range(con, SEPTEMBER) == expected
    bands = funnel.score_bands(con, SEPTEMBER)
    assert bands["leads"].sum() == expected[0]
    assert all(math.isfinite(v) for v in bands["band_low"])
    whatif = funnel.score_threshold_whatif(con, SEPTEMBER, threshold=50.0)
    assert whatif["scored_leads"] == expected[0]
    con.close()


def test_pipeline_and_won_revenue_sum_the_finite_amounts(demo_db: Path) -> None:
    _poison(demo_db)
    con = model.connect(demo_db)
    pipeline, won, average = con.execute(
        "SELECT sum(amount) FILTER (WHERE created_at >= TIMESTAMPTZ '2026-09-01' "
        "AND created_at < TIMESTAMPTZ '2026-10-01' AND isfinite(amount)), "
        "sum(amount) FILTER (WHERE outcome = 'won' AND closed_at >= TIMESTAMPTZ '2026-09-01' "
        "AND closed_at < TIMESTAMPTZ '2026-10-01' AND isfinite(amount)), "
        "avg(amount) FILTER (WHERE outcome = 'won' AND closed_at >= TIMESTAMPTZ '2026-09-01' "
        "AND closed_at < TIMESTAMPTZ '2026-10-01' AND isfinite(amount)) FROM opp_facts"
    ).fetchone()
    row = overview.kpis(con, SEPTEMBER).row(0, named=True)
    con.close()
    assert row["pipeline_created"] == pytest.approx(pipeline)
    assert row["won_revenue"] == pytest.approx(won)
    assert row["avg_deal_size"] == pytest.approx(average)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, None])
def test_a_kpi_that_is_not_a_finite_number_shows_as_missing(value: float | None) -> None:
    assert format.metric_value("won_revenue", value) == format.MISSING


# ---- pages ----------------------------------------------------------------------------------
@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_funnel_page_with_nan_and_infinite_scores_and_amounts(demo_db: Path) -> None:
    _poison(demo_db)
    con = model.connect(demo_db)
    _, lowest, highest = funnel.score_range(con, SEPTEMBER)
    con.close()
    at = _page("pages/funnel.py", {"funnel_score": "true"})  # the lead-score section open
    _no_errors(at)  # was: cannot convert float NaN to integer (the score bands)
    threshold = at.slider(key="funnel_score_threshold")
    assert (threshold.min, threshold.max) == (lowest, highest)
    assert any("Conversion by lead score band" in c.proto.spec for c in at.get("plotly_chart"))


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_overview_page_with_nan_and_infinite_amounts(demo_db: Path) -> None:
    _poison(demo_db)
    con = model.connect(demo_db)
    row = overview.kpis(con, SEPTEMBER).row(0, named=True)
    con.close()
    at = _page("pages/overview.py")
    _no_errors(at)  # was: OverflowError (cannot convert float infinity to integer)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Won revenue"] == format.metric_value("won_revenue", row["won_revenue"])
    assert tiles["Won revenue"] != format.MISSING
