"""The explorer: a registry KPI by up to two dimensions equals `alignment kpis --by` for one
dimension, matches counts worked out by hand for two dimensions and for a month breakdown,
refuses what it cannot compute; its chart builder picks the chart by shape; the page runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from alignment import model, stats
from alignment.db import store
from alignment.ingest import import_file
from alignment.metrics import explore, overview, registry
from alignment.periods import ALL_TIME, Period
from alignment.present import explore_charts, format
from alignment.screens import explore as explore_screen
from alignment.selection import Selection

LEADS = """id,channel,segment,created,mql,sql
L1,Email,SMB,2026-03-02,2026-03-05,2026-03-20
L2,Email,SMB,2026-03-10,2026-03-12,
L3,Email,Enterprise,2026-03-11,2026-03-13,2026-03-25
L4,Events,SMB,2026-02-20,2026-03-01,
L5,Events,SMB,2026-02-15,2026-02-18,2026-02-27
"""
LEAD_MAPPING = {
    "external_id": "id",
    "channel_raw": "channel",
    "segment": "segment",
    "created_at": "created",
    "mql_at": "mql",
    "sql_at": "sql",
}
REPO = Path(__file__).resolve().parents[1]
MARCH = Selection(Period.parse("2026-03"), comparison="none")
Q1 = Selection(Period.parse("2026-Q1"), comparison="none")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> store.Connection:
    path = tmp_path_factory.mktemp("explore") / "e.duckdb"
    connection = model.connect(path)
    import_file(connection, LEADS.encode(), "leads.csv", object_type="leads", mapping=LEAD_MAPPING)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def demo(demo_db_template: Path) -> store.Connection:
    connection = model.connect(demo_db_template)
    yield connection
    connection.close()


def test_two_dimensions_by_hand(con: store.Connection) -> None:
    result = explore.explore(con, MARCH, "mql_to_sql", ("channel", "segment")).sort(
        "channel", "segment"
    )
    # the March MQL cohort: L1, L2, L3 (Email), L4 (Events); SQL so far: L1, L3
    # Email x Enterprise: L3 -> 1/1; Email x SMB: L1, L2 -> 1/2; Events x SMB: L4 -> 0/1
    expected = pl.DataFrame(
        {
            "channel": ["Email", "Email", "Events"],
            "segment": ["Enterprise", "SMB", "SMB"],
            "mql_to_sql": [1.0, 0.5, 0.0],
            "mql_to_sql_n": [1, 2, 1],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected, check_dtypes=False)
    assert {"mql_to_sql_low", "mql_to_sql_high"} <= set(result.columns)


def test_two_dimensions_of_a_count_sorted_by_value(con: store.Connection) -> None:
    result = explore.explore(con, MARCH, "leads", ("segment", "channel"))
    # created in March: L1, L2 (Email SMB), L3 (Email Enterprise); L4 and L5 were created in
    # February, so Events x SMB has no lead created in March and no row
    expected = pl.DataFrame(
        {
            "segment": ["SMB", "Enterprise"],
            "channel": ["Email", "Email"],
            "leads": [2, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_month_by_channel_by_hand(con: store.Connection) -> None:
    result = explore.explore(con, Q1, "mqls", ("month", "channel"))
    # MQL dates: Feb L5 (Events); Mar L1, L2, L3 (Email), L4 (Events); January has none;
    # every month is listed for every channel seen, quiet ones 0
    expected = pl.DataFrame(
        {
            "month": [date(2026, m, 1) for m in (1, 1, 2, 2, 3, 3)],
            "channel": ["Email", "Events"] * 3,
            "mqls": [0, 0, 0, 1, 3, 1],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_no_dimension_is_the_kpi_of_the_period(con: store.Connection) -> None:
    result = explore.explore(con, MARCH, "mqls", ())
    assert result.to_dicts() == [{"mqls": 4}]  # L1, L2, L3, L4


@pytest.mark.parametrize(
    ("metric", "dim"),
    [
        ("mqls", "channel"),
        ("mql_to_sql", "segment"),
        ("win_rate", "region"),
        ("pipeline_created", "owner"),
        ("won_revenue", "team"),
        ("leads", "channel"),
    ],
)
def test_one_dimension_equals_kpis_by(demo: store.Connection, metric: str, dim: str) -> None:
    for selection in (Selection(ALL_TIME, comparison="none"), Selection(Period.parse("2026-Q2"))):
        expected = overview.kpis(demo, selection, by=dim).select(dim, metric).sort(dim)
        result = explore.explore(demo, selection, metric, (dim,)).select(dim, metric).sort(dim)
        assert result.height > 1
        assert_frame_equal(result, expected)


def test_month_equals_kpis_of_each_month(demo: store.Connection) -> None:
    result = explore.explore(demo, Selection(Period.parse("2026-Q2")), "mql_to_sql", ("month",))
    assert result["month"].to_list() == [date(2026, m, 1) for m in (4, 5, 6)]
    for row in result.iter_rows(named=True):
        month = Period.month(row["month"].year, row["month"].month)
        expected = overview.kpis(demo, month).row(0, named=True)
        assert row["mql_to_sql"] == pytest.approx(expected["mql_to_sql"])


def test_dimensions_offered_follow_the_models() -> None:
    # lead KPIs: the funnel's dimensions; opportunity KPIs: the filters and product
    assert "campaign" in explore.dimensions_for("mqls")
    assert "product" not in explore.dimensions_for("mqls")
    assert "product" in explore.dimensions_for("win_rate")
    assert "campaign" not in explore.dimensions_for("win_rate")
    assert explore.dimensions_for("mqls")[-2:] == ("month", "quarter")


@pytest.mark.parametrize(
    "dims",
    [
        ("channel", "segment", "region"),
        ("channel", "channel"),
        ("month", "quarter"),
        ("product",),  # a lead KPI has no product
    ],
)
def test_refused_breakdowns(con: store.Connection, dims: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        explore.explore(con, MARCH, "mqls", dims)


def test_unknown_kpi_is_refused(con: store.Connection) -> None:
    with pytest.raises(KeyError):
        explore.explore(con, MARCH, "nope", ("channel",))


def test_the_fixture_is_what_plain_sql_sees(con: store.Connection) -> None:
    # an independent check of the hand arithmetic above: March MQLs per channel in plain SQL
    frame = store.query(
        con,
        "SELECT channel, count(*) AS n FROM lead_facts WHERE reached_mql_at >= $s "
        "AND reached_mql_at < $e GROUP BY channel ORDER BY channel",
        {"s": MARCH.period.start, "e": MARCH.period.end},
    )
    assert frame.rows() == [("Email", 3), ("Events", 1)]
    assert isinstance(con, duckdb.DuckDBPyConnection)


# ---- the chart builder ------------------------------------------------------------------------
def test_chart_shape_follows_the_breakdown(con: store.Connection) -> None:
    one = explore.explore(con, MARCH, "mql_to_sql", ("channel",))
    bar = explore_charts.figure(one, "mql_to_sql", ("channel",), "MQL to SQL by Channel")
    assert [t.type for t in bar.data] == ["bar"]
    assert list(bar.data[0].x) == ["Email", "Events"]
    # Email: L1, L3 of L1, L2, L3 -> 2/3; Events: L4 -> 0/1; bars carry the Wilson interval
    assert list(bar.data[0].y) == pytest.approx([2 / 3, 0.0])
    assert list(bar.data[0].text) == ["67 %", "0 %"]
    assert bar.data[0].error_y.array[0] == pytest.approx(one["mql_to_sql_high"][0] - 2 / 3)

    two = explore.explore(con, MARCH, "mqls", ("channel", "segment"))
    heat = explore_charts.figure(two, "mqls", ("channel", "segment"), "MQLs")
    assert [t.type for t in heat.data] == ["heatmap"]
    # rows channel (Email, Events), columns segment (Enterprise, SMB); Events x Enterprise empty
    assert list(heat.data[0].x) == ["Enterprise", "SMB"]
    assert [list(row) for row in heat.data[0].z] == [[1, 2], [None, 1]]

    months = explore.explore(con, Q1, "mqls", ("month", "channel"))
    line = explore_charts.figure(months, "mqls", ("month", "channel"), "MQLs by month")
    assert {t.type for t in line.data} == {"scatter"}
    # the line with the most MQLs first: Email (3), then Events (2)
    assert [t.name for t in line.data] == ["Email", "Events"]
    assert list(line.data[0].x) == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert list(line.data[1].y) == [0, 1, 1]


def test_chart_of_nothing_says_so() -> None:
    empty = pl.DataFrame(schema={"channel": pl.String, "mqls": pl.Int64})
    fig = explore_charts.figure(empty, "mqls", ("channel",), "MQLs")
    assert not fig.data
    assert "Nothing to show" in fig.layout.annotations[0].text


def test_display_table_formats_values_and_buckets(con: store.Connection) -> None:
    frame = explore.explore(con, Q1, "mql_to_sql", ("quarter",))
    result = explore_screen.display(frame, "mql_to_sql", ("quarter",))
    # Q1 MQL cohort: L1..L5; SQL: L1, L3, L5 -> 3/5 = 60 %
    low, high = stats.wilson_interval(3, 5)
    expected = pl.DataFrame(
        {
            "Quarter": ["Q1 2026"],
            "MQL to SQL rate": ["60 %"],
            "n": ["5"],
            "95 % interval": [format.rate_interval(low, high)],
        }
    )
    assert_frame_equal(result.rename({result.columns[1]: "MQL to SQL rate"}), expected)


def test_chosen_dimensions_drop_repeats_and_a_second_time() -> None:
    assert explore_screen.chosen_dimensions("mqls", "channel", "channel") == ("channel",)
    assert explore_screen.chosen_dimensions("mqls", "month", "quarter") == ("month",)
    assert explore_screen.chosen_dimensions("mqls", "", "segment") == ("segment",)
    assert explore_screen.chosen_dimensions("win_rate", "campaign", "product") == ("product",)


# ---- the page ---------------------------------------------------------------------------------
def _page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.run()
    return at.switch_page("pages/explore.py").run()


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_explore_page_from_the_url(demo_db: Path) -> None:
    at = _page(
        {
            "period": "All time",
            # bound widgets keep their shown label in the URL
            "explore_metric": registry.KPIS["win_rate"].label,
            "explore_by": "Segment",
            "explore_by2": "Region",
        }
    )
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Explore · All time"
    connection = model.connect(demo_db, read_only=True)
    try:
        expected = explore.explore(
            connection, Selection(ALL_TIME, comparison="none"), "win_rate", ("segment", "region")
        )
    finally:
        connection.close()
    shown = at.dataframe[0].value
    assert list(shown.columns)[:2] == ["Segment", "Region"]
    assert len(shown) == expected.height
    assert list(shown.iloc[:, 2]) == [format.rate(v) for v in expected["win_rate"]]
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    assert registry.KPIS["win_rate"].definition in "\n".join(c.value for c in at.caption)


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_explore_page_by_month(demo_db: Path) -> None:
    at = _page({"period": "Q2 2026", "explore_metric": "MQLs", "explore_by": "Month"})
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value["Month"]) == ["Apr 2026", "May 2026", "Jun 2026"]


def test_a_rate_heatmap_draws_cells_with_too_few_records_pale() -> None:
    # Email x SMB: 20 of 40 closed (50 %, n = 40); Email x Enterprise: 9 of 9 (100 %, n = 9)
    frame = pl.DataFrame(
        {
            "channel": ["Email", "Email"],
            "segment": ["SMB", "Enterprise"],
            "win_rate": [0.5, 1.0],
            "win_rate_n": [40, 9],
        }
    )
    fig = explore_charts.figure(frame, "win_rate", ("channel", "segment"), "Win rate")
    solid, pale = fig.data
    # columns sorted: Enterprise, SMB; the 100 % on 9 deals is pale and does not set the scale
    assert [list(row) for row in solid.z] == [[None, 0.5]]
    assert [list(row) for row in pale.z] == [[1.0, None]]
    assert (solid.zmax, pale.showscale) == (0.5, False)
    assert list(solid.text[0]) == ["100 %<br>n=9", "50 %<br>n=40"]
