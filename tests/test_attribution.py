"""Attribution (metrics.attribution and `alignment attribution`) on a fixture worked out by
hand below.

Lead A has two opportunities, O1 (created 2026-03-10, 1,000, won, closed 03-20) and O3
(created 03-30, 2,000, open); lead B has O2 (created 03-15, 600, lost, closed 03-25); lead C has
O4 (created 03-05, 500, won, closed 03-06) and no touches. Touches (LC = lead-creation flag,
OC = opportunity-creation flag; `opp` = the touch's own opportunity):

    T1  A  03-01  Email        C1
    T3  A  03-12  Events       C3  opp O1 (after O1's creation: left out; not O3's: own opp)
    T4  A  03-16  Webinar      C2  LC (after O1's creation)
    T5  A  03-23  Paid Social  C4
    T6  A  03-27  Email        C1  opp O3, OC
    T7  A  03-30  Webinar      C2  (at O3's creation: counts)
    T8  A  04-02  Email        C1  (after every creation)
    T9  B  03-01  Events       C3
    T10 B  03-08  Email        C1
    T11 B  03-20  Email        C1  (after O2's creation)

So O1 has 1 touch (T1), O2 has 2 (T9, T10; no flags), O3 has 5 (T1, T4, T5, T6, T7): T1 counts
once for O1 and once for O3 (the lead's two opportunities), never twice for one. Touch channels
go through the default channel map: the raw `Webinar` is the channel Webinars.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model
from alignment.cli import build_parser, main
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import attribution
from alignment.model import facts
from alignment.periods import Period
from alignment.selection import Selection

MARCH = Period.month(2026, 3)

OPPORTUNITIES = """
('O1', 'A', '2026-03-10', '2026-03-20', 'Closed Won',  1000, 'Email'),
('O2', 'B', '2026-03-15', '2026-03-25', 'Closed Lost', 600,  'Events'),
('O3', 'A', '2026-03-30', NULL,         'Proposal',    2000, 'Email'),
('O4', 'C', '2026-03-05', '2026-03-06', 'Closed Won',  500,  'Email')
"""

TOUCHES = """
('T1',  'A', NULL, '2026-03-01', 'Email',       'C1', FALSE, FALSE),
('T3',  'A', 'O1', '2026-03-12', 'Events',      'C3', FALSE, FALSE),
('T4',  'A', NULL, '2026-03-16', 'Webinar',     'C2', TRUE,  FALSE),
('T5',  'A', NULL, '2026-03-23', 'Paid Social', 'C4', FALSE, FALSE),
('T6',  'A', 'O3', '2026-03-27', 'Email',       'C1', FALSE, TRUE),
('T7',  'A', NULL, '2026-03-30', 'Webinar',     'C2', FALSE, FALSE),
('T8',  'A', NULL, '2026-04-02', 'Email',       'C1', FALSE, FALSE),
('T9',  'B', NULL, '2026-03-01', 'Events',      'C3', FALSE, FALSE),
('T10', 'B', NULL, '2026-03-08', 'Email',       'C1', FALSE, FALSE),
('T11', 'B', NULL, '2026-03-20', 'Email',       'C1', FALSE, FALSE)
"""

# time decay (7-day half life): weight 2^(-days before creation / 7), credit = amount x
# weight / sum of weights. O2 (created 03-15): T9 14 days -> 0.25, T10 7 days -> 0.5.
# O3 (created 03-30): T1 29 days, T4 14 -> 0.25, T5 7 -> 0.5, T6 3, T7 0 -> 1.
O2_DECAY = [0.25, 0.5]
O3_DECAY = [2 ** (-29 / 7), 0.25, 0.5, 2 ** (-3 / 7), 1.0]


def _decay(amount: float, weights: list[float]) -> list[float]:
    return [amount * w / sum(weights) for w in weights]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.duckdb"
    connection = model.connect(path)
    connection.execute(
        "INSERT INTO leads (lead_id, source_system, external_id, name) "
        "SELECT 'test:' || id, 'test', id, 'Person ' || id FROM (VALUES ('A'), ('B'), ('C')) v(id)"
    )
    connection.execute(
        f"""
        INSERT INTO opportunities (opp_id, source_system, external_id, lead_id, created_at,
                                   closed_at, stage_raw, amount, channel)
        SELECT 'test:' || id, 'test', id, 'test:' || lead, created, closed, stage, amount, channel
        FROM (VALUES {OPPORTUNITIES}) v(id, lead, created, closed, stage, amount, channel)
        """
    )
    connection.execute(
        f"""
        INSERT INTO touchpoints (touchpoint_id, source_system, external_id, lead_id, opp_id,
                                 touched_at, channel, campaign, is_lead_creation_touch,
                                 is_opp_creation_touch)
        SELECT 'test:' || id, 'test', id, 'test:' || lead, 'test:' || opp, touched, channel,
               campaign, lc, oc
        FROM (VALUES {TOUCHES}) v(id, lead, opp, touched, channel, campaign, lc, oc)
        """
    )
    facts.refresh(connection)
    connection.close()
    return path


@pytest.fixture
def con(db: Path) -> Iterator[store.Connection]:
    connection = model.connect(db)
    yield connection
    connection.close()


def _ids(names: list[str]) -> list[str]:
    """Canonical keys of fixture ids (`test:<id>`)."""
    return [f"test:{n}" for n in names]


def test_the_fixture_links_every_touch_to_its_lead(con: store.Connection) -> None:
    result = store.query(
        con, "SELECT count(*) AS n FROM touchpoint_facts WHERE linked_lead_id IS NULL"
    ).item()
    assert result == 0


def test_ledger_credits_every_model_by_hand(con: store.Connection) -> None:
    result = attribution.ledger(con, MARCH).drop("touched_at")
    # O1 (1,000): T1 alone gets everything under every model.
    # O2 (600, no flags: lead creation falls back to the first touch T9, opportunity creation
    # to the last touch T10):
    #   first T9 600; last T10 600; linear 300 / 300;
    #   U: T9 0.4 + 0.4 (first and lead creation), T10 the 0.2 spread -> 480 / 120;
    #   W: T9 0.3 + 0.3, T10 0.3 (opp creation), nothing left to spread: weights 0.6 / 0.3
    #      scaled to 2/3, 1/3 -> 400 / 200;
    #   time decay 600 x 0.25 / 0.75 = 200, 600 x 0.5 / 0.75 = 400.
    # O3 (2,000; positions T1 1, T4 2 (LC), T5 3, T6 4 (OC), T7 5):
    #   first T1; last T7; linear 400 each;
    #   U: T1 0.4 -> 800, T4 0.4 -> 800, T5 T6 T7 0.2 / 3 -> 133.33 each;
    #   W: T1 T4 T6 0.3 -> 600 each, T5 T7 0.1 / 2 -> 100 each.
    third = 2000 * 0.2 / 3
    expected = pl.DataFrame(
        {
            "opp_id": _ids(["O1", "O2", "O2", "O3", "O3", "O3", "O3", "O3"]),
            "touchpoint_id": _ids(["T1", "T9", "T10", "T1", "T4", "T5", "T6", "T7"]),
            "channel": [
                "Email",
                "Events",
                "Email",
                "Email",
                "Webinars",
                "Paid Social",
                "Email",
                "Webinars",
            ],
            "campaign": ["C1", "C3", "C1", "C1", "C2", "C4", "C1", "C2"],
            "position": [1, 1, 2, 1, 2, 3, 4, 5],
            "touches": [1, 2, 2, 5, 5, 5, 5, 5],
            "amount": [1000.0, 600, 600, 2000, 2000, 2000, 2000, 2000],
            "first_touch": [1000.0, 600, 0, 2000, 0, 0, 0, 0],
            "last_touch": [1000.0, 0, 600, 0, 0, 0, 0, 2000],
            "linear": [1000.0, 300, 300, 400, 400, 400, 400, 400],
            "u_shaped": [1000.0, 480, 120, 800, 800, third, third, third],
            "w_shaped": [1000.0, 400, 200, 600, 600, 100, 600, 100],
            "time_decay": [1000.0, *_decay(600, O2_DECAY), *_decay(2000, O3_DECAY)],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_every_model_sums_to_the_amount_of_every_opportunity(con: store.Connection) -> None:
    ledger = attribution.ledger(con, MARCH)
    result = (
        ledger.group_by("opp_id")
        .agg(pl.col("amount").first(), *(pl.col(m).sum() for m in attribution.MODELS))
        .sort("opp_id")
    )
    for name in attribution.MODELS:
        assert result[name].to_list() == pytest.approx(result["amount"].to_list()), name
    # and independently: the amounts of the opportunities with a touch, in plain SQL
    expected = store.query(
        con, "SELECT opp_id, amount FROM opp_facts WHERE opp_id <> 'test:O4' ORDER BY opp_id"
    )
    assert result["opp_id"].to_list() == expected["opp_id"].to_list()
    assert result["amount"].to_list() == expected["amount"].to_list()


def test_ledger_pages(con: store.Connection) -> None:
    result = attribution.ledger(con, MARCH, page=1, limit=3)["touchpoint_id"].to_list()
    # rows 4-6 of the 8 above: O3's T1, T4, T5
    assert result == _ids(["T1", "T4", "T5"])
    with pytest.raises(ValueError, match="limit"):
        attribution.ledger(con, MARCH, limit=0)


def test_period_and_filters_pick_the_opportunities(con: store.Connection) -> None:
    # O1-O4 were all created in March; none in April (T8's month)
    assert attribution.ledger(con, Period.month(2026, 4)).height == 0
    # the filter applies to the opportunity's channel: O2 (Events) alone, with both its touches
    result = attribution.ledger(con, Selection(MARCH, "none", Filters(channel=("Events",))))
    assert result["touchpoint_id"].to_list() == _ids(["T9", "T10"])


def test_channel_credit_and_ranks(con: store.Connection) -> None:
    result = attribution.channel_credit(con, MARCH)
    # Email: O1 T1 1,000 under every model, plus O2 T10 and O3 T1, T6:
    #   first 1,000 + 2,000 = 3,000; last 1,000 + 600 = 1,600;
    #   linear 1,000 + 300 + 400 + 400 = 2,100; U 1,000 + 120 + 800 + 133.33 = 2,053.33;
    #   W 1,000 + 200 + 600 + 600 = 2,400
    # Webinars (O3 T4, T7): first 0; last 2,000; linear 800; U 933.33; W 700
    # Paid Social (O3 T5): 0, 0, 400, 133.33, 100; Events (O2 T9): 600, 0, 300, 480, 400
    third = 2000 * 0.2 / 3
    decay2, decay3 = _decay(600, O2_DECAY), _decay(2000, O3_DECAY)
    expected = pl.DataFrame(
        {
            "channel": ["Email", "Webinars", "Paid Social", "Events"],
            "touches": [4, 2, 1, 1],
            "opportunities": [3, 1, 1, 1],
            "first_touch": [3000.0, 0, 0, 600],
            "last_touch": [1600.0, 2000, 0, 0],
            "linear": [2100.0, 800, 400, 300],
            "u_shaped": [1000 + 120 + 800 + third, 800 + third, third, 480],
            "w_shaped": [2400.0, 700, 100, 400],
            "time_decay": [
                1000 + decay2[1] + decay3[0] + decay3[3],
                decay3[1] + decay3[4],
                decay3[2],
                decay2[0],
            ],
            # ties share the better rank: first touch Webinars and Paid Social (0) are both 3
            "rank_first_touch": [1, 3, 3, 2],
            "rank_last_touch": [2, 1, 3, 3],
            "rank_linear": [1, 2, 3, 4],
            "rank_u_shaped": [1, 2, 4, 3],
            "rank_w_shaped": [1, 2, 4, 3],
            # time decay: Email 1,000 + 400 + 2,000 x (2^(-29/7) + 2^(-3/7)) / sum ~ 2,450;
            # Webinars ~ 1,000, Paid Social ~ 386, Events 200
            "rank_time_decay": [1, 2, 3, 4],
            # Email 1-2, Webinars 1-3, Paid Social 3-4, Events 2-4
            "rank_spread": [1, 2, 1, 2],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_reconciliation_reports_the_unattributed(con: store.Connection) -> None:
    result = attribution.reconciliation(con, MARCH)
    # attributable: O1 + O2 + O3 = 1,000 + 600 + 2,000 = 3,600; O4 (500) has no touch
    assert result["model"].to_list() == list(attribution.MODELS)
    assert result["attributed"].to_list() == pytest.approx([3600.0] * 6)
    assert result["attributed_amount"].to_list() == [3600.0] * 6
    assert result["unattributed_opportunities"].to_list() == [1] * 6
    assert result["unattributed_amount"].to_list() == [500.0] * 6
    assert result["amount"].to_list() == [4100.0] * 6
    assert result["difference"].abs().max() == pytest.approx(0.0, abs=1e-9)


def test_influenced_revenue(con: store.Connection) -> None:
    result = attribution.influenced_revenue(con, MARCH)
    # won: O1 (1,000; T1, T3, T4 before its 03-20 close) and O4 (500, no touch)
    expected = {
        "won_deals": 2,
        "won_amount": 1500.0,
        "influenced_deals": 1,
        "influenced_revenue": 1000.0,
        "influenced_share": 1000 / 1500,
    }
    assert result == pytest.approx(expected)


def test_campaign_influence(con: store.Connection) -> None:
    result = attribution.campaign_influence(con, MARCH)
    # O1 is the one touched won deal: C1 (T1), C3 (T3), C2 (T4); T5 (C4) came after its close.
    # Each: 1 of 2 won deals, 1,000 of 1,500 won revenue.
    expected = pl.DataFrame(
        {
            "campaign": ["C1", "C2", "C3"],
            "won_deals": [1, 1, 1],
            "share_of_won_deals": [0.5, 0.5, 0.5],
            "revenue": [1000.0, 1000, 1000],
            "share_of_won_revenue": [2 / 3, 2 / 3, 2 / 3],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        attribution.check_model("last_click")


def test_cli_model_choices_are_the_models() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command" or a.choices)
    choices = sub.choices["attribution"]._option_string_actions["--model"].choices  # type: ignore[index, union-attr]
    assert tuple(choices) == tuple(attribution.MODELS)


def test_cli_attribution_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attribution", "--db", str(db), "--period", "2026-03", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["models"] == list(attribution.MODELS)
    assert [r["channel"] for r in result["channels"]] == [
        "Email",
        "Webinars",
        "Paid Social",
        "Events",
    ]
    assert [r["attributed"] for r in result["reconciliation"]] == pytest.approx([3600.0] * 6)
    assert result["influenced_revenue"]["influenced_revenue"] == 1000.0


def test_cli_attribution_one_model_as_text(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["attribution", "--db", str(db), "--period", "2026-03", "--model", "last_touch"]) == 0
    )
    out = capsys.readouterr().out
    # sorted by the chosen model: Webinars (2,000) before Email (1,600)
    assert out.index("Webinars") < out.index("Email")
    assert "Last touch:" in out and "Linear:" not in out
    assert "Marketing-influenced revenue" in out


def test_demo_reconciles_under_every_model(demo_db: Path) -> None:
    con = model.connect(demo_db, read_only=True)
    try:
        result = attribution.reconciliation(con, Period.parse("all"))
        # independently: every opportunity's amount (0 when missing), in plain SQL
        total = store.query(con, "SELECT sum(coalesce(amount, 0)) AS a FROM opp_facts").item()
    finally:
        con.close()
    assert result["attributed_amount"][0] > 0  # the demo has touches before its opportunities
    assert result["attributed"].to_list() == pytest.approx(result["attributed_amount"].to_list())
    assert result["amount"].to_list() == pytest.approx([total] * 6)


def test_a_period_without_opportunities(con: store.Connection) -> None:
    april = Period.month(2026, 4)
    # nothing was created in April: nothing won, no share to compute, nothing to reconcile
    assert attribution.influenced_revenue(con, april) == {
        "won_deals": 0,
        "won_amount": 0.0,
        "influenced_deals": 0,
        "influenced_revenue": 0.0,
        "influenced_share": None,
    }
    assert attribution.campaign_influence(con, april).height == 0
    assert attribution.channel_credit(con, april).height == 0
    result = attribution.reconciliation(con, april)
    assert result["attributed"].to_list() == [0.0] * 6
    assert result["unattributed_opportunities"].to_list() == [0] * 6


def test_the_page_summary_equals_each_function_alone(con: store.Connection) -> None:
    # one pass through temporary tables gives what each function computes on its own
    for selection in (
        MARCH,
        Period.parse("all"),
        Selection(MARCH, filters=Filters(channel=("Email",))),
    ):
        result = attribution.summary(con, selection)
        assert_frame_equal(result["channels"], attribution.channel_credit(con, selection))
        assert_frame_equal(
            result["reconciliation"], attribution.reconciliation(con, selection), check_exact=False
        )
        assert_frame_equal(result["campaigns"], attribution.campaign_influence(con, selection))
        assert result["influenced"] == attribution.influenced_revenue(con, selection)
    # and leaves no table behind
    tables = store.query(con, "SELECT table_name FROM duckdb_tables() WHERE temporary")
    assert not set(tables["table_name"]) & {"attribution_opps", "attribution_pairs"}
