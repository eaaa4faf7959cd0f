"""Rejection metrics, the pattern finder, the charts and `alignment rejections`, against tiny
fixtures whose numbers are worked out by hand below, the demo data's planted pattern, and the
X Education export counted independently with plain DuckDB.

The lead fixture (`-` = empty; std = `rejection_reason`, raw = `rejection_reason_raw`):

    lead  rejected_at  channel  segment     std                    raw             note
    R1    2026-03-02   Email    SMB         Budget doesn't match   too expensive
    R2    2026-03-05   Email    SMB         Budget doesn't match   budget
    R3    2026-03-07   Events   SMB         Timeline too long      later
    R4    2026-03-09   Events   Enterprise  -                      Not a DM        (raw fallback)
    R5    2026-03-12   Email    Enterprise  -                      -               (undocumented)
    R6    2026-03-15   Email    SMB         Budget doesn't match   budget
    R7    2026-03-20   Events   SMB         Not documented         -               (undocumented)
    R8    2026-02-10   Email    SMB         Timeline too long      later
    R9    2026-02-20   Events   Enterprise  Budget doesn't match   budget
    R10   -            Email    SMB         Budget doesn't match   budget          (all time only)
    R11   2026-03-10   Email    SMB         Timeline too long      later           (converted: out)
    R12   -            Email    SMB         -                      -               (not rejected)

March: R1-R7 = 7 rejected; February: R8, R9 = 2; all time: R1-R10 = 10.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alignment import model, stats
from alignment.cli import main
from alignment.db import store
from alignment.filters import Filters
from alignment.metrics import rejections
from alignment.metrics.rejections import NOT_DOCUMENTED
from alignment.model import facts
from alignment.model.facts import NOT_SET
from alignment.periods import ALL_TIME, Period
from alignment.present import rejection_charts, sentences
from alignment.screens import rejections as rejections_screen
from alignment.selection import Selection

from .conftest import REALDATA

MARCH = Period.month(2026, 3)
FEBRUARY = Period.month(2026, 2)
BUDGET = "Budget doesn't match"
TIMELINE = "Timeline too long"

LEADS = """
('R1',  '2026-03-02', 'Email',  'SMB',        'Budget doesn''t match', 'too expensive', NULL),
('R2',  '2026-03-05', 'Email',  'SMB',        'Budget doesn''t match', 'budget',        NULL),
('R3',  '2026-03-07', 'Events', 'SMB',        'Timeline too long',     'later',         NULL),
('R4',  '2026-03-09', 'Events', 'Enterprise', NULL,                    'Not a DM',      NULL),
('R5',  '2026-03-12', 'Email',  'Enterprise', NULL,                    NULL,            NULL),
('R6',  '2026-03-15', 'Email',  'SMB',        'Budget doesn''t match', 'budget',        NULL),
('R7',  '2026-03-20', 'Events', 'SMB',        'Not documented',        NULL,            NULL),
('R8',  '2026-02-10', 'Email',  'SMB',        'Timeline too long',     'later',         NULL),
('R9',  '2026-02-20', 'Events', 'Enterprise', 'Budget doesn''t match', 'budget',        NULL),
('R10', NULL,         'Email',  'SMB',        'Budget doesn''t match', 'budget',        NULL),
('R11', '2026-03-10', 'Email',  'SMB',        'Timeline too long',     'later',         TRUE),
('R12', NULL,         'Email',  'SMB',        NULL,                    NULL,            NULL)
"""

# O1-O3 lost in March, O6 lost in February, O4 won and O5 open (neither counts). "Price" has
# no standard reason on the record: the default reason map turns it into "Budget doesn't
# match"; "too pricey" is in no map and stays visible as itself.
OPPORTUNITIES = """
('O1', '2026-03-05', 'Closed Lost', NULL,    'Price',      'Email'),
('O2', '2026-03-10', 'Closed Lost', NULL,    'too pricey', 'Events'),
('O3', '2026-03-12', 'Closed Lost', NULL,    NULL,         'Email'),
('O4', '2026-03-15', 'Closed Won',  NULL,    NULL,         'Email'),
('O5', NULL,         'Proposal',    NULL,    NULL,         'Email'),
('O6', '2026-02-11', 'Closed Lost', NULL,    'Price',      'Email')
"""


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "r.duckdb")
    connection.execute(
        f"""
        INSERT INTO leads (lead_id, source_system, external_id, rejected_at, channel, segment,
                           rejection_reason, rejection_reason_raw, is_converted, name, email)
        SELECT 'test:' || id, 'test', id, rejected, channel, segment, reason, raw, converted,
               'Person ' || id, lower(id) || '@example.com'
        FROM (VALUES {LEADS}) v(id, rejected, channel, segment, reason, raw, converted)
        """
    )
    connection.execute(
        f"""
        INSERT INTO opportunities (opp_id, source_system, external_id, closed_at, stage_raw,
                                   lost_reason, lost_reason_raw, channel)
        SELECT 'test:' || id, 'test', id, closed, stage, reason, raw, channel
        FROM (VALUES {OPPORTUNITIES}) v(id, closed, stage, reason, raw, channel)
        """
    )
    facts.refresh(connection)  # written like the app writes: fact tables rebuilt
    yield connection
    connection.close()


# ---- Pareto -------------------------------------------------------------------------------
def test_march_pareto_with_february_as_comparison(con: store.Connection) -> None:
    result = rejections.pareto(con, Selection(MARCH, "previous"))
    # March (7): Budget R1 R2 R6 = 3; Timeline R3 = 1; "Not a DM" (R4's raw value, no standard
    # reason) = 1; Not documented R5 (empty) + R7 (says "Not documented") = 2.
    # Timeline and "Not a DM" tie at 1: Timeline had 1 in February, so it comes first.
    # cumulative: 3/7, 4/7, 5/7, 7/7. February (2): Budget R9 = 1, Timeline R8 = 1.
    # "Not a DM" is no standard reason (the reason map does not cover it): it stays visible by
    # name, after the documented reasons, but counts as undocumented (DESIGN 5).
    expected = pl.DataFrame(
        {
            "reason": [BUDGET, TIMELINE, "Not a DM", NOT_DOCUMENTED],
            "n": [3, 1, 1, 2],
            "share": [3 / 7, 1 / 7, 1 / 7, 2 / 7],
            "cumulative_share": [3 / 7, 4 / 7, 5 / 7, 1.0],
            "previous_n": [1, 1, 0, 0],
            "previous_share": [0.5, 0.5, 0.0, 0.0],
            "undocumented": [False, False, True, True],
        }
    )
    assert_frame_equal(result, expected)


def test_pareto_as_exported(con: store.Connection) -> None:
    result = rejections.pareto(con, MARCH, level="raw")
    # raw values: too expensive R1, budget R2 R6, later R3, Not a DM R4, empty R5 R7.
    # budget 2; the 1s by name ("N" sorts before "l" and "t"); Not documented last
    expected = pl.DataFrame(
        {
            "reason": ["budget", "Not a DM", "later", "too expensive", NOT_DOCUMENTED],
            "n": [2, 1, 1, 1, 2],
            "share": [2 / 7, 1 / 7, 1 / 7, 1 / 7, 2 / 7],
            "cumulative_share": [2 / 7, 3 / 7, 4 / 7, 5 / 7, 1.0],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected)
    assert result["previous_n"].is_null().all()


def test_all_time_counts_undated_rejections_but_not_converted_leads(
    con: store.Connection,
) -> None:
    result = rejections.pareto(con, ALL_TIME)
    # R1-R10 (R11 converted, R12 never rejected): Budget R1 R2 R6 R9 R10 = 5, Timeline R3 R8
    # = 2, Not a DM R4 = 1, Not documented R5 R7 = 2
    assert dict(zip(result["reason"], result["n"], strict=True)) == {
        BUDGET: 5,
        TIMELINE: 2,
        "Not a DM": 1,
        NOT_DOCUMENTED: 2,
    }


def test_documentation_counts(con: store.Connection) -> None:
    frame = rejections.pareto(con, Selection(MARCH, "previous"))
    march = rejections.documentation(frame)
    # 7 rejected: 2 without a reason (R5, R7) + 1 unmapped ("Not a DM", R4) = 3 undocumented;
    # documented 4 / 7 = 57.1 %, below the 100 % target
    assert (march.total, march.undocumented, march.documented) == (7, 3, 4)
    assert march.documentation_rate == pytest.approx(4 / 7)
    assert march.undocumented_share == pytest.approx(3 / 7)
    assert march.meets_target is False
    february = rejections.documentation(frame, previous=True)
    assert (february.total, february.undocumented, february.meets_target) == (2, 0, True)
    empty = rejections.documentation(rejections.pareto(con, Period.month(2025, 1)))
    assert (empty.total, empty.documentation_rate, empty.meets_target) == (0, None, None)


def test_channel_filter(con: store.Connection) -> None:
    result = rejections.pareto(con, Selection(MARCH, "none", Filters(channel=("Email",))))
    # Email in March: R1 R2 R6 Budget, R5 undocumented
    assert result.select("reason", "n").rows() == [(BUDGET, 3), (NOT_DOCUMENTED, 1)]


def test_lost_reasons(con: store.Connection) -> None:
    result = rejections.pareto(con, Selection(MARCH, "previous"), kind="opportunities")
    # lost in March: O1 Price (-> Budget), O2 "too pricey" (unmapped), O3 none; O4 won, O5
    # open. February: O6 Price (-> Budget). Budget and "too pricey" tie at 1: Budget had 1 in
    # February.
    expected = pl.DataFrame(
        {
            "reason": [BUDGET, "too pricey", NOT_DOCUMENTED],
            "n": [1, 1, 1],
            "share": [1 / 3, 1 / 3, 1 / 3],
            "cumulative_share": [1 / 3, 2 / 3, 1.0],
            "previous_n": [1, 0, 0],
            "previous_share": [1.0, 0.0, 0.0],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected)


def test_unknown_kind_level_and_dimension_are_refused(con: store.Connection) -> None:
    with pytest.raises(ValueError, match="kind"):
        rejections.pareto(con, MARCH, kind="deals")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="level"):
        rejections.pareto(con, MARCH, level="mapped")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dimension"):
        rejections.reason_matrix(con, MARCH, "colour")


# ---- reason x dimension, trend ---------------------------------------------------------------
def test_reason_by_channel_matrix(con: store.Connection) -> None:
    result = rejections.reason_matrix(con, MARCH, "channel")
    # Email (R1 R2 R5 R6 = 4): Budget 3, undocumented 1; Events (R3 R4 R7 = 3): Timeline 1,
    # Not a DM 1, undocumented 1. Values by total (Email 4, Events 3); reasons by March total
    # (Budget 3; Not a DM and Timeline 1 each, by name), Not documented last; zeros included.
    reasons = [BUDGET, "Not a DM", TIMELINE, NOT_DOCUMENTED]
    expected = pl.DataFrame(
        {
            "channel": ["Email"] * 4 + ["Events"] * 4,
            "reason": reasons * 2,
            "n": [3, 0, 0, 1, 0, 1, 1, 1],
            "total": [4] * 4 + [3] * 4,
            "share": [3 / 4, 0.0, 0.0, 1 / 4, 0.0, 1 / 3, 1 / 3, 1 / 3],
        }
    )
    assert_frame_equal(result, expected)


def test_reason_by_segment_matrix(con: store.Connection) -> None:
    result = rejections.reason_matrix(con, MARCH, "segment")
    # SMB (R1 R2 R3 R6 R7 = 5): Budget 3, Timeline 1, undocumented 1;
    # Enterprise (R4 R5 = 2): Not a DM 1, undocumented 1
    cells = {(s, r): (n, t, share) for s, r, n, t, share in result.iter_rows()}
    assert cells[("SMB", BUDGET)] == (3, 5, pytest.approx(3 / 5))
    assert cells[("SMB", TIMELINE)] == (1, 5, pytest.approx(1 / 5))
    assert cells[("SMB", NOT_DOCUMENTED)] == (1, 5, pytest.approx(1 / 5))
    assert cells[("Enterprise", "Not a DM")] == (1, 2, pytest.approx(1 / 2))
    assert cells[("Enterprise", BUDGET)] == (0, 2, 0.0)
    assert result["segment"].unique(maintain_order=True).to_list() == ["SMB", "Enterprise"]


def test_share_trend_by_month(con: store.Connection) -> None:
    result = rejections.share_trend(con, MARCH, months=3, now=datetime(2026, 4, 1, tzinfo=UTC))
    # January: nothing (shares null); February: R8 Timeline, R9 Budget (2); March as above (7).
    # Reasons over the range: Budget 4, Timeline 2, Not a DM 1, Not documented 2 (last).
    reasons = [BUDGET, TIMELINE, "Not a DM", NOT_DOCUMENTED]
    expected = pl.DataFrame(
        {
            "month": [date(2026, m, 1) for m in (1, 2, 3) for _ in reasons],
            "label": [label for label in ("Jan 2026", "Feb 2026", "Mar 2026") for _ in reasons],
            "reason": reasons * 3,
            "n": [0, 0, 0, 0, 1, 1, 0, 0, 3, 1, 1, 2],
            "total": [0] * 4 + [2] * 4 + [7] * 4,
            "share": [None] * 4 + [0.5, 0.5, 0.0, 0.0] + [3 / 7, 1 / 7, 1 / 7, 2 / 7],
        }
    )
    assert_frame_equal(result, expected)


# ---- drill-down ------------------------------------------------------------------------------
def test_records_behind_a_reason(con: store.Connection) -> None:
    result = rejections.records(con, MARCH, reason=BUDGET)
    # Budget in March: R6 (15th), R2 (5th), R1 (2nd), newest first
    assert result["lead_id"].to_list() == ["test:R6", "test:R2", "test:R1"]
    assert result.columns == list(rejections.RECORD_COLUMNS["leads"])
    assert rejections.record_count(con, MARCH, reason=BUDGET) == 3
    undocumented = rejections.records(con, MARCH, reason=NOT_DOCUMENTED)
    assert sorted(undocumented["lead_id"]) == ["test:R5", "test:R7"]
    # paging: 7 in March, 3 per page, page 3 holds the oldest one (R1)
    assert rejections.record_count(con, MARCH) == 7
    assert rejections.records(con, MARCH, limit=3, offset=6)["lead_id"].to_list() == ["test:R1"]
    events = rejections.records(con, MARCH, where={"channel": "Events"})
    assert events["lead_id"].to_list() == ["test:R7", "test:R4", "test:R3"]


def test_records_of_lost_deals(con: store.Connection) -> None:
    result = rejections.records(con, MARCH, kind="opportunities", limit=None)
    assert result["opp_id"].to_list() == ["test:O3", "test:O2", "test:O1"]
    assert result["reason"].to_list() == [NOT_DOCUMENTED, "too pricey", BUDGET]
    assert result["reason_raw"].to_list() == [None, "too pricey", "Price"]
    assert result.columns == list(rejections.RECORD_COLUMNS["opportunities"])


# ---- the pattern finder ------------------------------------------------------------------------
CHANNELS = ("Paid Social", "Email", "Events", "Webinars")
SEGMENTS = ("SMB", "Enterprise")


def _counts(cells: dict[tuple[str, str], tuple[int, int, int]]) -> pl.DataFrame:
    """A `pattern_counts` frame from (channel, segment) -> (Budget, Timeline, Unresponsive)."""
    rows = [
        (channel, segment, reason, n)
        for (channel, segment), counts in cells.items()
        for reason, n in zip((BUDGET, TIMELINE, "Unresponsive"), counts, strict=True)
    ]
    return pl.DataFrame(rows, schema=["channel", "segment", "reason", "n"], orient="row")


def test_two_proportion_test_on_the_planted_cell() -> None:
    # 24 of 40 against 56 of 280: pooled p = 80 / 320 = 0.25;
    # se = sqrt(0.25 * 0.75 * (1/40 + 1/280)) = sqrt(0.1875 * 0.0285714) = 0.0731925;
    # z = (0.6 - 0.2) / 0.0731925 = 5.46504; two-sided p = 2 * (1 - Phi(5.46504)) = 4.628e-8
    z, p = stats.two_proportion_z_test(24, 40, 56, 280)
    assert z == pytest.approx(5.46504, abs=1e-5)
    assert p == pytest.approx(4.628e-8, rel=1e-3)
    # textbook check: 45 / 100 vs 30 / 100 gives z = 2.19089, p = 0.02846
    assert stats.two_proportion_z_test(45, 100, 30, 100) == (
        pytest.approx(2.19089, abs=1e-5),
        pytest.approx(0.02846, abs=1e-5),
    )


def test_the_planted_pattern_is_found_with_its_sentence() -> None:
    # 8 cells of 40 rejections: Budget 8 (20 %), Timeline 16, Unresponsive 16; except Paid
    # Social SMB: Budget 24 (60 %), 8, 8. Budget overall = 7 * 8 + 24 = 80 of 320 = 25 %.
    # Tests: 4 channels + 2 segments + 8 pairs = 14 cells x 3 reasons = 42; threshold
    # 0.05 / 42 = 0.00119.
    # Paid Social SMB: 24/40 vs 56/280 -> z 5.47, p 4.6e-8: significant. Its parent Paid
    # Social (32/80 vs 48/240, z 3.58, p 0.00035) is significant too, but the pair is above the
    # rest of Paid Social (24/40 vs 8/40, z 3.65, p 0.00026), so the pair stays; Paid Social
    # without SMB (8/40) is not above the other channels (48/240), so Paid Social is explained
    # by the pair and dropped. SMB (48/160 vs 32/160, z 2.07, p 0.039) is not significant.
    cells = {(c, s): (8, 16, 16) for c in CHANNELS for s in SEGMENTS}
    cells[("Paid Social", "SMB")] = (24, 8, 8)
    result = sentences.with_pattern_sentences(rejections.find_patterns(_counts(cells)), "leads")
    assert result.height == 1
    row = result.row(0, named=True)
    assert (row["channel"], row["segment"], row["reason"]) == ("Paid Social", "SMB", BUDGET)
    assert (row["n"], row["count"]) == (40, 24)
    assert row["share"] == pytest.approx(0.6)
    assert row["overall_share"] == pytest.approx(0.25)
    assert row["rest_share"] == pytest.approx(0.2)
    assert row["z"] == pytest.approx(5.46504, abs=1e-5)
    assert row["excess"] == pytest.approx(24 - 40 * 0.25)  # 14 rejections above the overall
    assert row["sentence"] == (
        "Budget doesn't match is 60 % of Paid Social SMB rejections vs 25 % overall (n = 40)"
    )


def test_a_pattern_across_a_whole_channel_is_named_once() -> None:
    # Budget 24 of 40 in both Paid Social cells: the channel (48/80 vs 48/240) is significant,
    # each pair is not above the other Paid Social pair (24/40 vs 24/40, z 0): one sentence
    cells = {(c, s): (8, 16, 16) for c in CHANNELS for s in SEGMENTS}
    cells[("Paid Social", "SMB")] = (24, 8, 8)
    cells[("Paid Social", "Enterprise")] = (24, 8, 8)
    found = rejections.find_patterns(_counts(cells))
    result = sentences.with_pattern_sentences(found, "opportunities")
    assert result.select("channel", "segment", "reason").rows() == [("Paid Social", None, BUDGET)]
    assert result["sentence"][0] == (
        "Budget doesn't match is 60 % of Paid Social lost deals vs 30 % overall (n = 80)"
    )


def test_no_pattern_without_one() -> None:
    # shares wobble (Budget 6-10 of 40, i.e. 15-25 %) but nothing is planted: the largest,
    # 10/40 vs 54/280 = 19 %, gives z 0.87, far from the 0.00119 threshold
    budget = iter([8, 9, 7, 10, 6, 8, 9, 7])
    cells = {}
    for c in CHANNELS:
        for s in SEGMENTS:
            b = next(budget)
            cells[(c, s)] = (b, 16, 40 - 16 - b)
    assert rejections.find_patterns(_counts(cells)).is_empty()


def test_cells_below_the_minimum_are_not_tested() -> None:
    # Paid Social SMB has 15 of 20 Budget (75 %), but 20 < 30 rejections: not tested; Paid
    # Social as a whole (15 + 8 of 60) is 38 % vs 20 %: z 2.67, p 0.0077 > 0.05 / 39
    cells = {(c, s): (8, 16, 16) for c in CHANNELS for s in SEGMENTS}
    cells[("Paid Social", "SMB")] = (15, 3, 2)
    assert rejections.find_patterns(_counts(cells)).is_empty()


def test_a_significant_but_trivial_difference_is_no_pattern() -> None:
    # 8 cells of 10,000 rejections, Budget 2,000 (20 %) each, except Paid Social SMB: 2,300
    # (23 %). 2,300 / 10,000 vs 14,000 / 70,000: pooled p = 16,300 / 80,000 = 0.20375;
    # se = sqrt(0.20375 x 0.79625 x (1/10,000 + 1/70,000)) = 0.0043060; z = 0.03 / 0.0043060
    # = 6.97, p = 3e-12, far below 0.05 / 42: significant. But 23 % is 3 points and 1.15x the
    # rest's 20 %, under the minimum effect (5 points and 1.25x): no pattern. (Paid Social as
    # a whole, 4,300 / 20,000 = 21.5 % vs 20 %, is significant too, and trivial as well.)
    cells = {(c, s): (2_000, 4_000, 4_000) for c in CHANNELS for s in SEGMENTS}
    cells[("Paid Social", "SMB")] = (2_300, 3_850, 3_850)
    z, p = stats.two_proportion_z_test(2_300, 10_000, 14_000, 70_000)
    assert z == pytest.approx(6.967, abs=1e-3) and p < 0.05 / 42
    assert (rejections.MIN_EXCESS_POINTS, rejections.MIN_SHARE_RATIO) == (0.05, 1.25)
    assert rejections.find_patterns(_counts(cells)).is_empty()
    # the same cell at 2,600 (26 %: 6 points, 1.3x the rest) is a pattern
    cells[("Paid Social", "SMB")] = (2_600, 3_700, 3_700)
    found = rejections.find_patterns(_counts(cells))
    assert found.select("channel", "segment", "reason").rows() == [("Paid Social", "SMB", BUDGET)]


def test_not_set_groups_are_not_patterns() -> None:
    # the 8 cells have Budget 8 of 40 (20 %); two more cells without a channel, (not set) SMB
    # and (not set) Enterprise, have Budget 24 of 40 (60 %). The channel "(not set)" (48 / 80
    # vs 64 / 320 = 20 %: z 7.1) would be the strongest pattern, but a missing channel is
    # not a group to act on: it is not tested. Its records still count in the rest: SMB is
    # (32 + 24) / 200 = 28 %, the same as Enterprise's 28 %, so nothing else stands out.
    cells = {(c, s): (8, 16, 16) for c in CHANNELS for s in SEGMENTS}
    cells[(NOT_SET, "SMB")] = (24, 8, 8)
    cells[(NOT_SET, "Enterprise")] = (24, 8, 8)
    assert rejections.find_patterns(_counts(cells)).is_empty()


def test_empty_counts_give_no_patterns() -> None:
    empty = pl.DataFrame(
        schema={"channel": pl.String, "segment": pl.String, "reason": pl.String, "n": pl.Int64}
    )
    result = rejections.find_patterns(empty)
    assert result.is_empty() and list(result.columns[:2]) == ["channel", "segment"]


def test_demo_planted_pattern_is_found(demo_db: Path) -> None:
    # demo.py plants "Budget doesn't match" at ~45 % of Paid Social SMB rejections vs ~15 %
    # elsewhere; over all time it must be the first (largest) pattern
    con = model.connect(demo_db)
    try:
        result = rejections_screen.patterns(con, Selection(ALL_TIME), "leads", "standard")
    finally:
        con.close()
    first = result.row(0, named=True)
    assert (first["channel"], first["segment"], first["reason"]) == ("Paid Social", "SMB", BUDGET)
    assert first["sentence"].startswith("Budget doesn't match is ")
    assert " of Paid Social SMB rejections vs " in first["sentence"]


# ---- charts -------------------------------------------------------------------------------
def test_pareto_chart_has_bars_with_n_and_a_cumulative_line(con: store.Connection) -> None:
    frame = rejections.pareto(con, Selection(MARCH, "previous"))
    fig = rejection_charts.pareto(frame, "Rejections, March 2026", comparison_label="Feb 2026")
    previous, current, cumulative = fig.data
    assert list(current.x) == [BUDGET, TIMELINE, "Not a DM", NOT_DOCUMENTED]
    assert list(current.text) == ["n=3", "n=1", "n=1", "n=2"]
    assert list(previous.text) == ["n=1", "n=1", "n=0", "n=0"]
    assert list(cumulative.y) == pytest.approx([3 / 7, 4 / 7, 5 / 7, 1.0])
    assert fig.layout.title.text == "Rejections, March 2026"
    empty = rejection_charts.pareto(rejections.pareto(con, Period.month(2025, 1)), "Empty")
    assert empty.layout.annotations[0].text.startswith("No rejections")


def test_heatmap_cells_read_share_and_n(con: store.Connection) -> None:
    frame = rejections.reason_matrix(con, MARCH, "channel")
    fig = rejection_charts.heatmap(frame, "channel", "Reason x channel, March 2026")
    heat = fig.data[-1]  # 4 and 3 rejections: both columns too few to tell, drawn pale
    assert heat.showscale is False and heat.colorscale[-1][1] == "#CBD5E1"
    assert list(heat.x) == ["Email<br>(n=4)", "Events<br>(n=3)"]  # wrapped at 9 characters
    assert list(heat.y) == [BUDGET, "Not a DM", TIMELINE, NOT_DOCUMENTED]
    assert heat.z[0] == pytest.approx((0.75, 0.0))
    assert list(heat.text[0]) == ["75 %<br>n=3", "0 %<br>n=0"]
    assert list(heat.text[1]) == ["0 %<br>n=0", "33 %<br>n=1"]


def test_heatmaps_side_by_side_share_one_scale_and_fade_small_columns() -> None:
    # column A: 40 rejections (30 Budget = 75 %); column B: 2 rejections (2 Budget = 100 %)
    frame = pl.DataFrame(
        {
            "channel": ["A", "A", "B", "B"],
            "reason": ["Budget", "Timing", "Budget", "Timing"],
            "share": [0.75, 0.25, 1.0, 0.0],
            "n": [30, 10, 2, 0],
            "total": [40, 40, 2, 2],
        }
    )
    other = frame.with_columns(pl.col("share") * 0.5)  # the other heatmap: 37.5 % at most
    # the 100 % of B rests on 2 rejections: the shared top is A's 75 %, not 100 %
    assert rejection_charts.shared_scale([frame, other]) == 0.75
    fig = rejection_charts.heatmap(frame, "channel", "Reasons", zmax=0.75)
    solid, pale = fig.data
    assert (solid.zmax, pale.zmax) == (0.75, 0.75)
    assert [row[0] for row in solid.z] == [0.75, 0.25] and [row[1] for row in solid.z] == [None] * 2
    assert [row[1] for row in pale.z] == [1.0, 0.0] and pale.showscale is False


def test_pareto_keeps_the_cumulative_line_on_its_own_axis(con: store.Connection) -> None:
    frame = rejections.pareto(con, Selection(MARCH, "previous"))
    fig = rejection_charts.pareto(frame, "R", comparison_label="Feb 2026", period_label="Mar 2026")
    _, current, cumulative = fig.data
    assert current.name == "Mar 2026" and cumulative.yaxis == "y2"
    # largest share 3 / 7 = 0.43 (x 1.12 = 0.48 for the n labels) / 4 -> step 0.2, 0-80 %;
    # the cumulative axis 0-100 % by 25 %: four intervals each
    assert fig.layout.yaxis.dtick == pytest.approx(0.2)
    assert list(fig.layout.yaxis2.range) == [0, 1.0]


def test_share_trend_by_quarter_adds_up_its_months(con: store.Connection) -> None:
    months = rejections.share_trend(con, MARCH, 3)
    quarter = rejections.share_trend(con, MARCH, 1, bucket="quarter")
    # Q1 2026 holds January to March: each reason's n is the sum of its three months
    by_month = months.group_by("reason").agg(pl.col("n").sum()).sort("reason")
    assert quarter["label"].unique().to_list() == ["Q1 2026"]
    assert_frame_equal(quarter.select("reason", "n").sort("reason"), by_month)
    fig = rejection_charts.share_trend(quarter, "By quarter", "quarter")
    assert list(fig.data[0].x) == ["Q1 2026"] and fig.layout.xaxis.type == "category"


def test_trend_chart_stacks_one_bar_per_reason(con: store.Connection) -> None:
    frame = rejections.share_trend(con, MARCH, months=3, now=datetime(2026, 4, 1, tzinfo=UTC))
    fig = rejection_charts.share_trend(frame, "Reason share by month")
    assert [trace.name for trace in fig.data] == [BUDGET, TIMELINE, "Not a DM", NOT_DOCUMENTED]
    assert fig.data[-1].marker.color == rejection_charts.UNDOCUMENTED_COLOR


# ---- real data: X Education -----------------------------------------------------------------
XEDUCATION = REALDATA / "xeducation" / "leads.csv"
XEDUCATION_MAPPING = {
    "external_id": "Prospect ID",
    "channel_raw": "Lead Source",
    "rejection_reason_raw": "Tags",
    "is_converted": "Converted",
}


def test_xeducation_tags_pareto_equals_a_count_over_the_raw_file(tmp_path: Path) -> None:
    from alignment.ingest import import_file

    con = model.connect(tmp_path / "x.duckdb")
    try:
        result = import_file(
            con, XEDUCATION, XEDUCATION.name, object_type="leads", mapping=XEDUCATION_MAPPING
        )
        assert result.rows_loaded > 9000
        pareto = rejections.pareto(con, ALL_TIME, level="raw")
        standard = rejections.pareto(con, ALL_TIME)
    finally:
        con.close()
    # Tags of converted leads ("Closed by Horizzon", "Will revert after reading the email", ...)
    # are status notes of won leads, not rejections: only leads with Converted = 0 count.
    # `Select` is the form's placeholder for "nothing chosen", i.e. missing.
    expected = duckdb.sql(
        f"""
        SELECT Tags AS reason, count(*) AS n
        FROM read_csv({store.quote_literal(str(XEDUCATION))}, all_varchar = true)
        WHERE Converted = '0' AND nullif(trim(Tags), '') IS NOT NULL AND Tags <> 'Select'
        GROUP BY Tags
        """
    ).fetchall()
    assert dict(pareto.select("reason", "n").iter_rows()) == dict(expected)
    total = sum(n for _, n in expected)
    assert pareto["share"].to_list() == pytest.approx([n / total for n in pareto["n"]])
    assert pareto["cumulative_share"][-1] == pytest.approx(1.0)
    # a lead without a tag was never rejected, so nothing is undocumented here. The standard
    # view applies the reason map: Tags it marks as statuses ("Will revert after reading the
    # email", "Busy", ...) are no rejection there, so it counts fewer leads, none undocumented
    assert not pareto["undocumented"].any()
    assert 0 < int(standard["n"].sum()) < total
    assert not standard["undocumented"].any()


# ---- CLI --------------------------------------------------------------------------------------
def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_equals_the_functions(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "rejections", "--db", str(demo_db), "--json")
    assert code == 0, err
    printed = json.loads(out)
    con = model.connect(demo_db)
    try:
        pareto = rejections.pareto(con, ALL_TIME)
        found = rejections_screen.patterns(con, Selection(ALL_TIME), "leads", "standard")
        by_segment = rejections.reason_matrix(con, Period.parse("2026-Q3"), "segment")
    finally:
        con.close()
    assert printed["period"] == "all" and printed["kind"] == "leads"
    assert [(r["reason"], r["n"]) for r in printed["pareto"]] == pareto.select("reason", "n").rows()
    assert [r["share"] for r in printed["pareto"]] == pytest.approx(pareto["share"].to_list())
    assert [p["sentence"] for p in printed["patterns"]] == found["sentence"].to_list()
    assert printed["total"] == int(pareto["n"].sum())

    code, out, err = _run(
        capsys,
        "rejections",
        "--db",
        str(demo_db),
        "--period",
        "2026-Q3",
        "--by",
        "segment",
        "--json",
    )
    assert code == 0, err
    matrix = json.loads(out)["matrix"]
    assert [(r["segment"], r["reason"], r["n"]) for r in matrix] == by_segment.select(
        "segment", "reason", "n"
    ).rows()


def test_cli_text_and_lost_reasons(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "rejections", "--db", str(demo_db))
    assert code == 0, err
    assert "Rejection reasons, All time" in out
    assert "Budget doesn't match is " in out  # the planted pattern, in words
    code, out, err = _run(capsys, "rejections", "--db", str(demo_db), "--lost", "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "opportunities"
    code, out, err = _run(capsys, "rejections", "--db", str(demo_db), "--period", "March")
    assert code == 1 and "unknown period" in err


def test_long_reasons_wrap_on_the_pareto_axis() -> None:
    assert rejection_charts.wrap_label("Unresponsive after multiple touches") == (
        "Unresponsive<br>after multiple<br>touches"
    )
    assert rejection_charts.wrap_label("Other") == "Other"
