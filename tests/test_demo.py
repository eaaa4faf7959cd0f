"""Tests of the demo data generator (`alignment.devtools.demo`): shape, determinism, the planted
patterns, loading into / removing from the database, and the sample exports."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model
from alignment.db import schema, store
from alignment.devtools import demo

TODAY = date(2026, 11, 23)
CUTOFF = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
KIND_DTYPE: dict[str, pl.DataType] = {
    "text": pl.String(),
    "key": pl.String(),
    "timestamp": pl.Datetime("us", "UTC"),
    "number": pl.Float64(),
    "integer": pl.Int64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
}
STAGES = ("created_at", "mql_at", "sal_at", "sql_at", "opp_at")


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame]:
    return demo.generate(3_000, today=TODAY)


@pytest.fixture(scope="module")
def medium() -> dict[str, pl.DataFrame]:
    """Big enough for the planted patterns to be read without much noise."""
    return demo.generate(20_000, today=TODAY)


def _quarter(column: str) -> pl.Expr:
    return pl.col(column).dt.year() * 10 + pl.col(column).dt.quarter()


# ---- shape -------------------------------------------------------------------------------------
def test_same_seed_same_frames_other_seed_differs(small: dict[str, pl.DataFrame]) -> None:
    again = demo.generate(3_000, today=TODAY)
    assert set(again) == {*schema.FACT_TABLES, "owners"}
    for name, frame in small.items():
        assert_frame_equal(frame, again[name])
    other = demo.generate(3_000, seed=7, today=TODAY)
    assert not other["leads"].equals(small["leads"])


def test_frames_have_exactly_the_schema_columns_and_types(
    small: dict[str, pl.DataFrame],
) -> None:
    for table in schema.FACT_TABLES:
        frame = small[table]
        assert frame.columns == schema.column_names(table), table
        for column in schema.columns(table):
            assert frame.schema[column.name] == KIND_DTYPE[column.kind], (table, column.name)
        assert frame["import_id"].null_count() == frame.height
    assert small["owners"].columns == ["owner", "team", "manager", "region"]


def test_no_timestamp_on_or_after_today(small: dict[str, pl.DataFrame]) -> None:
    for name, frame in small.items():
        for column, dtype in frame.schema.items():
            if isinstance(dtype, pl.Datetime):
                latest = frame[column].max()
                assert latest is None or latest < CUTOFF, (name, column, latest)
    leads = small["leads"]
    assert leads["created_at"].min() >= datetime(2025, 6, 1, tzinfo=UTC)  # ~18 months


def test_stage_timestamps_are_ordered(small: dict[str, pl.DataFrame]) -> None:
    leads = small["leads"]
    checks = [(a, b) for i, a in enumerate(STAGES) for b in STAGES[i + 1 :]]
    checks += [("opp_at", "won_at"), ("opp_at", "lost_at"), ("mql_at", "rejected_at")]
    for earlier, later in checks:
        bad = leads.filter(pl.col(later) < pl.col(earlier)).height
        assert bad == 0, (earlier, later)
    # a later stage implies the MQL stage; won / lost / rejected exclude each other
    assert leads.filter(pl.col("sql_at").is_not_null() & pl.col("mql_at").is_null()).is_empty()
    assert leads.filter(pl.col("won_at").is_not_null() & pl.col("lost_at").is_not_null()).is_empty()
    assert leads.filter(
        pl.col("sql_at").is_not_null() & pl.col("rejected_at").is_not_null()
    ).is_empty()
    opps = small["opportunities"]
    assert opps.filter(pl.col("closed_at") < pl.col("created_at")).is_empty()
    first_touch = small["activities"].group_by("lead_id").agg(pl.col("occurred_at").min())
    joined = first_touch.join(leads.select("lead_id", "mql_at"), on="lead_id")
    assert joined.filter(pl.col("occurred_at") < pl.col("mql_at")).is_empty()


def test_keys_are_unique_and_references_resolve(small: dict[str, pl.DataFrame]) -> None:
    leads, opps = small["leads"], small["opportunities"]
    for table, key in schema.PRIMARY_KEY.items():
        if key is None:
            continue
        frame = small[table]
        assert frame[key].is_unique().all(), table
        assert frame["external_id"].is_unique().all(), table
        assert (frame["source_system"] == demo.DEMO_SOURCE).all()
        assert (frame[key] == "demo:" + frame["external_id"]).all()
    assert leads["lead_id"][0] == "demo:L000001"
    lead_ids = set(leads["lead_id"])
    assert set(opps["lead_id"]) <= lead_ids
    assert set(small["activities"]["lead_id"]) <= lead_ids
    assert set(small["touchpoints"]["lead_id"]) <= lead_ids
    # the lead <-> opportunity link agrees both ways, and the opp copies the lead's dimensions
    linked = leads.filter(pl.col("opp_id").is_not_null()).select(
        "lead_id", "opp_id", "channel", "segment", "region", "owner", "team"
    )
    both = opps.select("opp_id", "lead_id", "channel", "segment", "region", "owner", "team")
    assert_frame_equal(linked.sort("opp_id"), both.sort("opp_id"), check_column_order=False)
    assert set(small["activities"]["opp_id"].drop_nulls()) <= set(opps["opp_id"])
    assert set(small["touchpoints"]["opp_id"].drop_nulls()) <= set(opps["opp_id"])


def test_leads_look_like_a_real_company(small: dict[str, pl.DataFrame]) -> None:
    leads, owners = small["leads"], small["owners"]
    assert set(leads["channel"]) == set(demo.CHANNELS)
    assert (leads["channel"] == leads["channel_raw"]).all()
    assert set(leads["segment"]) == set(demo.SEGMENTS)
    assert set(leads["region"]) == set(demo.REGIONS)
    assert owners.height == 25 and owners["team"].n_unique() == 2
    assert set(leads["owner"]) <= set(owners["owner"]) and leads["owner"].n_unique() >= 20
    team_of = dict(zip(owners["owner"], owners["team"], strict=True))
    assert all(team_of[o] == t for o, t in leads.select("owner", "team").unique().iter_rows())
    assert leads["score"].is_between(0, 100).all()
    assert leads["email"].str.contains(r"^[a-z.]+@[a-z]+\.com$").all()
    sizes = leads.group_by("segment").agg(pl.col("employees").median())
    medians = dict(sizes.iter_rows())
    assert medians["SMB"] < medians["Mid-Market"] < medians["Enterprise"]
    assert 0.10 <= leads["high_intent"].mean() <= 0.20  # type: ignore[operator]


def test_funnel_rates_are_realistic(medium: dict[str, pl.DataFrame]) -> None:
    leads = medium["leads"].filter(pl.col("created_at") < datetime(2026, 5, 1, tzinfo=UTC))
    mql = leads.filter(pl.col("mql_at").is_not_null())
    sql = mql.filter(pl.col("sql_at").is_not_null())
    sal = mql.filter(pl.col("sal_at").is_not_null() | pl.col("sql_at").is_not_null())
    opp = sql.filter(pl.col("opp_at").is_not_null())
    won = opp.filter(pl.col("won_at").is_not_null()).height
    lost = opp.filter(pl.col("lost_at").is_not_null()).height
    assert 0.40 <= mql.height / leads.height <= 0.55
    assert 0.70 <= sal.height / mql.height <= 0.80
    assert 0.35 <= sql.height / mql.height <= 0.45
    assert 0.70 <= opp.height / sql.height <= 0.90
    assert 0.25 <= won / (won + lost) <= 0.38
    skipped = sql.filter(pl.col("sal_at").is_null()).height / sql.height
    assert 0.02 <= skipped <= 0.10
    # recent cohorts are immature: the last month converts far less than mature months
    recent = medium["leads"].filter(pl.col("mql_at") >= datetime(2026, 11, 1, tzinfo=UTC))
    assert recent["sql_at"].is_not_null().mean() < 0.5 * sql.height / mql.height  # type: ignore[operator]


def test_opportunities_amounts_and_stages(medium: dict[str, pl.DataFrame]) -> None:
    opps = medium["opportunities"]
    medians = dict(opps.group_by("segment").agg(pl.col("amount").median()).iter_rows())
    assert 5_000 < medians["SMB"] < 12_000
    assert 18_000 < medians["Mid-Market"] < 35_000
    assert 60_000 < medians["Enterprise"] < 130_000
    stages = opps.select("stage", "stage_raw", "is_closed", "is_won").unique()
    for stage, raw, closed, won in stages.iter_rows():
        assert closed == (stage != "open") and won == (stage == "won")
        assert raw in (*demo.OPEN_STAGES, "Closed Won", "Closed Lost")
        assert (raw == "Closed Won") == won and (raw == "Closed Lost") == (stage == "lost")
    assert opps.filter(pl.col("is_closed") != pl.col("closed_at").is_not_null()).is_empty()
    lost = opps.filter(pl.col("stage") == "lost")
    assert lost["lost_reason"].null_count() == 0
    assert (
        opps.filter(pl.col("stage") != "lost")["lost_reason"].null_count()
        == opps.height - lost.height
    )
    assert (opps["currency"] == "USD").all() and (opps["type"] == "New Business").all()


def test_channels_convert_clearly_differently(small: dict[str, pl.DataFrame]) -> None:
    rates = (
        small["leads"]
        .filter(pl.col("mql_at").is_not_null())
        .group_by("channel")
        .agg(pl.len().alias("mqls"), pl.col("sql_at").is_not_null().mean().alias("rate"))
        .filter(pl.col("mqls") >= 100)
    )
    assert rates.height >= 6
    assert rates["rate"].max() > 2 * rates["rate"].min()  # type: ignore[operator]
    by_channel = dict(rates.select("channel", "rate").iter_rows())
    assert max(by_channel, key=by_channel.__getitem__) == "Referral"
    assert min(by_channel, key=by_channel.__getitem__) == "Paid Social"


def test_planted_rejection_pattern(medium: dict[str, pl.DataFrame]) -> None:
    rejected = medium["leads"].filter(pl.col("rejected_at").is_not_null())
    assert (rejected["rejection_reason"] == rejected["rejection_reason_raw"]).all()
    assert set(rejected["rejection_reason"].drop_nulls()) <= set(demo.REJECTION_REASONS)
    undocumented = rejected["rejection_reason"].is_null().mean()
    assert 0.04 <= undocumented <= 0.12  # type: ignore[operator]
    in_cell = (pl.col("channel") == "Paid Social") & (pl.col("segment") == "SMB")
    share = rejected.group_by(in_cell.alias("cell")).agg(
        (pl.col("rejection_reason") == "Budget doesn't match").mean().alias("budget"),
        pl.len(),
    )
    budget = dict(share.select("cell", "budget").iter_rows())
    assert budget[True] > 2 * budget[False]
    assert medium["leads"].filter(pl.col("rejected_at").is_null())[
        "rejection_reason"
    ].null_count() == (medium["leads"].height - rejected.height)


def test_planted_change_in_latest_complete_quarter(medium: dict[str, pl.DataFrame]) -> None:
    latest, previous = 20263, 20262  # today 2026-11-23 is in 2026-Q4
    quarters = (
        medium["leads"]
        .filter(pl.col("channel") == "Paid Social", pl.col("mql_at").is_not_null())
        .group_by(_quarter("mql_at").alias("quarter"))
        .agg(pl.len().alias("mqls"), pl.col("sql_at").is_not_null().mean().alias("rate"))
    )
    by_quarter = {q: (n, r) for q, n, r in quarters.iter_rows()}
    assert by_quarter[latest][0] > 1.3 * by_quarter[previous][0]
    assert by_quarter[latest][1] < 0.75 * by_quarter[previous][1]
    # the other channels do not change like that
    others = (
        medium["leads"]
        .filter(pl.col("channel") != "Paid Social", pl.col("mql_at").is_not_null())
        .group_by(_quarter("mql_at").alias("quarter"))
        .agg(pl.len())
    )
    counts = dict(others.iter_rows())
    assert counts[latest] < 1.25 * counts[previous]


def test_first_touch_waits_for_business_hours(medium: dict[str, pl.DataFrame]) -> None:
    first = medium["activities"].group_by("lead_id").agg(pl.col("occurred_at").min())
    leads = medium["leads"].join(first, on="lead_id").filter(pl.col("mql_at").is_not_null())
    local = pl.concat(
        leads.filter(pl.col("region") == region).with_columns(
            pl.col("mql_at").dt.convert_time_zone(zone).dt.replace_time_zone(None).alias("local")
        )
        for region, zone in demo.REGIONS.items()
    ).with_columns(
        hours=(pl.col("occurred_at") - pl.col("mql_at")).dt.total_minutes() / 60,
        weekend=pl.col("local").dt.weekday() >= 6,
        office=(pl.col("local").dt.weekday() <= 4) & pl.col("local").dt.hour().is_between(9, 15),
    )
    weekend = local.filter("weekend")["hours"].median()
    office = local.filter("office")["hours"].median()
    assert weekend is not None and office is not None
    assert weekend > office + 12  # weekend MQLs wait for Monday morning
    assert office < 4  # most weekday MQLs get a touch within business hours
    # some MQLs are never touched; about three activities per MQL on average
    mqls = medium["leads"]["mql_at"].is_not_null().sum()
    assert first.height < mqls
    assert 2.5 <= medium["activities"].height / mqls <= 3.8
    assert (medium["activities"]["direction"] == "outbound").mean() > 0.8  # type: ignore[operator]


def test_touchpoints_spend_and_targets(medium: dict[str, pl.DataFrame]) -> None:
    leads, touchpoints = medium["leads"], medium["touchpoints"]
    assert 1.6 <= touchpoints.height / leads.height <= 2.4
    firsts = touchpoints.filter("is_first_touch").group_by("lead_id").len()
    assert firsts.height == leads.height and (firsts["len"] == 1).all()
    assert touchpoints["is_lead_creation_touch"].sum() == leads.height
    assert touchpoints["is_opp_creation_touch"].sum() == medium["opportunities"].height
    creation = touchpoints.filter("is_lead_creation_touch").join(
        leads.select("lead_id", "created_at"), on="lead_id"
    )
    assert (creation["touched_at"] == creation["created_at"]).all()
    spend = medium["spend"]
    assert spend.height == spend.select("month", "channel").unique().height
    assert spend["month"].n_unique() * len(demo.CHANNELS) == spend.height
    assert (spend["campaign"] == "All").all()
    per_channel = dict(spend.group_by("channel").agg(pl.col("amount").sum()).iter_rows())
    assert per_channel["Outbound"] < per_channel["Paid Search"] / 3
    assert per_channel["Organic Search"] < per_channel["Paid Search"] / 3
    targets = medium["targets"]
    assert set(targets["metric"]) == set(demo.TARGET_METRICS)
    assert targets.select("month", "metric").is_unique().all()
    march = targets.filter(pl.col("month") == date(2026, 3, 1))
    target = dict(march.select("metric", "value").iter_rows())
    actual_mqls = leads.filter(pl.col("mql_at").dt.strftime("%Y-%m") == "2026-03").height
    assert 0.8 * actual_mqls <= target["mqls"] <= 1.3 * actual_mqls
    assert 0.25 <= target["mql_to_sql"] <= 0.5


@pytest.mark.parametrize("n", [1, 40, 500])
def test_tiny_datasets_generate(n: int) -> None:
    tables = demo.generate(n, today=date(2026, 1, 1))
    assert tables["leads"].height == n


# ---- database ----------------------------------------------------------------------------------
def test_load_and_remove_demo(tmp_path: Path, small: dict[str, pl.DataFrame]) -> None:
    con = model.connect(tmp_path / "x.duckdb")
    try:
        assert not demo.has_demo(con)
        import_id = demo.load_demo(con, 3_000, today=TODAY)
        counts = store.table_counts(con)
        assert counts == {table: small[table].height for table in schema.FACT_TABLES}
        assert demo.has_demo(con) and demo.is_demo_import(con, import_id)
        assert not demo.is_demo_import(con, import_id + 100)
        assert store.scalar(con, "SELECT count(*) FROM lead_facts") == 3_000
        assert store.scalar(con, "SELECT count(*) FROM opp_facts") == counts["opportunities"]
        row = con.execute(
            "SELECT file_name, source_system, status, rows_loaded, finished_at IS NOT NULL "
            "FROM imports WHERE import_id = ?",
            [import_id],
        ).fetchone()
        assert row == ("Demo data (generated)", "demo", "loaded", 3_000, True)
        for table in (*schema.FACT_TABLES, "owners"):
            missing = store.scalar(
                con, f"SELECT count(*) FROM {table} WHERE import_id IS DISTINCT FROM ?", [import_id]
            )
            assert missing == 0, table
        assert store.scalar(con, "SELECT count(*) FROM owners") == 25
        won = store.scalar(con, "SELECT count(*) FROM opp_facts WHERE outcome = 'won'")
        assert won == small["opportunities"]["is_won"].sum()

        # real data survives removing the demo
        con.execute(
            "INSERT INTO leads (lead_id, source_system, external_id) VALUES ('x:1', 'x', '1')"
        )
        con.execute("INSERT INTO owners (owner, team) VALUES ('Real Person', 'Real Team')")
        demo.remove_demo(con)
        assert store.table_counts(con) == {t: int(t == "leads") for t in schema.FACT_TABLES}
        assert store.scalar(con, "SELECT count(*) FROM owners") == 1
        assert not demo.has_demo(con)
        assert store.scalar(con, "SELECT count(*) FROM imports") == 0
    finally:
        con.close()


def test_load_demo_uses_given_tables(tmp_path: Path) -> None:
    tables = demo.generate(300, today=TODAY)
    con = model.connect(tmp_path / "x.duckdb")
    try:
        first = demo.load_demo(con, tables=tables)
        assert store.table_counts(con)["leads"] == 300
        demo.remove_demo(con)
        second = demo.load_demo(con, tables=tables)
        assert second > first
        columns = ", ".join(c for c in tables["leads"].columns if c != "import_id")
        stored = store.query(con, f"SELECT {columns} FROM leads ORDER BY lead_id")
        assert_frame_equal(stored, tables["leads"].drop("import_id").sort("lead_id"))
    finally:
        con.close()


def test_ensure_demo_only_fills_an_empty_database(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "empty.duckdb")
    try:
        assert demo.ensure_demo(con) is True
        assert demo.has_demo(con) and store.table_counts(con)["leads"] == demo.DEFAULT_LEADS
        assert demo.ensure_demo(con) is False  # already has data
        # once the user removed it, an empty database stays empty (until `alignment demo`)
        demo.remove_demo(con)
        assert demo.ensure_demo(con) is False and not demo.has_demo(con)
        demo.load_demo(con, n_leads=100)
        assert demo.has_demo(con)
    finally:
        con.close()
    con = model.connect(tmp_path / "used.duckdb")
    try:
        con.execute(
            "INSERT INTO leads (lead_id, source_system, external_id) VALUES ('x:1', 'x', '1')"
        )
        assert demo.ensure_demo(con) is False
        assert not demo.has_demo(con)
    finally:
        con.close()


# ---- sample exports ----------------------------------------------------------------------------
def test_write_samples(tmp_path: Path) -> None:
    paths = demo.write_samples(tmp_path, today=TODAY)
    assert [p.name for p in paths] == ["hubspot_contacts.csv", "salesforce_opportunities.csv"]
    hubspot, salesforce = paths

    with hubspot.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(demo.HUBSPOT_HEADER)
    assert 250 <= len(rows) - 1 <= 350
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert all(re.fullmatch(r"\d{8}", r["Record ID"]) for r in records)
    assert len({r["Record ID"] for r in records}) == len(records)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["Create Date"]) for r in records)
    stages = {r["Lifecycle Stage"] for r in records}
    assert stages <= {
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    }
    assert {"lead", "marketingqualifiedlead", "customer"} <= stages
    statuses = {
        "NEW",
        "ATTEMPTED_TO_CONTACT",
        "CONNECTED",
        "OPEN_DEAL",
        "UNQUALIFIED",
        "BAD_TIMING",
    }
    assert {r["Lead Status"] for r in records} <= statuses
    sources = {r["Original Source"] for r in records}
    assert sources <= {*demo.HUBSPOT_SOURCE.values(), "DIRECT_TRAFFIC"} and len(sources) >= 6
    assert any(r["Became a Customer Date"] for r in records)
    assert any(not r["Became a Marketing Qualified Lead Date"] for r in records)

    text = salesforce.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == ",".join(f'"{h}"' for h in demo.SALESFORCE_HEADER)
    assert lines[-6:] == [
        "",
        '"Confidential Information - Do Not Distribute"',
        '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
        '"Generated By:  Alex Morgan  11/23/2026 9:14 AM"',
        '"Alignment Demo Inc."',
        "",
    ]
    data = list(csv.reader(lines[1:-6]))
    assert 140 <= len(data) <= 160
    assert all(line.startswith('"') and line.endswith('"') for line in lines[1:-6])
    ids = [row[0] for row in data]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"006[0-9A-Za-z]{12}([0-9A-Za-z]{3})?", i) for i in ids)
    assert all(re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", row[5]) for row in data)
    us_date = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
    assert all(us_date.fullmatch(row[7]) for row in data)
    closed = [row for row in data if row[4] in ("Closed Won", "Closed Lost")]
    assert closed and all(us_date.fullmatch(row[6]) for row in closed)
    assert all(row[6] == "" for row in data if row not in closed)
    assert all((row[10] != "") == (row[4] == "Closed Lost") for row in data)
    days = [int(us_date.fullmatch(row[7]).group(2)) for row in data]  # type: ignore[union-attr]
    assert max(days) > 12  # the day / month order is decidable


def test_committed_samples_exist() -> None:
    """data/samples/ holds what `make samples` writes (today pinned to 2026-11-23)."""
    hubspot = (SAMPLES / "hubspot_contacts.csv").read_text(encoding="utf-8")
    assert hubspot.split("\n", 1)[0] == ",".join(demo.HUBSPOT_HEADER)
    salesforce = (SAMPLES / "salesforce_opportunities.csv").read_text(encoding="utf-8")
    assert salesforce.split("\n", 1)[0] == ",".join(f'"{h}"' for h in demo.SALESFORCE_HEADER)
    assert salesforce.endswith('"Alignment Demo Inc."\n')


# ---- scale -------------------------------------------------------------------------------------
def test_scale_smoke() -> None:
    tables = demo.generate(200_000, today=TODAY)
    assert tables["leads"].height == 200_000
    assert tables["leads"]["lead_id"].is_unique().all()
    assert 0.1 < tables["opportunities"].height / 200_000 < 0.2
