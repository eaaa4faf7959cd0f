"""Touchpoint channels through the channel map (model.facts `touchpoint_facts`, the rules of
maps.channel_rules_sql, the Settings map tab, attribution), on a fixture worked out by hand.

Lead A has one opportunity O1 (created 2026-03-20, 1,400, won) and seven touches before it,
one a day; each touch's channel by the default map, most specific row first (the pair
`source / medium`, else the source, else `* / medium`):

    T1  03-01  google       cpc     Paid Search     (source row `Google`)
    T2  03-02  newsletter   email   Email           (no source row: `* / email`)
    T3  03-03  Paid Search  -       Paid Search     (the canonical name maps to itself)
    T4  03-04  google       organic Organic Search  (the pair `google / organic` beats `Google`)
    T5  03-05  newsletter   -       newsletter      (no medium, no row: stays itself)
    T6  03-06  LinkedIn     social  Paid Social     (source row `LinkedIn` beats `* / social`)
    T7  03-07  twitter      social  Organic Social  (no source row: `* / social`)

Linear credit: 1,400 / 7 = 200 a touch, so Paid Search (T1, T3) 400 and every other channel
200; first touch: T1 (Paid Search) 1,400; last touch: T7 (Organic Social) 1,400.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model
from alignment.db import store
from alignment.metrics import attribution
from alignment.model import facts, maps
from alignment.periods import Period
from alignment.screens import settings

MARCH = Period.month(2026, 3)

TOUCHES = """
('T1', '2026-03-01', 'google',      'cpc'),
('T2', '2026-03-02', 'newsletter',  'email'),
('T3', '2026-03-03', 'Paid Search', NULL),
('T4', '2026-03-04', 'google',      'organic'),
('T5', '2026-03-05', 'newsletter',  NULL),
('T6', '2026-03-06', 'LinkedIn',    'social'),
('T7', '2026-03-07', 'twitter',     'social')
"""


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "touch.duckdb")
    connection.execute(
        "INSERT INTO leads (lead_id, source_system, external_id, name) "
        "VALUES ('test:A', 'test', 'A', 'Person A')"
    )
    connection.execute(
        "INSERT INTO opportunities (opp_id, source_system, external_id, lead_id, created_at, "
        "closed_at, stage_raw, amount) VALUES ('test:O1', 'test', 'O1', 'test:A', "
        "'2026-03-20', '2026-03-25', 'Closed Won', 1400)"
    )
    connection.execute(
        f"""
        INSERT INTO touchpoints (touchpoint_id, source_system, external_id, lead_id,
                                 touched_at, channel, medium)
        SELECT 'test:' || id, 'test', id, 'test:A', touched, channel, medium
        FROM (VALUES {TOUCHES}) v(id, touched, channel, medium)
        """
    )
    facts.refresh(connection)
    yield connection
    connection.close()


def _differences_from_live(con: store.Connection) -> int:
    """Rows in which `touchpoint_facts` (the stored links and channel lookup) and
    `touchpoint_facts_live` (computed from scratch) differ."""
    return store.scalar(
        con,
        "SELECT (SELECT count(*) FROM (FROM touchpoint_facts EXCEPT ALL "
        "FROM touchpoint_facts_live)) + (SELECT count(*) FROM (FROM touchpoint_facts_live "
        "EXCEPT ALL FROM touchpoint_facts))",
    )


def _credit(con: store.Connection) -> pl.DataFrame:
    return attribution.channel_credit(con, MARCH).select(
        "channel", "touches", "first_touch", "last_touch", "linear"
    )


def test_touchpoint_facts_map_source_and_medium(con: store.Connection) -> None:
    result = store.query(
        con,
        "SELECT external_id, channel, channel_raw, medium FROM touchpoint_facts ORDER BY 1",
    )
    expected = pl.DataFrame(
        {
            "external_id": ["T1", "T2", "T3", "T4", "T5", "T6", "T7"],
            "channel": [
                "Paid Search",
                "Email",
                "Paid Search",
                "Organic Search",
                "newsletter",
                "Paid Social",
                "Organic Social",
            ],
            "channel_raw": [
                "google",
                "newsletter",
                "Paid Search",
                "google",
                "newsletter",
                "LinkedIn",
                "twitter",
            ],
            "medium": ["cpc", "email", None, "organic", None, "social", "social"],
        }
    )
    assert_frame_equal(result, expected)
    # the stored links and lookup and the from-scratch view agree, channel included
    assert _differences_from_live(con) == 0


def test_attribution_credits_the_mapped_channels(con: store.Connection) -> None:
    result = _credit(con)
    expected = pl.DataFrame(
        {
            # linear desc, then channel (binary order: capitals before `newsletter`)
            "channel": [
                "Paid Search",
                "Email",
                "Organic Search",
                "Organic Social",
                "Paid Social",
                "newsletter",
            ],
            "touches": [2, 1, 1, 1, 1, 1],
            "first_touch": [1400.0, 0, 0, 0, 0, 0],  # T1
            "last_touch": [0.0, 0, 0, 1400.0, 0, 0],  # T7
            "linear": [400.0, 200, 200, 200, 200, 200],  # 1,400 / 7 a touch
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_the_settings_map_lists_a_touchpoint_only_value(con: store.Connection) -> None:
    tab = settings.map_tab(con, "channel_map")
    # T5's newsletter (no medium) alone: T2's is covered by `* / email`; the lead and the
    # opportunity have no channel
    expected = pl.DataFrame(
        {"value": ["newsletter"], "records": [1], "found_in": ["touchpoints.channel"]}
    )
    assert_frame_equal(tab["unmapped"], expected, check_dtypes=False)
    # 7 touches with a channel, 6 covered; values google, newsletter, Paid Search, LinkedIn,
    # twitter: 5, one of them (newsletter) not covered everywhere
    assert tab["coverage"] == {"records": 7, "mapped": 6, "values": 5, "unmapped_values": 1}


def test_a_map_edit_changes_the_attribution(con: store.Connection) -> None:
    before = _credit(con)
    maps.add_rows(
        con,
        "channel_map",
        [{"channel_raw": "newsletter", "channel": "Newsletter", "marketing_sourced": True}],
    )
    result = _credit(con)
    # the source row now covers T2 and T5 both (a source's row wins over `* / email`):
    # Newsletter 2 x 200; Email and newsletter are gone
    expected = pl.DataFrame(
        {
            "channel": [
                "Newsletter",
                "Paid Search",
                "Organic Search",
                "Organic Social",
                "Paid Social",
            ],
            "touches": [2, 2, 1, 1, 1],
            "first_touch": [0.0, 1400, 0, 0, 0],
            "last_touch": [0.0, 0, 0, 1400, 0],
            "linear": [400.0, 400, 200, 200, 200],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)
    assert before["channel"].to_list() != result["channel"].to_list()
    assert maps.unmapped_values(con, "channel_map").height == 0
    assert _differences_from_live(con) == 0  # the save rebuilt the stored lookup


def test_a_new_touchpoint_pair_gets_its_channel(con: store.Connection) -> None:
    # a write of touchpoints (through the after-write hook) rebuilds the stored lookup
    with store.transaction(con, changes_data={"touchpoints"}):
        con.execute(
            "INSERT INTO touchpoints (touchpoint_id, source_system, external_id, lead_id, "
            "touched_at, channel, medium) VALUES ('test:T8', 'test', 'T8', 'test:A', "
            "'2026-03-08', 'duckduckgo', 'organic')"
        )
    result = store.scalar(con, "SELECT channel FROM touchpoint_facts WHERE external_id = 'T8'")
    assert result == "Organic Search"  # `* / organic`
    assert _differences_from_live(con) == 0


def test_a_user_pair_row_reaches_one_medium_only(con: store.Connection) -> None:
    # `newsletter / email` covers T2 alone; T5 (no medium) stays itself
    maps.add_rows(
        con,
        "channel_map",
        [{"channel_raw": "Newsletter / Email", "channel": "Lifecycle", "marketing_sourced": True}],
    )
    result = store.query(
        con,
        "SELECT external_id, channel FROM touchpoint_facts "
        "WHERE channel_raw = 'newsletter' ORDER BY 1",
    )
    assert result.rows() == [("T2", "Lifecycle"), ("T5", "newsletter")]
