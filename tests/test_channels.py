"""Channel metrics: the channel table in both views and the two-channel comparison, worked out
by hand on a tiny export, and win rate and average won deal size on Maven's real pipeline by
owner, product and manager against plain DuckDB over the raw CSV files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from alignment import model, stats
from alignment.cli import main
from alignment.db import store
from alignment.filters import Filters
from alignment.ingest import import_file
from alignment.metrics import channels
from alignment.periods import ALL_TIME, Period
from alignment.present import sentences
from alignment.selection import Selection
from tests.conftest import REALDATA

LEADS = """id,channel,created,mql,sql
L1,EMAIL_MARKETING,2026-03-01,2026-03-02,2026-03-05
L2,EMAIL_MARKETING,2026-03-03,2026-03-04,
L3,Purchased List,2026-03-03,,
"""
LEAD_MAPPING = {
    "external_id": "id",
    "channel_raw": "channel",
    "created_at": "created",
    "mql_at": "mql",
    "sql_at": "sql",
}
# Email (marketing-sourced) and Outbound ("Purchased List", not marketing-sourced)
OPPS = """id,channel,created,closed,stage,amount
E1,EMAIL_MARKETING,2026-03-01,2026-03-11,Closed Won,100
E2,EMAIL_MARKETING,2026-03-02,2026-03-22,Closed Won,300
E3,EMAIL_MARKETING,2026-03-05,2026-03-15,Closed Lost,50
E4,EMAIL_MARKETING,2026-03-21,,Negotiation,400
E5,EMAIL_MARKETING,2026-02-01,2026-03-03,Closed Won,200
B1,Purchased List,2026-03-10,2026-03-20,Closed Lost,80
B2,Purchased List,2026-03-10,,Negotiation,120
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


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[store.Connection]:
    path = tmp_path_factory.mktemp("channels") / "c.duckdb"
    connection = model.connect(path)
    import_file(connection, LEADS.encode(), "leads.csv", object_type="leads", mapping=LEAD_MAPPING)
    import_file(
        connection, OPPS.encode(), "opps.csv", object_type="opportunities", mapping=OPP_MAPPING
    )
    # spend: Email 300 in March (and 999 in February, outside the period); none for Outbound
    connection.execute(
        "INSERT INTO spend (month, channel, campaign, amount) VALUES "
        "('2026-03-01', 'Email', 'Newsletter', 300), ('2026-02-01', 'Email', 'Newsletter', 999)"
    )
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    # after March: open deals are censored at the period end, 1 April
    monkeypatch.setenv("ALIGNMENT_NOW", "2026-05-01")


def _rows(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {row["channel"]: row for row in frame.iter_rows(named=True)}


def test_period_view_by_hand(con: store.Connection) -> None:
    result = _rows(channels.channel_table(con, MARCH, view="period"))
    assert list(result) == ["Email", "Outbound"]  # 4 vs 2 opportunities created in March
    email, outbound = result["Email"], result["Outbound"]
    # leads: Email L1, L2 (both MQLs in March, L1 reached SQL: 1/2); Outbound L3, no MQL
    assert (email["leads"], email["mqls"], email["mql_to_sql"]) == (2, 2, 0.5)
    assert (outbound["leads"], outbound["mqls"], outbound["mql_to_sql"]) == (1, 0, None)
    # closed in March: Email won E1, E2, E5 and lost E3 -> 3 / 4; Outbound lost B1 -> 0 / 1
    assert (email["won"], email["lost"], email["open"], email["win_rate"]) == (3, 1, None, 0.75)
    assert (outbound["won"], outbound["lost"], outbound["win_rate"]) == (0, 1, 0.0)
    low, high = stats.wilson_interval(3, 4)
    assert email["win_rate_n"] == 4
    assert email["win_rate_low"] == pytest.approx(low)
    assert email["win_rate_high"] == pytest.approx(high)
    assert email["too_few"] and outbound["too_few"]  # n = 4 and 1, below 30
    # won in March: 100, 300, 200 -> mean 200, median 200, revenue 600; Outbound none
    assert (email["avg_deal_size"], email["median_deal_size"]) == (200.0, 200.0)
    assert (email["won_revenue"], outbound["won_revenue"]) == (600.0, 0.0)
    assert outbound["avg_deal_size"] is None
    # created in March: Email E1-E4 (100 + 300 + 50 + 400 = 850), Outbound B1, B2 (80 + 120)
    assert (email["opps_created"], email["pipeline_created"]) == (4, 850.0)
    assert (outbound["opps_created"], outbound["pipeline_created"]) == (2, 200.0)
    assert (email["marketing_sourced"], email["marketing_pipeline_share"]) == (True, 1.0)
    assert (outbound["marketing_sourced"], outbound["marketing_pipeline_share"]) == (False, 0.0)
    # sales cycle, deals created in March: E1 won after 10 days, E2 after 20, E4 open for 11
    # (21 March to 1 April, censored): S(10) = 2/3, E4 leaves at 11, S(20) = 2/3 * 0 -> 20
    # (dropping E4 would give S(10) = 1/2 -> 10). Outbound: only B2 open -> no median.
    assert (email["sales_cycle"], outbound["sales_cycle"]) == (20.0, None)
    # velocity: 1 open (E4) x 0.75 x 200 / 20 days = 7.5 a day
    assert (email["open_opps"], email["velocity"]) == (1, pytest.approx(7.5))
    assert (outbound["open_opps"], outbound["velocity"]) == (1, None)
    # spend 300 in March: CAC 300 / 3 won = 100, per MQL 300 / 2 = 150, ROI (600 - 300) / 300
    assert (email["spend"], email["cac"], email["cost_per_mql"]) == (300.0, 100.0, 150.0)
    assert email["roi"] == pytest.approx(1.0)
    assert (outbound["spend"], outbound["cac"], outbound["roi"]) == (None, None, None)


def test_cohort_view_by_hand(con: store.Connection) -> None:
    result = _rows(channels.channel_table(con, MARCH, view="cohort"))
    email, outbound = result["Email"], result["Outbound"]
    # created in March: Email E1, E2 won, E3 lost, E4 open (E5 was created in February)
    assert (email["won"], email["lost"], email["open"]) == (2, 1, 1)
    assert email["win_rate"] == pytest.approx(2 / 3) and email["win_rate_n"] == 3
    # won among them: 100 and 300 -> mean 200, median 200, revenue 400
    assert (email["avg_deal_size"], email["median_deal_size"], email["won_revenue"]) == (
        200.0,
        200.0,
        400.0,
    )
    # Outbound: B1 lost, B2 open -> 0 / 1
    assert (outbound["won"], outbound["lost"], outbound["open"], outbound["win_rate"]) == (
        0,
        1,
        1,
        0.0,
    )
    # CAC 300 / 2 won = 150; ROI (400 - 300) / 300 = 1/3; velocity 1 x 2/3 x 200 / 20 = 6.667
    assert (email["cac"], email["roi"]) == (150.0, pytest.approx(1 / 3))
    assert email["velocity"] == pytest.approx(20 / 3)


def test_columns_and_no_spend_outside_the_channel_breakdown(con: store.Connection) -> None:
    frame = channels.channel_table(con, MARCH, by="segment")
    assert frame.columns == ["segment", *channels.CHANNEL_COLUMNS]
    assert frame["spend"].null_count() == frame.height
    with pytest.raises(ValueError, match="unknown view"):
        channels.channel_table(con, MARCH, view="weekly")
    with pytest.raises(ValueError, match="unknown dimension"):
        channels.channel_table(con, MARCH, by="campaign")


def test_series_by_month_and_channel_by_hand(con: store.Connection) -> None:
    result = channels.channel_series(con, MARCH, "month", 2)
    expected = pl.DataFrame(
        {
            "bucket": [date(2026, 2, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 1)],
            "channel": ["Email", "Outbound", "Email", "Outbound"],
            # created in February: E5 (200); in March: E1-E4 (850), B1 + B2 (80 + 120)
            "pipeline_created": [200.0, 0.0, 850.0, 200.0],
            # Email is marketing-sourced, Outbound is not
            "marketing_pipeline": [200.0, 0.0, 850.0, 0.0],
            # won in February: none (E5 closed on 3 March); in March: 100 + 300 + 200
            "won_revenue": [0.0, 0.0, 600.0, 0.0],
            # spend rows: Email 999 in February, 300 in March
            "spend": [999.0, 0.0, 300.0, 0.0],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected)
    share = channels.marketing_share_series(result)
    # February 200 / 200; March (850 + 0) / (850 + 200)
    assert share["marketing_share"].to_list() == [1.0, pytest.approx(850 / 1050)]
    outbound = Selection(MARCH, filters=Filters(channel=("Outbound",)))
    only = channels.channel_series(con, outbound, "month", 2)
    assert only.select("channel", "pipeline_created", "spend").rows() == [
        ("Outbound", 0.0, 0.0),
        ("Outbound", 200.0, 0.0),
    ]


def test_series_by_quarter_and_product_has_no_spend(con: store.Connection) -> None:
    assert channels.series_starts(MARCH, "quarter", 3) == [
        date(2025, 7, 1),
        date(2025, 10, 1),
        date(2026, 1, 1),
    ]
    result = channels.channel_series(con, MARCH, "quarter", 1, by="product")
    # no product column in the export: every opportunity is "(not set)"; Q1 created
    # E1-E5 and B1, B2: 850 + 200 + 200 = 1,250; won in Q1: 600
    assert result.select("product", "pipeline_created", "won_revenue", "spend").rows() == [
        ("(not set)", 1250.0, 600.0, None)
    ]


def test_a_month_by_product_has_no_lead_columns(con: store.Connection) -> None:
    # opportunities alone with an undated measure (open deals): no period hull to bind; the
    # export has no product, so every deal is "(not set)"
    result = _rows_by(channels.channel_table(con, MARCH, by="product"), "product")
    assert list(result) == ["(not set)"]
    deals = result["(not set)"]
    # closed in March: won E1, E2, E5; lost E3, B1 -> 3 / 5; created in March: six but E5
    assert (deals["won"], deals["lost"], deals["win_rate"], deals["opps_created"]) == (
        3,
        2,
        0.6,
        6,
    )
    assert (deals["leads"], deals["mqls"], deals["mql_to_sql"]) == (None, None, None)


def _rows_by(frame: pl.DataFrame, by: str) -> dict[str, dict[str, object]]:
    return {row[by]: row for row in frame.iter_rows(named=True)}


def test_compare_two_channels(con: store.Connection) -> None:
    result = channels.compare(con, MARCH, "Email", "Outbound")
    # 3 of 4 vs 0 of 1: pooled 3/5 = 0.6, se = sqrt(0.6 * 0.4 * (1/4 + 1/1)) = sqrt(0.3)
    # = 0.547723, z = 0.75 / 0.547723 = 1.369306, p = 2 * (1 - Phi(1.369306)) = 0.17090
    assert (result["a_won"], result["a_n"], result["b_won"], result["b_n"]) == (3, 4, 0, 1)
    assert result["z"] == pytest.approx(1.369306, abs=1e-6)
    assert result["p_value"] == pytest.approx(0.17090, abs=1e-5)
    assert sentences.channel_comparison(result) == (
        "Email win 75 % (n = 4) vs Outbound 0 % (n = 1): not a significant difference, p = 0.17"
    )
    missing = channels.compare(con, MARCH, "Email", "Nowhere")
    assert (missing["b_n"], missing["b_rate"], missing["p_value"]) == (0, None, None)


# ---- Maven's real pipeline ------------------------------------------------------------------
MAVEN = REALDATA / "maven"


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[store.Connection]:
    path: Path = tmp_path_factory.mktemp("maven") / "m.duckdb"
    connection = model.connect(path)
    import_file(connection, MAVEN / "sales_teams.csv", "sales_teams.csv")
    import_file(connection, MAVEN / "sales_pipeline.csv", "sales_pipeline.csv")
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("by", "raw_key"),
    [("owner", "p.sales_agent"), ("product", "p.product"), ("team", "t.manager")],
)
def test_real_win_rate_and_deal_size_match_plain_sql(
    maven: store.Connection, by: str, raw_key: str
) -> None:
    # independent: plain DuckDB over the raw CSV files (a team is its manager's agents)
    expected = pl.DataFrame(
        duckdb.sql(
            f"""
            SELECT {raw_key} AS {by},
                   count(*) FILTER (WHERE p.deal_stage = 'Won') AS won,
                   count(*) FILTER (WHERE p.deal_stage IN ('Won', 'Lost')) AS n,
                   avg(p.close_value) FILTER (WHERE p.deal_stage = 'Won') AS avg_deal_size
            FROM read_csv('{MAVEN / "sales_pipeline.csv"}') p
            LEFT JOIN read_csv('{MAVEN / "sales_teams.csv"}') t ON t.sales_agent = p.sales_agent
            GROUP BY 1 HAVING count(*) FILTER (WHERE p.deal_stage IN ('Won', 'Lost')) > 0
            ORDER BY 1
            """
        ).fetchall(),
        schema=[by, "won", "n", "avg_deal_size"],
        orient="row",
    )
    table = channels.channel_table(maven, ALL_TIME, by=by).filter(pl.col("win_rate_n") > 0)
    result = table.sort(by).select(by, "won", pl.col("win_rate_n").alias("n"), "avg_deal_size")
    assert result[by].to_list() == expected[by].to_list()
    assert result["won"].to_list() == expected["won"].to_list()
    assert result["n"].to_list() == expected["n"].to_list()
    assert result["avg_deal_size"].to_list() == pytest.approx(expected["avg_deal_size"].to_list())
    rates = (table.sort(by)["win_rate"]).to_list()
    assert rates == pytest.approx((expected["won"] / expected["n"]).to_list())


# ---- the command line -------------------------------------------------------------------------
def test_cli_channels_json_by_product_matches_plain_sql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.duckdb")
    assert main(["import", str(MAVEN / "sales_pipeline.csv"), "--db", db]) == 0
    capsys.readouterr()
    code = main(["channels", "--db", db, "--by", "product", "--view", "cohort", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert (result["period"], result["view"], result["by"]) == ("all", "cohort", "product")
    got = {row["product"]: (row["won"], row["lost"], row["open"]) for row in result["rows"]}
    # independent: every opportunity is in the all-time cohort; open = neither won nor lost
    expected = {
        product: (won, lost, open_)
        for product, won, lost, open_ in duckdb.sql(
            f"""
            SELECT product, count(*) FILTER (WHERE deal_stage = 'Won'),
                   count(*) FILTER (WHERE deal_stage = 'Lost'),
                   count(*) FILTER (WHERE deal_stage NOT IN ('Won', 'Lost'))
            FROM read_csv('{MAVEN / "sales_pipeline.csv"}') GROUP BY 1
            """
        ).fetchall()
    }
    assert got == expected


# ---- the page -----------------------------------------------------------------------------------
@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_channels_page_shows_the_table_and_a_comparison(demo_db: Path) -> None:
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.query_params.update({"period": "All time"})
    at.run()
    at = at.switch_page("pages/channels.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Channels · All time"
    con = model.connect(demo_db, read_only=True)
    try:
        rows = channels.channel_table(con, ALL_TIME)
        first, second = rows["channel"][0], rows["channel"][1]
        sentence = sentences.channel_comparison(channels.compare(con, ALL_TIME, first, second))
    finally:
        con.close()
    shown = at.dataframe[0].value
    assert shown["Channel"].tolist() == rows["channel"].to_list()
    assert sentence in "\n".join(m.value for m in at.markdown)
    win_rates, over_time, share, spend = at.get("plotly_chart")
    # the chart draws the same values, one point per channel with a rate (n in its label)
    charted = sorted(_chart_labels(win_rates))
    expected = sorted(
        f"{c} (n = {n:,})"
        for c, n, r in rows.select("channel", "win_rate_n", "win_rate").iter_rows()
        if r is not None
    )
    assert charted == expected
    # all time: the months run from the data's first event to its last, so the pipeline of
    # every month and channel adds up to the table's pipeline created
    figure = json.loads(over_time.proto.spec)
    pipeline = sum(sum(t["y"]) for t in figure["data"] if t.get("yaxis", "y") == "y")
    assert pipeline == pytest.approx(rows["pipeline_created"].sum())
    share_figure = json.loads(share.proto.spec)
    assert share_figure["data"][-1]["name"] == "Marketing-sourced share"
    spent = rows.filter(pl.col("spend") > 0).height
    assert spent > 0 and len(json.loads(spend.proto.spec)["data"][0]["y"]) == spent
    at.segmented_control(key="view").set_value("cohort").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Cohort view: deals created in the period" in "\n".join(c.value for c in at.caption)


def _chart_labels(element: object) -> list[str]:
    """The y categories of every trace of an AppTest plotly_chart element."""
    figure = json.loads(element.proto.spec)  # type: ignore[attr-defined]
    return [label for trace in figure["data"] for label in trace.get("y", [])]


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_channels_view_comes_from_the_url(demo_db: Path) -> None:
    """`/channels?view=cohort` opens the cohort view: the control shows it and the table is the
    cohort table (open deals counted)."""
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.query_params.update({"period": "All time", "view": "cohort"})
    at.run()
    at = at.switch_page("pages/channels.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="view").value == "cohort"
    con = model.connect(demo_db, read_only=True)
    try:
        expected = channels.channel_table(con, ALL_TIME, view="cohort")
    finally:
        con.close()
    shown = at.dataframe[0].value
    assert shown["Open"].tolist() == [f"{n:,}" for n in expected["open"].to_list()]
