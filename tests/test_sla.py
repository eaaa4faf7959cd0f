"""SLA adherence against a tiny database whose numbers are worked out by hand below.

Calendar: the default contract's, UTC, Monday to Friday 09:00-17:00, no holidays (8 business
hours a day). 2026-03-02 is a Monday. "Now" is Friday 2026-03-20 12:00 UTC. The contract used
is the default one with K = 3 attempts in D = 14 days (response target 4 business hours, 1 for
high-intent leads).

    lead  MQL (UTC)          tier  touches (outbound unless said)              outcome
    A1    Mon 03-02 10:00    std   inbound email 10:30 (ignored), call 11:00,  -
                                   call 03-03 10:00, call 03-05 10:00
    A2    Fri 03-06 16:00    std   call Mon 03-09 11:00                        -
    A3    Mon 03-02 09:00    high  call 10:30                                  SQL 03-04
    A4    Tue 03-03 12:00    std   task 12:30 (type not counted),              rejected 03-10,
                                   email Wed 03-04 12:00                        no reason
    A5    Fri 03-20 10:00    std   none                                        -
    A6    Wed 03-18 09:00    std   none                                        -
    A7    Mon 03-09 12:00    std   call 11:00 (before the clock: ignored),     -
                                   call 13:00
    A8    Thu 02-12 10:00    std   call 11:00                                  (February)
    A9    Tue 03-03 09:00    std   call 09:30                                  rejected 03-04,
                                                                                "Budget doesn't
                                                                                match"

Response (business hours from MQL to the first counted touch at or after it):
  A1 11:00-10:00 = 1 h (within 4);  A2 Fri 16-17 (1 h) + Mon 09-11 (2 h) = 3 h (within);
  A3 1.5 h > 1 h high-intent target (late);  A4 Tue 12-17 (5 h) + Wed 09-12 (3 h) = 8 h (late);
  A5 not touched, Fri 10:00-12:00 = 2 h <= 4 (pending);
  A6 not touched, Wed 8 h + Thu 8 h + Fri 09-12 3 h = 19 h > 4 (open breach);
  A7 13:00-12:00 = 1 h (within);  A9 0.5 h (within).  A8 is February's cohort.
  within = A1 A2 A7 A9 = 4, late = A3 A4 = 2, open breaches = A6 = 1, pending = A5 = 1
  within share = 4 / (4 + 2 + 1) = 4/7;  n = 7
  touched hours sorted: 0.5 1 1 1.5 3 8 -> median (1 + 1.5) / 2 = 1.25;
  p90 (linear): position 0.9 x 5 = 4.5 -> 3 + 0.5 x (8 - 3) = 5.5
Attempts (counted touches within 14 days of MQL; K = 3):
  A1 3 (compliant); A3 1 but SQL on 03-04, before its window ended 03-16 (resolved);
  A9 1 but rejected with a reason on 03-04 (resolved); A4 1, rejected without a reason, window
  ended 03-17 12:00 < now (short); A2 (window ends 03-20 16:00), A5, A6, A7 windows still open
  (pending).  compliance = (1 + 2) / (3 + 1) = 3/4;  n = 4
Documentation (MQLs of March rejected and never accepted): A4 (no reason), A9 (a reason)
  -> 1 / 2 = 50 %
MQL volume: 8 March MQLs (A1-A7, A9). March 2026 has 22 business days (2-6, 9-13, 16-20,
  23-27, 30-31); before Friday 03-20: 2-6, 9-13, 16-19 = 14 -> expected by today
  150 x 14 / 22 = 95.45...; at risk below 135 / 150 x 95.45 = 85.9 -> 8 is missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from alignment import model, stats
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import sla
from alignment.model import business_time, facts
from alignment.model.sla_contract import Contract, calendar_keys
from alignment.periods import Period
from alignment.present import format, sla_charts, sla_tables
from alignment.selection import Selection

MARCH = Period.month(2026, 3)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
CONTRACT = Contract(attempt_count=3)

LEADS = """
('A1', '2026-03-02 10:00', FALSE, NULL,         NULL,         NULL),
('A2', '2026-03-06 16:00', FALSE, NULL,         NULL,         NULL),
('A3', '2026-03-02 09:00', TRUE,  '2026-03-04', NULL,         NULL),
('A4', '2026-03-03 12:00', FALSE, NULL,         '2026-03-10', NULL),
('A5', '2026-03-20 10:00', FALSE, NULL,         NULL,         NULL),
('A6', '2026-03-18 09:00', FALSE, NULL,         NULL,         NULL),
('A7', '2026-03-09 12:00', FALSE, NULL,         NULL,         NULL),
('A8', '2026-02-12 10:00', FALSE, NULL,         NULL,         NULL),
('A9', '2026-03-03 09:00', FALSE, NULL,         '2026-03-04', 'Budget doesn''t match')
"""

ACTIVITIES = """
('X1', 'A1', 'email', 'inbound',  '2026-03-02 10:30'),
('X2', 'A1', 'call',  'outbound', '2026-03-02 11:00'),
('X3', 'A1', 'call',  'outbound', '2026-03-03 10:00'),
('X4', 'A1', 'call',  'outbound', '2026-03-05 10:00'),
('X5', 'A2', 'Call',  'Outbound', '2026-03-09 11:00'),
('X6', 'A3', 'call',  NULL,       '2026-03-02 10:30'),
('X7', 'A4', 'task',  'outbound', '2026-03-03 12:30'),
('X8', 'A4', 'email', 'outbound', '2026-03-04 12:00'),
('X9', 'A7', 'call',  'outbound', '2026-03-09 11:00'),
('X10', 'A7', 'call', 'outbound', '2026-03-09 13:00'),
('X11', 'A8', 'call', 'outbound', '2026-02-12 11:00'),
('X12', 'A9', 'call', 'outbound', '2026-03-03 09:30')
"""


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "sla.duckdb")
    connection.execute(
        f"""
        INSERT INTO leads (lead_id, source_system, external_id, created_at, owner, team,
                           high_intent, mql_at, sql_at, rejected_at, rejection_reason_raw)
        SELECT 'test:' || id, 'test', id, mql::TIMESTAMPTZ - INTERVAL 1 DAY,
               CASE WHEN id IN ('A1', 'A2', 'A3') THEN 'Ann' ELSE 'Bob' END, 'SDR',
               high, mql::TIMESTAMPTZ, sql_::TIMESTAMPTZ, rejected::TIMESTAMPTZ, reason
        FROM (VALUES {LEADS}) v(id, mql, high, sql_, rejected, reason)
        """
    )
    connection.execute(
        f"""
        INSERT INTO activities (activity_id, source_system, external_id, lead_id, owner,
                                activity_type, direction, occurred_at)
        SELECT 'test:' || id, 'test', id, 'test:' || lead, 'Ann', type, direction,
               occurred::TIMESTAMPTZ
        FROM (VALUES {ACTIVITIES}) v(id, lead, type, direction, occurred)
        """
    )
    facts.refresh(connection)
    business_time.write_calendar_table(connection, calendar_keys(()))
    yield connection
    connection.close()


def test_response_and_attempts_summary(con: store.Connection) -> None:
    result = sla.response_summary(con, MARCH, now=NOW, contract=CONTRACT)
    expected = {
        "mqls": 8,
        "within": 4,
        "late": 2,
        "open_breaches": 1,
        "pending": 1,
        "within_n": 7,
        "attempts_compliant": 3,
        "attempts_short": 1,
        "attempts_pending": 4,
        "attempt_n": 4,
    }
    assert {k: result[k] for k in expected} == expected
    assert result["within_share"] == pytest.approx(4 / 7)
    assert result["median_hours"] == pytest.approx(1.25)
    assert result["p90_hours"] == pytest.approx(5.5)
    assert result["attempt_compliance"] == pytest.approx(3 / 4)


def test_an_earlier_now_turns_the_open_breach_into_pending(con: store.Connection) -> None:
    # at Wed 03-18 12:00, A6 (MQL 09:00 that day) has waited 3 business hours: pending; A5 is
    # not an MQL yet... but its MQL date is in March, so it is in the cohort with its clock
    # not started: business time from 10:00 Friday to a now before it is negative -> the end
    # is clamped to the start (0 h, pending)
    earlier = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
    result = sla.response_summary(con, MARCH, now=earlier, contract=CONTRACT)
    assert (result["open_breaches"], result["pending"]) == (0, 2)


def test_breakdown_by_tier_and_owner(con: store.Connection) -> None:
    tiers = sla.response_by(con, MARCH, "tier", now=NOW, contract=CONTRACT)
    # high-intent: A3 (late) -> 0 of 1;  standard: the other seven -> 4 within of 6 decided
    rows = {r["tier"]: (r["mqls"], r["within"], r["within_n"]) for r in tiers.to_dicts()}
    assert rows == {"standard": (7, 4, 6), "high-intent": (1, 0, 1)}
    owners = sla.response_by(con, MARCH, "owner", now=NOW, contract=CONTRACT)
    # Ann: A1 A2 (within) A3 (late) -> 2 of 3; Bob: A4 late, A5 pending, A6 open, A7 A9 within
    rows = {r["owner"]: (r["mqls"], r["within"], r["within_n"]) for r in owners.to_dicts()}
    assert rows == {"Bob": (5, 2, 4), "Ann": (3, 2, 3)}


def test_breakdown_by_week(con: store.Connection) -> None:
    weeks = sla.response_by(con, MARCH, "week", now=NOW, contract=CONTRACT)
    # week of 03-02: A1 A3 A4 A9 + A2 (Fri 03-06); 03-09: A7; 03-16: A5 A6
    result = [(r["week"], r["mqls"]) for r in weeks.to_dicts()]
    assert result == [(date(2026, 3, 2), 5), (date(2026, 3, 9), 1), (date(2026, 3, 16), 2)]


def test_filters_apply(con: store.Connection) -> None:
    ann = Selection(MARCH, "none", Filters(owner=("Ann",)))
    result = sla.response_summary(con, ann, now=NOW, contract=CONTRACT)
    assert (result["mqls"], result["within"], result["late"]) == (3, 2, 1)


def test_high_intent_by_channel_or_score_rule(con: store.Connection) -> None:
    # no flag: A3 is standard, 1.5 h <= 4 h -> within; within 5 of 7
    rule = replace(CONTRACT, high_intent=replace(CONTRACT.high_intent, use_flag=False))
    result = sla.response_summary(con, MARCH, now=NOW, contract=rule)
    assert (result["within"], result["late"]) == (5, 1)


def test_touch_types_and_directions_are_the_contracts(con: store.Connection) -> None:
    # counting tasks too: A4's task at 12:30 is its first touch, 0.5 h -> within
    terms = replace(CONTRACT, touch_types=())
    result = sla.response_summary(con, MARCH, now=NOW, contract=terms)
    assert (result["within"], result["late"]) == (5, 1)
    # not counting activities without a direction: A3's call has none -> A3 not touched,
    # waited Mon 09:00 -> Fri 12:00 = 4 x 8 + 3 = 35 h > 1 h: an open breach
    terms = replace(CONTRACT, count_unknown_direction=False)
    result = sla.response_summary(con, MARCH, now=NOW, contract=terms)
    assert (result["late"], result["open_breaches"]) == (1, 2)


def test_breach_list_open_first(con: store.Connection) -> None:
    rows, total = sla.breaches(con, MARCH, "response_time", now=NOW, contract=CONTRACT)
    # A6 (open, 19 h), then the closed ones by business hours: A4 8 h, A3 1.5 h
    assert total == 3
    assert rows["lead_id"].to_list() == ["test:A6", "test:A4", "test:A3"]
    assert rows["state"].to_list() == ["open", "closed", "closed"]
    assert rows["business_hours"].to_list() == [19.0, 8.0, 1.5]
    rows, total = sla.breaches(con, MARCH, "attempts", now=NOW, contract=CONTRACT)
    assert (rows["lead_id"].to_list(), total) == (["test:A4"], 1)
    rows, total = sla.breaches(con, MARCH, "documentation", now=NOW, contract=CONTRACT)
    assert (rows["lead_id"].to_list(), total) == (["test:A4"], 1)
    page, total = sla.breaches(
        con, MARCH, "response_time", page=2, page_size=2, now=NOW, contract=CONTRACT
    )
    assert (page["lead_id"].to_list(), total) == (["test:A3"], 3)


def test_pacing_on_a_fixed_date(con: store.Connection) -> None:
    result = sla.volume_target(con, MARCH, CONTRACT, date(2026, 3, 20))
    assert result["target"] == pytest.approx(150)
    assert result["expected_to_date"] == pytest.approx(150 * 14 / 22)
    assert result["source"] == "contract"
    # a past month is not paced
    assert (
        sla.volume_target(con, Period.month(2026, 2), CONTRACT, date(2026, 3, 20))[
            "expected_to_date"
        ]
        is None
    )


def test_imported_monthly_target_wins(con: store.Connection) -> None:
    con.execute("INSERT INTO targets (month, metric, value) VALUES ('2026-03-01', 'mqls', 220)")
    result = sla.volume_target(con, MARCH, CONTRACT, date(2026, 4, 1))
    assert (result["target"], result["source"]) == (220, "imported")
    # a quarter: January and February the contract's 150, March 220 -> 520
    quarter = sla.volume_target(con, Period.quarter(2026, 1), CONTRACT, date(2026, 4, 1))
    assert (quarter["target"], quarter["source"]) == (pytest.approx(520), "mixed")


def test_commitments_and_statuses(con: store.Connection) -> None:
    results, _ = sla.commitments(con, MARCH, now=NOW, contract=CONTRACT)
    volume = results["mql_volume"]
    assert (volume.actual, volume.status) == (8, "missed")
    assert volume.target == pytest.approx(150 * 14 / 22)
    # response 4/7 = 57 % < 80 % -> missed; attempts 75 % < 80 % -> missed
    assert (results["response_time"].status, results["attempts"].status) == ("missed", "missed")
    # documentation 1 of 2 = 50 % < 95 % -> missed
    assert (results["documentation"].actual, results["documentation"].n) == (0.5, 2)
    # MQL -> SQL: A3 reached SQL: 1 of 8 = 12.5 % < 22 % -> missed
    assert (results["mql_to_sql"].actual, results["mql_to_sql"].n) == (0.125, 8)


def test_without_activities_lead_fields_are_used(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "fields.duckdb")
    # B1: MQL Mon 03-02 10:00, first engagement 13:00 -> 3 h within; contacted 6 times
    # B2: MQL Mon 03-02 10:00, first engagement Tue 11:00 -> 7 h + 2 h = 9 h late; 2 times
    con.execute(
        """
        INSERT INTO leads (lead_id, source_system, external_id, mql_at, first_engagement_at,
                           times_contacted)
        VALUES ('t:B1', 't', 'B1', '2026-03-02 10:00', '2026-03-02 13:00', 6),
               ('t:B2', 't', 'B2', '2026-03-02 10:00', '2026-03-03 11:00', 2)
        """
    )
    facts.refresh(con)
    business_time.write_calendar_table(con, calendar_keys(()))
    assert sla.touch_source(con) == "lead fields"
    result = sla.response_summary(con, MARCH, now=NOW, contract=Contract())
    assert (result["within"], result["late"]) == (1, 1)
    # K = 6: B1 compliant; B2 short (window ended 03-16)
    assert (result["attempts_compliant"], result["attempts_short"]) == (1, 1)
    con.close()


def test_touch_source_none(tmp_path: Path) -> None:
    con = model.connect(tmp_path / "none.duckdb")
    assert sla.touch_source(con) == "none"
    con.close()


def test_histogram_bins_and_edges(con: store.Connection) -> None:
    bins, edges = sla.response_histogram(con, MARCH, now=NOW, contract=CONTRACT)
    assert edges == [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 24.0, 40.0]
    standard = dict(bins.filter(bins["tier"] == "standard").select("label", "leads").iter_rows())
    # touched standard leads: A9 0.5 h -> [0.5, 1); A1 1, A7 1 -> [1, 2); A2 3 -> [2, 4);
    # A4 8 -> [8, 16)
    assert standard["30 min–1 h"] == 1
    assert standard["1 h–2 h"] == 2
    assert standard["2 h–4 h"] == 1
    assert standard["8 h–16 h"] == 1
    assert sum(standard.values()) == 5
    high = dict(bins.filter(bins["tier"] == "high-intent").select("label", "leads").iter_rows())
    assert high["1 h–2 h"] == 1 and sum(high.values()) == 1
    figure = sla_charts.response_histogram(bins, edges, {"standard": 4.0, "high-intent": 1.0}, "t")
    # one bar series per tier, a target line at the 4 h edge (between bins 4 and 5) and 1 h
    assert [trace.name for trace in figure.data] == ["Other leads", "High-intent leads"]
    assert sorted(shape.x0 for shape in figure.layout.shapes) == [2.5, 4.5]


def test_hours_format() -> None:
    assert [format.hours(v) for v in (0.25, 1.25, 12.4, None)] == ["15 min", "1.2 h", "12 h", "–"]


def test_scorecard_tiles_text(con: store.Connection) -> None:
    card = sla.scorecard(con, Selection(MARCH, "none"), now=NOW)
    tiles = sla_tables.scorecard_tiles(card, Contract())
    by_key = {t.commitment: t for t in tiles}
    # default contract (K = 6): attempts differ from CONTRACT, response does not: 4 of 7
    assert by_key["response_time"].value == "57 %"
    assert "n = 7 decided MQLs" in by_key["response_time"].caption
    assert by_key["mql_volume"].value == "8"
    assert "Missed" in by_key["mql_volume"].badge


def test_a_period_is_judged_by_the_version_in_effect(con: store.Connection) -> None:
    from alignment.model import sla_contract_io

    sla_contract_io.save_version(con, CONTRACT)  # from 2000: 4 h
    stricter = replace(CONTRACT, effective_from=date(2026, 3, 1), response_hours=1.0)
    sla_contract_io.save_version(con, stricter)
    # March, 1 h target: within A1 (1 h), A7 (1 h), A9 (0.5 h); late A2 (3 h), A3 (1.5 h), A4;
    # not touched: A6 (19 h) and A5 (2 h since 10:00) are both past 1 h -> 3 of 8
    march = sla.response_summary(con, MARCH, now=NOW)
    assert (march["within"], march["late"], march["open_breaches"], march["pending"]) == (
        3,
        3,
        2,
        0,
    )
    assert sla.contract_for_period(con, Period.month(2026, 2)).response_hours == 4.0
    # the scorecard's comparison (February) is judged by the earlier version: A8 1 h within
    card = sla.scorecard(con, Selection(MARCH), now=NOW)
    response = card.filter(card["commitment"] == "response_time").to_dicts()[0]
    assert response["actual"] == pytest.approx(3 / 8)
    assert response["comparison_actual"] == pytest.approx(1.0)


def test_monthly_targets_and_pace(con: store.Connection) -> None:
    months = [date(2026, 2, 1), date(2026, 3, 1)]
    result = sla.monthly(con, MARCH, months, now=NOW)
    # February: 1 MQL (A8) vs 150, not paced; March: 8 vs 150, paced 150 x 14 / 22
    assert result["mqls"].to_list() == [1, 8]
    assert result["mql_target"].to_list() == [150, 150]
    assert result["expected_to_date"][0] is None
    assert result["expected_to_date"][1] == pytest.approx(150 * 14 / 22)
    # documentation: March 1 of 2 rejected MQLs documented; February none rejected
    assert result["sla_documentation"].to_list()[1] == pytest.approx(0.5)
    figure = sla_charts.volume_vs_target(result, "t")
    assert [trace.name for trace in figure.data] == ["MQLs", "Target", "Expected by today"]


def test_counts_as_touch() -> None:
    terms = Contract()
    assert sla.counts_as_touch(terms, "Outbound Call", "Outbound")
    assert sla.counts_as_touch(terms, "LinkedIn", None)  # no direction: counts by default
    assert not sla.counts_as_touch(terms, "Task", "Outbound")
    assert not sla.counts_as_touch(terms, "Email", "Inbound")
    assert not sla.counts_as_touch(replace(terms, count_unknown_direction=False), "Call", "")


def test_cli_sla_json_and_contract_file(
    con: store.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from alignment.cli import main
    from alignment.model import sla_contract_io

    sla_contract_io.save_version(con, CONTRACT)
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    con.close()
    monkeypatch.setenv("ALIGNMENT_NOW", NOW.isoformat())
    assert main(["sla", "--db", path, "--period", "2026-03", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    response = result["commitments"]["response_time"]
    # the numbers of the module docstring: 4 of 7 decided, median 1.25 h, p90 5.5 h
    assert (response["actual"], response["n"], response["status"]) == (
        pytest.approx(4 / 7),
        7,
        "missed",
    )
    assert result["response_hours"]["median"] == pytest.approx(1.25)
    assert result["response_hours"]["p90"] == pytest.approx(5.5)
    assert result["commitments"]["attempts"]["actual"] == pytest.approx(3 / 4)

    # judged by a file instead: a 1-hour target -> 3 of 8 (see the versioning test)
    strict = tmp_path / "strict.toml"
    strict.write_text(
        sla_contract_io.to_toml(replace(CONTRACT, response_hours=1.0)), encoding="utf-8"
    )
    assert (
        main(["sla", "--db", path, "--period", "2026-03", "--contract", str(strict), "--json"]) == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["commitments"]["response_time"]["actual"] == pytest.approx(3 / 8)

    # a table with --by, and a bad contract file refused with its line
    assert main(["sla", "--db", path, "--period", "2026-03", "--by", "owner"]) == 0
    printed = capsys.readouterr().out
    assert "Sales acts promptly" in printed and "Ann" in printed and "Bob" in printed
    bad = tmp_path / "bad.toml"
    bad.write_text("effective_from = 2026-01-01\nresponse_hours = -4\n", encoding="utf-8")
    assert main(["sla", "--db", path, "--contract", str(bad)]) == 1
    assert "bad.toml, line 2" in capsys.readouterr().err


def test_small_samples_and_all_time_get_no_verdict(con: store.Connection) -> None:
    card = sla.scorecard(con, Selection(MARCH, "none"), now=NOW)
    tiles = {t.commitment: t for t in sla_tables.scorecard_tiles(card, Contract())}
    # 7 decided MQLs: too few for a status; the caption gives the Wilson interval of 4 of 7
    low, high = stats.wilson_interval(4, 7)
    assert tiles["response_time"].badge == sla_tables.FEW_BADGE
    assert f"95 % CI {format.rate_interval(low, high)}" in tiles["response_time"].caption
    # all time: MQL volume has no monthly target to meet
    everything = sla.scorecard(con, Selection(Period.parse("all"), "none"), now=NOW)
    volume = everything.filter(everything["commitment"] == "mql_volume").to_dicts()[0]
    assert (volume["actual"], volume["target"], volume["status"]) == (9, None, None)
    assert sla_tables.overview_target(everything, "mqls") is None


def test_activity_kinds_follow_the_activities(con: store.Connection) -> None:
    # the fixture's (type, direction) pairs: email/inbound, call/outbound (x6: X2 X3 X4 X9 X10
    # X11 X12 -> 7), Call/Outbound, call/NULL, task/outbound, email/outbound
    kinds = dict(
        ((t, d), n)
        for t, d, n in con.execute(
            "SELECT activity_type, direction, activities FROM activity_kinds"
        ).fetchall()
    )
    assert kinds[("call", "outbound")] == 7 and kinds[("call", None)] == 1
    assert sum(kinds.values()) == 12
    with store.transaction(con, changes_data={"activities"}):
        con.execute(
            "INSERT INTO activities (activity_id, source_system, external_id, activity_type, "
            "direction, occurred_at) VALUES ('t:Y', 't', 'Y', 'SMS', 'outbound', '2026-03-02')"
        )
    assert con.execute(
        "SELECT activities FROM activity_kinds WHERE activity_type = 'SMS'"
    ).fetchone() == (1,)


@pytest.mark.parametrize(("flagged", "status"), [(3, None), (1, "met")])
def test_an_mql_to_sql_rate_implied_by_flags_is_not_judged(
    tmp_path: Path, flagged: int, status: str | None
) -> None:
    con = model.connect(tmp_path / "flags.duckdb")
    # 4 MQLs in March; `flagged` of them are won by a flag only (no SQL or later date, so they
    # count as SQLs because a flag implies every earlier stage), 1 has an SQL date, the rest
    # did not reach SQL. flagged = 3: SQLs 4, 3 of them by flag, more than half -> not judged;
    # flagged = 1: SQLs 2, 1 by flag, not more than half -> judged: 2 / 4 = 50 % >= 22 % -> met
    rows = [
        ("F1", "2026-03-02 10:00", None, flagged >= 1),
        ("F2", "2026-03-03 10:00", None, flagged >= 2),
        ("F3", "2026-03-04 10:00", None, flagged >= 3),
        ("D1", "2026-03-05 10:00", "2026-03-10 10:00", False),
    ]
    for key, mql, sql_at, won in rows:
        con.execute(
            "INSERT INTO leads (lead_id, source_system, external_id, mql_at, sql_at, is_won) "
            "VALUES ($id, 't', $key, $mql, $sql, $won)",
            {"id": f"t:{key}", "key": key, "mql": mql, "sql": sql_at, "won": won},
        )
    facts.refresh(con)
    business_time.write_calendar_table(con, calendar_keys(()))
    result = sla.commitments(con, MARCH, now=NOW, contract=CONTRACT)[0]["mql_to_sql"]
    con.close()
    assert (result.actual, result.n) == ((flagged + 1) / 4, 4)
    assert result.status == status
    if status is None:
        assert result.note == "3 of 4 SQLs come from a converted or won flag, not an SQL date"
        card = pl.DataFrame(
            [
                {
                    "commitment": "mql_to_sql",
                    "target": 0.25,
                    "unit": "rate",
                    "status": None,
                    "note": result.note,
                }
            ]
        )
        assert sla_tables.overview_target(card, "mql_to_sql") == (
            f"Target 25 % · Not judged ({result.note})"
        )
    else:
        assert result.note == ""
