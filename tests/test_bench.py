"""The benchmark harness runs end to end at a tiny size (timings are not asserted: the harness
measures them, tests do not); its padding makes plausible records the model takes in, and its
pandas baselines compute the same numbers as the metrics they are compared with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from alignment import model
from alignment.db import store
from alignment.devtools import bench
from alignment.metrics import attribution, channels, explore
from alignment.periods import ALL_TIME, Period
from alignment.selection import Selection


def test_a_small_run_reports_every_operation_with_its_budget() -> None:
    report = bench.run(2_000, repeats=1, import_repeats=1, today=date(2026, 11, 23))
    rows = {row["operation"]: row for row in report["rows"]}
    assert report["table_rows"]["leads"] == 2_000
    import_row = rows["import leads CSV (pipeline vs bare read_csv)"]
    assert import_row["baseline_ms"] > 0 and import_row["ratio"] is not None
    assert rows["recompute every fact (map edit, lookup import)"]["median_ms"] > 0
    metric_rows = [r for r in report["rows"] if r["budget"] == "< 300 ms"]
    assert len(metric_rows) >= 27  # Overview, Rejections, Funnel and Data-quality computations
    assert all(r["median_ms"] > 0 and r["ok"] is not None for r in metric_rows)
    app_memory = rows["peak memory (MB, app: import + Overview)"]["median_ms"]
    assert 50 < app_memory < 2_048  # measured in a fresh process, not inherited from this one
    # the SLA rows run at 3 activities per lead, the response time against its pandas baseline
    assert report["table_rows"]["activities"] == 3 * 2_000
    sla_rows = [r for r in report["rows"] if r["operation"].startswith("SLA ")]
    assert len(sla_rows) == 5 and all(r["ok"] is not None for r in sla_rows)
    assert sla_rows[0]["baseline_ms"] > 0
    assert any(r["operation"].startswith("page total: SLA") for r in report["rows"])
    # the Channels and Attribution rows run at 0.3 opportunities and 2 touchpoints per lead
    assert report["table_rows"]["opportunities"] == 600
    assert report["table_rows"]["touchpoints"] == 2 * 2_000
    channel_rows = [r for r in report["rows"] if r["operation"].startswith("channel table")]
    credit_rows = [r for r in report["rows"] if r["operation"].startswith("attribution credit")]
    assert len(channel_rows) == 4 and len(credit_rows) == 3
    assert all(r["baseline_ms"] > 0 and r["ok"] is not None for r in channel_rows + credit_rows)
    for start in ("channels compared", "sales cycle", "attribution ledger", "campaign influence"):
        assert any(r["operation"].startswith(start) for r in metric_rows), start
    for page in ("Channels", "Attribution"):
        assert any(r["operation"].startswith(f"page total: {page}") for r in metric_rows), page
    text = bench.format_report(report)
    assert "import leads CSV" in text and "funnel cohort" in text


@pytest.fixture
def padded(demo_db: Path) -> store.Connection:
    """The session's demo database (3,000 leads), padded to DESIGN's sizes per lead."""
    con = model.connect(demo_db)
    bench.pad_to_design_sizes(con, 3_000)
    return con


def test_padding_adds_opportunities_on_leads_without_one_and_touches(
    padded: store.Connection,
) -> None:
    con = padded
    # 0.3 per lead: 900 opportunities, every one in the model's opp_facts too
    result = store.query(
        con,
        "SELECT (SELECT count(*) FROM opportunities) AS opps, "
        "(SELECT count(*) FROM opp_facts) AS facts, "
        "(SELECT count(*) FROM touchpoints) AS touches, "
        "(SELECT count(*) FROM touchpoint_facts WHERE linked_lead_id IS NULL) AS unlinked",
    ).row(0, named=True)
    # the generator made 6,066 touchpoints, more than 2 per lead: none added, none removed
    assert result == {"opps": 900, "facts": 900, "touches": 6_066, "unlinked": 0}
    added = store.query(
        con,
        """SELECT o.*, f.outcome, l.created_at AS lead_created,
             (SELECT max(created_at) FROM leads) AS data_end,
             o.lead_id IN (SELECT lead_id FROM opportunities WHERE NOT contains(opp_id, '#'))
               AS lead_had_one
           FROM opportunities o JOIN opp_facts f USING (opp_id)
             JOIN leads l ON l.lead_id = o.lead_id
           WHERE contains(o.opp_id, '#')""",
    )
    # each on a lead of its own that had none, created after it and by the data's end,
    # closed (when closed) after its creation and by the data's end
    assert added.height == added["lead_id"].n_unique() and not added["lead_had_one"].any()
    assert (added["created_at"] >= added["lead_created"]).all()
    assert (added["created_at"] <= added["data_end"]).all()
    closed = added.filter(added["closed_at"].is_not_null())
    assert (closed["closed_at"] >= closed["created_at"]).all()
    assert (closed["closed_at"] <= closed["data_end"]).all()
    assert set(added["outcome"]) == {"won", "lost", "open"}
    assert added["product"].n_unique() > 1 and added["owner"].n_unique() > 1
    assert added["channel"].n_unique() > 1
    # padding again adds nothing
    assert bench.pad_to_design_sizes(con, 3_000) == {"opportunities": 900, "touchpoints": 6_066}


def test_padding_touchpoints_adds_earlier_unflagged_copies_linked_as_theirs(
    padded: store.Connection,
) -> None:
    con = padded
    assert bench.pad_touchpoints(con, 6_100) == 6_100
    # 34 copies, each of a generated touch (its id with "#1"), two days before it, on the same
    # lead, never an anchor touch
    result = store.query(
        con,
        """SELECT count(*) AS copies,
             count(*) FILTER (WHERE c.touched_at = t.touched_at - INTERVAL 2 DAY) AS two_days,
             count(*) FILTER (WHERE c.linked_lead_id = t.linked_lead_id) AS same_lead,
             count(*) FILTER (WHERE c.is_first_touch OR c.is_lead_creation_touch
                                 OR c.is_opp_creation_touch) AS flagged
           FROM touchpoint_facts c JOIN touchpoint_facts t
             ON c.touchpoint_id = t.touchpoint_id || '#1'""",
    ).row(0, named=True)
    assert result == {"copies": 34, "two_days": 34, "same_lead": 34, "flagged": 0}


@pytest.mark.parametrize(
    "period", [Period.parse("2026-10"), Period.parse("2026-Q3"), ALL_TIME], ids=str
)
def test_the_pandas_baselines_compute_the_metrics_numbers(
    padded: store.Connection, period: Period
) -> None:
    con = padded
    opps = bench._opportunities_pd(con)
    touches = bench._touchpoints_pd(con)
    expected = attribution.channel_credit(con, period).to_pandas().set_index("channel")
    result = bench.pandas_channel_credit(opps, touches, period.start, period.end)
    assert sorted(result.index) == sorted(expected.index) and len(result) > 3
    for model_name in ("linear", "first_touch"):
        assert result[model_name].to_dict() == pytest.approx(
            expected[model_name].to_dict(), rel=1e-9
        )
    for view in ("period", "cohort"):
        expected = channels.channel_table(con, period, view=view).to_pandas().set_index("channel")
        result = bench.pandas_channel_table(opps, period.start, period.end, view)
        columns = ["won", "lost", "win_rate", "avg_deal_size", "median_deal_size", "won_revenue"]
        shared = expected.loc[result.index, columns].fillna(0.0)
        for column in columns:
            assert result[column].fillna(0.0).to_dict() == pytest.approx(shared[column].to_dict())
        assert int(result["won"].sum()) == int(expected["won"].sum()) > 0


def test_the_channels_run_times_both_pages_on_an_existing_database(demo_db: Path) -> None:
    report = bench.channels_only(demo_db, repeats=1)
    operations = [row["operation"] for row in report["rows"]]
    assert report["table_rows"]["opportunities"] == 900
    assert any(o.startswith("attribution credit") for o in operations)
    assert any(o.startswith("page total: Channels") for o in operations)
    assert any(o.startswith("page total: Attribution") for o in operations)


def test_the_explore_and_sql_rows_run_on_a_small_database(demo_db: Path) -> None:
    con = model.connect(demo_db, read_only=True)
    try:
        explore_rows = bench.bench_explore(con, date(2026, 11, 23), repeats=1)
        page_rows = bench.bench_pages(con, date(2026, 11, 23), repeats=1)
    finally:
        con.close()
    sql_rows = bench.bench_sql_console(demo_db, 3_000, repeats=1)
    names = [r.operation for r in explore_rows + sql_rows]
    # five breakdowns, two record pages, the example query and the schema browser
    assert len(names) == 9 and len(set(names)) == 9
    assert all(r.median_ms > 0 and r.ok is not None for r in explore_rows + sql_rows)
    assert [r.baseline_ms is not None for r in explore_rows] == [True] + [False] * 6
    assert any(r.operation.startswith("page total: Explore") for r in page_rows)
    assert any(r.operation.startswith("page total: SQL") for r in page_rows)


@pytest.mark.parametrize(
    "period", [Period.parse("2026-10"), Period.parse("2026-Q3"), ALL_TIME], ids=str
)
def test_the_explore_baseline_counts_the_mqls_explore_counts(demo_db: Path, period: Period) -> None:
    con = model.connect(demo_db, read_only=True)
    try:
        expected = explore.explore(con, Selection(period), "mqls", ("channel",))
        result = bench.pandas_mqls_by(
            bench._lead_cohort_pd(con), period.start, period.end, "channel"
        )
    finally:
        con.close()
    # explore drops empty channels; the baseline has no row for them
    assert result.to_dict() == {
        c: n for c, n in zip(expected["channel"], expected["mqls"], strict=True) if n
    }
    assert int(result.sum()) > 0
