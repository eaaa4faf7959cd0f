"""The explorer: a registry KPI by up to two dimensions equals `alignment kpis --by` for one
dimension, matches counts worked out by hand for two dimensions and for a month breakdown,
refuses what it cannot compute; its chart builder picks the chart by shape; the page runs."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from alignment import cli, model, stats
from alignment.db import store
from alignment.ingest import import_file
from alignment.metrics import channels, explore, overview, registry
from alignment.periods import ALL_TIME, Period
from alignment.present import explore_charts, export, format
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


def test_page_metrics_equal_their_page(demo: store.Connection) -> None:
    # the Channels page's cohort view computes its win rate from the same registry entry
    quarter = Period.parse("2026-Q1")
    page = channels.channel_table(demo, quarter, view="cohort").sort("channel")
    selection = Selection(quarter, comparison="none")
    result = explore.explore(demo, selection, "cohort_win_rate", ("channel",)).sort("channel")
    assert result["channel"].to_list() == page["channel"].to_list()
    assert result["cohort_win_rate_n"].to_list() == page["win_rate_n"].to_list()
    assert result["cohort_win_rate"].to_list() == pytest.approx(page["win_rate"].to_list())
    won = explore.explore(demo, selection, "cohort_won", ("channel",)).sort("channel")
    assert won["cohort_won"].to_list() == page["won"].to_list()


def test_explorer_offers_page_metrics_the_compiler_computes() -> None:
    offered = explore.EXPLORABLE
    assert list(offered)[: len(registry.KPIS)] == list(registry.KPIS)
    assert offered["cohort_win_rate"][1] == "Channels"
    assert offered["lead_acceptance"][1] == "Funnel"
    # computed with more than a measure or ratio: not offered
    assert "time_to_convert" not in offered and "sales_cycle" not in offered
    assert explore_screen.metric_label("cohort_win_rate").endswith(" · Channels")
    assert explore_screen.metric_label("mqls") == registry.KPIS["mqls"].label


@pytest.mark.parametrize(
    ("metric", "dim", "period"),
    [
        ("mql_to_sql", "segment", "2026-Q1"),
        ("won_revenue", "region", "2026-05"),
        ("leads", "owner", "all"),
    ],
)
def test_explorer_equals_the_kpis_command(
    demo_db: Path,
    capsys: pytest.CaptureFixture[str],
    metric: str,
    dim: str,
    period: str,
) -> None:
    # the command line's own output, read as a user would
    assert cli.main(["kpis", "--db", str(demo_db), "--period", period, "--by", dim, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    expected = {row[dim]: row[metric] for row in rows if row[metric] is not None}
    connection = model.connect(demo_db, read_only=True)
    try:
        selection = Selection(Period.parse(period), comparison="none")
        frame = explore.explore(connection, selection, metric, (dim,))
    finally:
        connection.close()
    result = {
        row[dim]: row[metric] for row in frame.iter_rows(named=True) if row[metric] is not None
    }
    assert len(result) > 1
    assert result.keys() == expected.keys()
    for value, number in expected.items():
        assert result[value] == pytest.approx(number)


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


def test_many_bars_run_across_the_largest_first_and_few_records_pale() -> None:
    # 25 countries, rates 0.96 down to 0.0 (ordered as the table: largest first); the first
    # has n = 10 (pale, under 30), the rest n = 40; a 26th country has no MQL (n = 0, no rate)
    countries = [f"C{i:02d}" for i in range(25)]
    frame = pl.DataFrame(
        {
            "country": [*countries, "None yet"],
            "mql_to_sql": [(24 - i) / 25 for i in range(25)] + [None],
            "mql_to_sql_n": [10] + [40] * 24 + [0],
            "mql_to_sql_low": [0.0] * 25 + [None],
            "mql_to_sql_high": [1.0] * 25 + [None],
        }
    )
    fig = explore_charts.figure(frame, "mql_to_sql", ("country",), "MQL to SQL by Country")
    bars = fig.data[0]
    assert bars.orientation == "h"
    assert list(bars.y) == countries[: explore_charts.MAX_BARS]  # 20 of the 25 rated
    assert bars.x[0] == pytest.approx(24 / 25)
    assert bars.marker.color[:2] == (explore_charts.PALE_BAR, explore_charts.PALETTE[0])
    assert "the 20 largest of 25; the table lists all" in fig.layout.title.text
    few = explore_charts.figure(frame.head(3), "mql_to_sql", ("country",), "x")
    assert few.data[0].orientation != "h"
    assert list(few.data[0].x) == countries[:3]


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


def test_all_time_by_month_spans_the_metric_own_dates(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "span.duckdb")
    leads = (
        "id,channel,segment,created,mql,sql\n"
        "A,Email,SMB,2024-01-10,,\n"
        "B,Email,SMB,2026-02-01,2026-03-05,\n"
    )
    import_file(con, leads.encode(), "leads.csv", object_type="leads", mapping=LEAD_MAPPING)
    try:
        every = Selection(ALL_TIME, comparison="none")
        # MQL dates: only B's (5 Mar 2026): one month, not the 27 since A's creation
        assert explore.explore(con, every, "mqls", ("month",)).to_dicts() == [
            {"month": date(2026, 3, 1), "mqls": 1}
        ]
        # creation dates: A (Jan 2024) to B (Feb 2026), by quarter: 2024 Q1 .. 2026 Q1
        created = explore.explore(con, every, "leads", ("quarter",))
        assert created["quarter"].to_list()[0] == date(2024, 1, 1)
        assert created.height == 9
        assert created["leads"].sum() == 2
    finally:
        con.close()


# ---- the explorer's own filter -----------------------------------------------------------------
Q2 = Selection(Period.parse("2026-Q2"), comparison="none")
GERMANY_OR_CANADA = (("country", ("Germany", "Canada")),)


def test_own_filter_equals_plain_sql(demo: store.Connection) -> None:
    # independent: plain SQL over lead_facts, the MQL cohort of Q2 2026 in those countries
    expected = store.query(
        demo,
        "SELECT channel, count(*) AS mqls, count(*) FILTER (WHERE reached_sql) AS sqls "
        "FROM lead_facts WHERE country IN ('Germany', 'Canada') "
        "AND reached_mql_at >= TIMESTAMPTZ '2026-04-01 00:00:00+00' "
        "AND reached_mql_at < TIMESTAMPTZ '2026-07-01 00:00:00+00' GROUP BY channel",
    ).sort("channel")
    counts = explore.explore(demo, Q2, "mqls", ("channel",), GERMANY_OR_CANADA).sort("channel")
    assert counts["channel"].to_list() == expected["channel"].to_list()
    assert counts["mqls"].to_list() == expected["mqls"].to_list()
    rates = explore.explore(demo, Q2, "mql_to_sql", ("channel",), GERMANY_OR_CANADA)
    rates = rates.sort("channel")
    assert rates["mql_to_sql_n"].to_list() == expected["mqls"].to_list()
    assert rates["mql_to_sql"].to_list() == pytest.approx(
        [s / m for s, m in zip(expected["sqls"], expected["mqls"], strict=True)]
    )
    unfiltered = explore.explore(demo, Q2, "mqls", ("channel",))
    assert unfiltered["mqls"].sum() > counts["mqls"].sum() > 0


def test_own_filter_by_month_and_on_the_records(demo: store.Connection) -> None:
    by_month = explore.explore(demo, Q2, "mqls", ("month",), GERMANY_OR_CANADA)
    total = explore.explore(demo, Q2, "mqls", (), GERMANY_OR_CANADA)["mqls"].item()
    assert by_month["mqls"].sum() == total
    rows = explore.cell_download(demo, Q2, "mqls", (), GERMANY_OR_CANADA)
    assert rows.height == total
    assert set(rows["lead_id"].to_list()) <= set(
        store.query(demo, "SELECT lead_id FROM lead_facts WHERE country IN ('Germany', 'Canada')")[
            "lead_id"
        ].to_list()
    )
    products = explore.explore(demo, Q2, "won_revenue", (), (("product", ("Growth Plan",)),))
    expected = store.scalar(
        demo,
        "SELECT coalesce(sum(amount), 0) FROM opp_facts WHERE outcome = 'won' "
        "AND product = 'Growth Plan' AND closed_at >= TIMESTAMPTZ '2026-04-01 00:00:00+00' "
        "AND closed_at < TIMESTAMPTZ '2026-07-01 00:00:00+00'",
    )
    assert products["won_revenue"].item() == pytest.approx(expected)


def test_own_filter_offers_what_the_sidebar_does_not() -> None:
    assert explore.only_dimensions("mqls") == ("campaign", "industry", "employee_band", "country")
    assert explore.only_dimensions("win_rate") == ("product",)
    with pytest.raises(ValueError, match="cannot be filtered by 'channel'"):
        explore.check_only("mqls", (("channel", ("Email",)),))
    with pytest.raises(ValueError, match="cannot be filtered by 'campaign'"):
        explore.check_only("win_rate", (("campaign", ("x",)),))


def test_own_filter_values_are_the_period_largest_first(demo: store.Connection) -> None:
    values = explore.only_values(demo, Q2, "mqls", "country")
    counts = explore.explore(demo, Q2, "mqls", ("country",))
    assert values == counts["country"].to_list()
    assert values[0] == "United States"


# ---- the records behind a cell ----------------------------------------------------------------
def _ids(frame: pl.DataFrame) -> list[str]:
    return [i.removeprefix("generic:") for i in frame["lead_id"]]


def test_records_behind_a_ratio_cell_by_hand(con: store.Connection) -> None:
    cell = (("channel", "Email"), ("segment", "SMB"))
    rows, total = explore.cell_records(con, MARCH, "mql_to_sql", cell)
    # Email x SMB in the March MQL cohort: L1 (SQL 20 Mar) and L2 (no SQL): n = 2, 1 SQL;
    # newest first by creation: L2 (10 Mar), L1 (2 Mar)
    assert total == 2
    assert _ids(rows) == ["L2", "L1"]
    assert rows["counted_as_sqls"].to_list() == [False, True]
    assert explore.numerator_column("mql_to_sql") == "counted_as_sqls"
    assert explore.numerator_column("mqls") is None


def test_records_behind_a_month_cell_by_hand(con: store.Connection) -> None:
    # MQL dates: Feb L5; Mar L1, L2, L3 (Email), L4 (Events)
    february = explore.cell_records(con, Q1, "mqls", (("month", date(2026, 2, 1)),))
    assert (_ids(february[0]), february[1]) == (["L5"], 1)
    march_events = (("month", date(2026, 3, 1)), ("channel", "Events"))
    assert _ids(explore.cell_records(con, Q1, "mqls", march_events)[0]) == ["L4"]
    # a month is its own bucket whatever the period (a week is shown as its whole month)
    week = Selection(Period.parse("2026-W10"), comparison="none")
    assert explore.cell_records(con, week, "mqls", (("month", date(2026, 3, 1)),))[1] == 4


def test_records_of_the_whole_period_and_paging(con: store.Connection) -> None:
    # created in March: L1 (2 Mar), L2 (10 Mar), L3 (11 Mar); newest first
    rows, total = explore.cell_records(con, MARCH, "leads", ())
    assert (_ids(rows), total) == (["L3", "L2", "L1"], 3)
    second, total = explore.cell_records(con, MARCH, "leads", (), page=2, page_size=2)
    assert (_ids(second), total) == (["L1"], 3)
    assert _ids(explore.cell_download(con, MARCH, "leads", ())) == ["L3", "L2", "L1"]


def test_records_refuse_a_dimension_the_kpi_lacks(con: store.Connection) -> None:
    with pytest.raises(ValueError, match="cannot be broken down by 'campaign'"):
        explore.cell_records(con, MARCH, "win_rate", (("campaign", "x"),))


@pytest.mark.parametrize(
    ("metric", "dims"),
    [
        ("mql_to_sql", ("channel", "segment")),
        ("win_rate", ("region", "quarter")),
        ("opps_created", ("owner",)),
        ("pipeline_created", ("channel", "month")),
        ("won_revenue", ("segment",)),
        ("mqls", ("employee_band", "country")),
    ],
)
def test_records_add_up_to_each_cell(
    demo: store.Connection, metric: str, dims: tuple[str, ...]
) -> None:
    # independent of the compiler's aggregation: the rows listed, counted and summed here
    selection = Selection(Period.parse("2026-Q1"), comparison="none")
    frame = explore.explore(demo, selection, metric, dims)
    assert frame.height > 1
    ratio = f"{metric}_n" in frame.columns
    for row in (
        frame.filter(pl.col(f"{metric}_n" if ratio else metric) > 0).head(5).iter_rows(named=True)
    ):
        cell = tuple((d, row[d]) for d in dims)
        rows = explore.cell_download(demo, selection, metric, cell)
        if ratio:
            column = explore.numerator_column(metric)
            assert rows.height == row[f"{metric}_n"]
            assert rows[column].sum() / rows.height == pytest.approx(row[metric])
        elif registry.KPIS[metric].unit == "currency":
            assert rows["amount"].sum() == pytest.approx(row[metric])
        else:
            assert rows.height == row[metric]


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


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_records_behind_a_cell_from_the_url(demo_db: Path) -> None:
    at = _page(
        {
            "period": "Q1 2026",
            "explore_metric": registry.KPIS["mql_to_sql"].label,
            "explore_by": "Channel",
            "explore_by2": "Month",
            "explore_records": "true",
            "explore_cell_channel": "Email",
            "explore_cell_month": "Feb 2026",
        }
    )
    assert not at.exception, [e.value for e in at.exception]
    connection = model.connect(demo_db, read_only=True)
    try:
        selection = Selection(Period.parse("2026-Q1"), comparison="none")
        cell = (("channel", "Email"), ("month", date(2026, 2, 1)))
        expected, total = explore.cell_records(connection, selection, "mql_to_sql", cell)
        table = explore.explore(connection, selection, "mql_to_sql", ("channel", "month"))
    finally:
        connection.close()
    # the records are the cell's n: the table row of Email in February
    n = table.filter((pl.col("channel") == "Email") & (pl.col("month") == date(2026, 2, 1)))
    assert total == n["mql_to_sql_n"].item() > 0
    shown = at.dataframe[1].value
    assert list(shown["lead_id"]) == expected["lead_id"].to_list()
    assert set(shown["channel"]) == {"Email"}
    captions = "\n".join(c.value for c in at.caption)
    assert f"Channel: Email, Month: Feb 2026, Q1 2026: {total:,} leads" in captions
    labels = [b.label for b in at.get("download_button")]
    assert f"Download {total:,} leads (Parquet)" in labels


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_records_of_a_viewer_or_on_a_shared_screen_are_masked(demo_db: Path) -> None:
    at = _page(
        {
            "period": "All time",
            "present": "1",
            "explore_metric": "MQLs",
            "explore_by": "Owner",
            "explore_records": "true",
        }
    )
    assert not at.exception, [e.value for e in at.exception]
    owners = at.selectbox(key="explore_cell_owner")
    assert all("•••" in o for o in owners.options[1:])  # All, then masked labels
    records = at.dataframe[1].value
    assert all("•••" in v for v in records["owner"].dropna())
    assert all("•••" in v for v in records["email"].dropna())
    owners.set_value(owners.options[1]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe[1].value["owner"].nunique() == 1


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_own_filter_from_the_url(demo_db: Path) -> None:
    at = _page(
        {
            "period": "Q2 2026",
            "explore_metric": "MQLs",
            "explore_by": "Channel",
            "explore_only": "Country",
            "explore_only_country": ["Germany", "Canada"],
            "explore_records": "true",
        }
    )
    assert not at.exception, [e.value for e in at.exception]
    connection = model.connect(demo_db, read_only=True)
    try:
        expected = explore.explore(connection, Q2, "mqls", ("channel",), GERMANY_OR_CANADA)
    finally:
        connection.close()
    shown = at.dataframe[0].value
    assert list(shown["MQLs"]) == [format.count(v) for v in expected["mqls"]]
    assert at.multiselect(key="explore_only_country").value == ["Germany", "Canada"]
    records = at.dataframe[1].value
    assert len(records) == min(50, expected["mqls"].sum())
    captions = "\n".join(c.value for c in at.caption)
    assert f"MQLs, country: Germany, Canada, Q2 2026: {expected['mqls'].sum():,} leads" in captions


def test_the_table_leaves_out_rates_resting_on_no_record() -> None:
    # a rate's quiet month (n = 0) has no rate: the table lists 2 of 3 rows; counts list all
    frame = pl.DataFrame(
        {"month": [date(2026, m, 1) for m in (1, 2, 3)], "mql_to_sql": [0.5, None, 0.25]}
    ).with_columns(mql_to_sql_n=pl.Series([4, 0, 8]))
    assert explore_screen.has_records(frame, "mql_to_sql").to_list() == [True, False, True]
    counts = pl.DataFrame({"month": [date(2026, 1, 1)], "mqls": [0]})
    assert explore_screen.has_records(counts, "mqls").to_list() == [True]
    result = explore_screen.rows_caption(2, 3, "mql_to_sql", ("month",))
    assert result == (
        "2 rows. 1 with no leads left out (in the downloads). Pick a row to see the records "
        "behind it."
    )
    assert explore_screen.rows_caption(1, 1, "mqls", ()) == "1 row."


def test_record_file_names_are_safe() -> None:
    cell = (("channel", "Paid / Social"), ("month", date(2026, 2, 1)))
    result = explore_screen.records_file_name("mqls", cell, "2026-Q1", "parquet")
    assert result == "explore_mqls_records_channel-Paid---Social_month-Feb-2026_2026-Q1.parquet"


def test_parquet_download_keeps_types() -> None:
    frame = pl.DataFrame({"lead_id": ["a"], "created_at": [date(2026, 3, 1)], "n": [3]})
    result = pl.read_parquet(io.BytesIO(export.parquet(frame)))
    assert_frame_equal(result, frame)


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
