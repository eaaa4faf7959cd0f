"""Data-quality checks and trust notes on a tiny hand-written fixture (expected counts worked
out in the comments)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from alignment import model
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import quality
from alignment.model import facts
from alignment.periods import Period
from alignment.screens import quality as quality_screen
from alignment.selection import Selection

NOW = datetime(2026, 11, 23, tzinfo=UTC)

# id, created, mql, sql, rejected, reason, channel_raw, status, email
LEADS = [
    ("L1", "2026-01-01", "2026-01-05", "2026-01-10", None, None, "Web", None, "a@x.com"),
    # L2: MQL before creation (out of order); no channel; same e-mail as L1 (other case)
    ("L2", "2026-01-10", "2026-01-05", None, None, None, None, None, " A@X.com"),
    # L3: SQL without MQL; an unmapped channel value
    ("L3", "2026-01-01", None, "2026-01-03", None, None, "Mystery", None, None),
    # L4: SQL before MQL (out of order); rejected with no reason
    ("L4", "2026-01-01", "2026-02-01", "2026-01-15", "2026-02-02", None, "Web", None, None),
    # L5: created in the future; rejected with a reason
    ("L5", "2030-01-01", None, None, "2026-01-02", "No budget", "Email", None, None),
    # L6: created before 2000; an unmapped status
    ("L6", "1999-12-31", None, None, None, None, "Web", "Weird status", None),
]

# id, created, closed, stage, amount, lost reason
OPPS = [
    ("O1", "2026-01-05", "2026-01-20", "Closed Won", 100.0, None),
    ("O2", "2026-01-06", None, "Prospecting", None, None),  # no amount
    # O3: negative amount, unmapped stage and reason
    ("O3", "2026-02-01", None, "Mystery stage", -5.0, "Aliens"),
    ("O4", "2026-01-07", None, "Closed Lost", 50.0, "Price"),  # closed without a close date
]


@pytest.fixture
def con() -> Iterator[store.Connection]:
    connection = model.connect(":memory:")
    for lid, created, mql, sql_at, rejected, reason, channel, status, email in LEADS:
        connection.execute(
            "INSERT INTO leads (lead_id, source_system, external_id, created_at, mql_at, sql_at, "
            "rejected_at, rejection_reason_raw, channel_raw, status_raw, email, name) "
            "VALUES (?, 't', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f"t:{lid}", lid, created, mql, sql_at, rejected, reason, channel, status, email, lid],
        )
    for oid, created, closed, stage, amount, reason in OPPS:
        connection.execute(
            "INSERT INTO opportunities (opp_id, source_system, external_id, created_at, "
            "closed_at, stage_raw, amount, lost_reason_raw) VALUES (?, 't', ?, ?, ?, ?, ?, ?)",
            [f"t:{oid}", oid, created, closed, stage, amount, reason],
        )
    connection.execute(
        "INSERT INTO activities (activity_id, source_system, external_id, lead_id, email, "
        "occurred_at) VALUES "
        "('t:A1', 't', 'A1', 't:L1', NULL, '2026-01-06'), "  # linked by id
        "('t:A2', 't', 'A2', 't:L99', NULL, '2026-01-06'), "  # matches no lead
        "('t:A3', 't', 'A3', NULL, 'A@x.com', '2026-01-06')"  # linked by e-mail
    )
    connection.execute(
        "INSERT INTO touchpoints (touchpoint_id, source_system, external_id, lead_id, "
        "touched_at) VALUES "
        "('t:T1', 't', 'T1', 't:L99', '2026-01-02'), "  # matches no lead
        "('t:T2', 't', 'T2', 't:L2', '2026-01-02')"
    )
    facts.refresh(connection)  # written like the app writes: fact tables rebuilt
    yield connection
    connection.close()


EXPECTED_COUNTS = {
    "lead_no_channel": 1,  # L2
    "stage_order": 2,  # L2 (MQL 01-05 < created 01-10), L4 (SQL 01-15 < MQL 02-01)
    "sql_without_mql": 1,  # L3
    "rejected_without_reason": 1,  # L4 (L5 has "No budget")
    "duplicate_email": 2,  # L1 a@x.com and L2 " A@X.com"
    "activity_unlinked": 1,  # A2 (A1 by id, A3 by e-mail)
    "touchpoint_unlinked": 1,  # T1
    "opp_amount": 2,  # O2 (none), O3 (-5)
    "implausible_dates": 2,  # L5 created 2030, L6 created 1999
    # channel "Mystery" (L3), status "Weird status" (L6), stage "Mystery stage" (O3),
    # reason "Aliens" (O3)
    "unmapped_values": 4,
}


def test_every_check_counts_what_the_fixture_plants(con: store.Connection) -> None:
    result = quality.check_counts(con, now=NOW)
    assert dict(zip(result["name"], result["count"], strict=True)) == EXPECTED_COUNTS
    assert list(result["name"]) == list(quality.CHECKS)
    # shares are over the check's table: 1 of 6 leads have no channel
    row = result.filter(result["name"] == "lead_no_channel").row(0, named=True)
    assert (row["total"], row["share"]) == (6, pytest.approx(1 / 6))


@pytest.mark.parametrize(("name", "count"), EXPECTED_COUNTS.items())
def test_drill_down_lists_the_records_behind_each_count(
    con: store.Connection, name: str, count: int
) -> None:
    assert quality.check_rows(con, name, now=NOW).height == count
    assert quality.check_download(con, name, now=NOW).height == count


def test_drill_down_records_and_pages(con: store.Connection) -> None:
    result = quality.check_rows(con, "stage_order", now=NOW)
    assert result["lead_id"].to_list() == ["t:L2", "t:L4"]
    dates = quality.check_rows(con, "implausible_dates", now=NOW)
    assert dates.select("record_id", "column").rows() == [
        ("t:L5", "created_at"),
        ("t:L6", "created_at"),
    ]
    unmapped = quality.check_rows(con, "unmapped_values", now=NOW)
    assert sorted(unmapped.select("map", "value").rows()) == [
        ("channel_map", "Mystery"),
        ("reason_map", "Aliens"),
        ("stage_map", "Mystery stage"),
        ("stage_map", "Weird status"),
    ]
    # pages of one row: page 2 is L4
    page = quality.check_rows(con, "stage_order", page=2, page_size=1, now=NOW)
    assert page["lead_id"].to_list() == ["t:L4"]


def test_trust_notes_for_january(con: store.Connection) -> None:
    result = quality_screen.trust_notes(con, Period.parse("2026-01"))
    # MQL cohort of January: L1 (MQL 01-05), L2 (01-05), L3 (reached MQL via SQL 01-03),
    # L4 (reached MQL = earliest of MQL 02-01 and SQL 01-15 = 01-15) -> 4 leads;
    # out of order: L2, L4 = 2 of 4 = 50 %; SQL without MQL: L3 = 1 of 4 = 25 %
    cohort = (
        "50 % of this MQL cohort have stage dates out of order; "
        "25 % reached SQL without an MQL date."
    )
    assert result["mql_to_sql"] == f"MQL → SQL: {cohort}"
    assert result["mqls"] == f"MQLs: {cohort}"
    # leads created in January: L1, L2, L3, L4 = 4; no channel: L2 = 25 %
    assert result["leads"] == "Leads created: 25 % have no channel."
    # opportunities created in January: O1, O2, O4 = 3; O2 has no amount
    assert result["pipeline_created"] == (
        "Pipeline created: 1 of 3 opportunities created have no amount or a negative one."
    )
    # won in January: O1 with an amount -> no note; O4 is closed lost with no close date
    assert "won_revenue" not in result
    assert result["win_rate"] == (
        "Win rate: 1 closed opportunity has no close date and counts in no period."
    )


def test_trust_notes_follow_the_filters_and_clean_data_has_none(con: store.Connection) -> None:
    # only Organic Search (L1, L4 via "Web"): cohort L1 + L4, L4 out of order = 50 %;
    # no SQL-without-MQL and no lead without channel in this slice
    result = quality_screen.trust_notes(
        con, Selection(Period.parse("2026-01"), filters=Filters(channel=("Organic Search",)))
    )
    assert (
        result["mql_to_sql"] == "MQL → SQL: 50 % of this MQL cohort have stage dates out of order."
    )
    assert "leads" not in result
    assert quality_screen.trust_notes(con, Period.parse("2025-06")) == {
        "win_rate": "Win rate: 1 closed opportunity has no close date and counts in no period."
    }


def test_trust_notes_reach_the_overview_tiles(con: store.Connection) -> None:
    from alignment.metrics import overview
    from alignment.present import tiles

    period = Period.parse("2026-01")
    notes = quality_screen.trust_notes(con, period)
    result = tiles.overview_tiles(
        overview.kpi_comparison(con, period), overview.kpis(con, period), notes
    )
    by_name = {tile.name: tile.trust for tile in result}
    assert by_name["mql_to_sql"] == notes["mql_to_sql"]
    assert by_name["won_revenue"] is None  # no note for it (O1 has an amount)


def test_unlinked_checks_agree_with_the_linked_views(con: store.Connection) -> None:
    # the checks use anti-joins for speed; they must say what the views' linked_lead_id says
    counts = dict(
        zip(
            *quality.check_counts(con, now=NOW).select("name", "count").to_dict().values(),
            strict=True,
        )
    )
    assert (
        counts["activity_unlinked"]
        == store.scalar(con, "SELECT count(*) FROM activity_facts WHERE linked_lead_id IS NULL")
        == 1
    )  # A2
    assert (
        counts["touchpoint_unlinked"]
        == store.scalar(con, "SELECT count(*) FROM touchpoint_facts WHERE linked_lead_id IS NULL")
        == 1
    )  # T1


# ---- counts taken apart from the drill-downs --------------------------------------------------
# check_counts counts the cheap way (one pass per table, a grouping for duplicate e-mails, one
# query for both "matches no lead" checks); the drill-down rows must say the same.

NBSP, IDEOGRAPHIC_SPACE, TAB = "\u00a0", "\u3000", "\t"

# id, e-mail: addresses that differ in case, ASCII / Unicode spaces, or are blank
EMAIL_LEADS = [
    ("E1", "a@x.com"),
    ("E2", " A@X.COM"),  # a@x.com: leading space and upper case
    ("E3", "a@x.com" + NBSP),  # a@x.com: trim removes the no-break space
    ("E4", TAB + "a@x.com"),  # trim keeps a tab: its own address
    ("E5", "Éva@x.com"),  # éva@x.com (non-ASCII upper case)
    ("E6", "éva@x.com "),  # éva@x.com
    ("E7", "   "),  # blank: no address (two blanks are not duplicates)
    ("E8", "   "),
    ("E9", ""),
    ("E10", None),
    ("E11", IDEOGRAPHIC_SPACE + "b@y.com"),  # b@y.com
    ("E12", "B@Y.com"),  # b@y.com
]

# id, lead id, e-mail
EMAIL_ACTIVITIES = [
    ("A1", None, "A@x.COM "),  # a@x.com -> E1
    ("A2", "t:nope", TAB + "A@X.com"),  # unknown id; tab + a@x.com -> E4
    ("A3", None, "  "),  # blank e-mail: matches no lead
    ("A4", None, "nobody@x.com"),  # matches no lead
    ("A5", "t:E7", None),  # by id
    ("A6", None, None),  # matches no lead
]

EMAIL_TOUCHPOINTS = [
    ("T1", None, IDEOGRAPHIC_SPACE + "B@y.com"),  # b@y.com -> E11
    ("T2", None, "éVA@x.com"),  # éva@x.com -> E5
    ("T3", "t:E99", None),  # matches no lead
    ("T4", None, ""),  # matches no lead
]


@pytest.fixture
def email_con() -> Iterator[store.Connection]:
    connection = model.connect(":memory:")
    for lid, email in EMAIL_LEADS:
        connection.execute(
            "INSERT INTO leads (lead_id, source_system, external_id, created_at, email, name) "
            "VALUES (?, 't', ?, '2026-01-01', ?, ?)",
            [f"t:{lid}", lid, email, lid],
        )
    for aid, lead_id, email in EMAIL_ACTIVITIES:
        connection.execute(
            "INSERT INTO activities (activity_id, source_system, external_id, lead_id, email, "
            "occurred_at) VALUES (?, 't', ?, ?, ?, '2026-01-02')",
            [f"t:{aid}", aid, lead_id, email],
        )
    for tid, lead_id, email in EMAIL_TOUCHPOINTS:
        connection.execute(
            "INSERT INTO touchpoints (touchpoint_id, source_system, external_id, lead_id, email, "
            "touched_at) VALUES (?, 't', ?, ?, ?, '2026-01-02')",
            [f"t:{tid}", tid, lead_id, email],
        )
    facts.refresh(connection)
    yield connection
    connection.close()


def test_email_key_is_lower_trim_of_the_address(email_con: store.Connection) -> None:
    # the fast path (ASCII, no surrounding space: no trim) must give what plain SQL gives
    result = store.query(
        email_con,
        f"SELECT email, {facts.email_key('email')} AS key, "
        "nullif(lower(trim(email)), '') AS expected FROM leads ORDER BY lead_id",
    )
    assert result["key"].to_list() == result["expected"].to_list()
    assert dict(zip(result["email"], result["key"], strict=True)) == {
        "a@x.com": "a@x.com",
        " A@X.COM": "a@x.com",
        "a@x.com" + NBSP: "a@x.com",
        TAB + "a@x.com": TAB + "a@x.com",
        "Éva@x.com": "éva@x.com",
        "éva@x.com ": "éva@x.com",
        "   ": None,
        "": None,
        None: None,
        IDEOGRAPHIC_SPACE + "b@y.com": "b@y.com",
        "B@Y.com": "b@y.com",
    }


def test_email_checks_compare_addresses_without_case_and_spaces(
    email_con: store.Connection,
) -> None:
    counts = dict(
        zip(*quality.check_counts(email_con, now=NOW).select("name", "count"), strict=True)
    )
    # duplicates: a@x.com E1, E2, E3 (3) + éva@x.com E5, E6 (2) + b@y.com E11, E12 (2) = 7;
    # E4 (tab) stands alone, E7-E10 have no address
    assert counts["duplicate_email"] == 7
    dups = quality.check_download(email_con, "duplicate_email", now=NOW)
    assert sorted(dups["external_id"]) == sorted(["E1", "E2", "E3", "E5", "E6", "E11", "E12"])
    # activities: A3 (blank), A4 (unknown address), A6 (nothing) = 3
    assert counts["activity_unlinked"] == 3
    # touchpoints: T3 (unknown id, no e-mail), T4 (empty e-mail) = 2
    assert counts["touchpoint_unlinked"] == 2
    # and they say what the views' linked_lead_id says (independent SQL: lead_emails)
    for check, view in (
        ("activity_unlinked", "activity_facts"),
        ("touchpoint_unlinked", "touchpoint_facts"),
    ):
        assert counts[check] == store.scalar(
            email_con, f"SELECT count(*) FROM {view} WHERE linked_lead_id IS NULL"
        )


@pytest.mark.parametrize("fixture", ["con", "email_con"])
def test_every_count_is_the_number_of_its_drill_down_rows(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    connection = request.getfixturevalue(fixture)
    result = quality.check_counts(connection, now=NOW)
    for name, count in zip(result["name"], result["count"], strict=True):
        assert count == quality.check_download(connection, name, now=NOW).height, name
