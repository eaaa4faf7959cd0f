"""The change decomposition (`metrics.change`), its sentences and its waterfall, against
two-channel fixtures whose effects are worked out by hand below, a Simpson's-paradox fixture,
a tiny database (the compiled per-group numbers), and the demo data's planted change.

Slots follow `compile_periods`: 0 is the selected period (March), 1 its comparison (February).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest

from alignment import model
from alignment.db import store
from alignment.devtools import demo
from alignment.filters import Filters
from alignment.metrics import change
from alignment.model import facts
from alignment.periods import ALL_TIME, Period
from alignment.present import change_charts, sentences
from alignment.present.text import markdown_text
from alignment.selection import Selection

MARCH = Period.month(2026, 3)
SELECTION = Selection(MARCH, "previous")  # March vs February 2026


def _groups(rows: list[tuple[str, int, float, int]]) -> pl.DataFrame:
    """A `group_counts` frame from (group, slot, x, n) rows."""
    return pl.DataFrame(
        rows,
        schema={"group": pl.String, "slot": pl.Int64, "x": pl.Float64, "n": pl.Int64},
        orient="row",
    )


def _amounts(frame: pl.DataFrame) -> dict[tuple[str | None, str], float]:
    return {(g, e): a for g, e, a in frame.select("group", "effect", "amount").iter_rows()}


# ---- counts: each group's contribution is its change ------------------------------------------
def test_a_count_change_is_the_sum_of_the_groups_changes() -> None:
    # MQLs: Email 100 (Feb) -> 130 (Mar) = +30; Events 50 -> 40 = -10;
    # total 150 -> 170 = +20 = +30 - 10
    groups = _groups([("Email", 0, 130, 130), ("Events", 0, 40, 40)])
    groups = groups.vstack(_groups([("Email", 1, 100, 100), ("Events", 1, 50, 50)]))
    result = change.decompose_groups(groups, "mqls", "channel")
    assert result.select("group", "effect", "amount", "before", "after").rows() == [
        ("Email", "volume", 30.0, 100.0, 130.0),  # the largest contribution first
        ("Events", "volume", -10.0, 50.0, 40.0),
        (None, "total", 20.0, 150.0, 170.0),
    ]
    effects = result.filter(pl.col("effect") != "total")["amount"].sum()
    assert effects == result.filter(pl.col("effect") == "total")["amount"][0]


def test_a_sum_counts_a_group_present_in_one_period_only() -> None:
    # won revenue: Email $10k -> $4k (-6k); Events none -> $9k (+9k): total 10k -> 13k = +3k
    groups = _groups([("Email", 0, 4000, 1), ("Events", 0, 9000, 2), ("Email", 1, 10000, 3)])
    result = change.decompose_groups(groups, "won_revenue", "channel")
    assert _amounts(result) == {
        ("Events", "volume"): 9000.0,
        ("Email", "volume"): -6000.0,
        (None, "total"): 3000.0,
    }
    assert result.filter(pl.col("group") == "Events").select("n_before", "n_after").row(0) == (
        0,
        2,
    )


# ---- ratios: rate and mix effects -------------------------------------------------------------
RATIO_GROUPS = _groups(
    [
        ("Email", 1, 40, 100),  # February: Email 40 / 100 = 40 %
        ("Events", 1, 20, 100),  # Events 20 / 100 = 20 %
        ("Email", 0, 44, 100),  # March: Email 44 / 100 = 44 %
        ("Events", 0, 45, 300),  # Events 45 / 300 = 15 %
    ]
)


def test_ratio_rate_and_mix_effects_sum_exactly_to_the_total_change() -> None:
    # totals: February 60 / 200 = 30 %, March 89 / 400 = 22.25 %: change -7.75 pts.
    # shares w: Email 100/200 = 0.5 -> 100/400 = 0.25; Events 0.5 -> 300/400 = 0.75.
    # average total R_avg = (0.30 + 0.2225) / 2 = 0.26125.
    # Email rate = (0.5 + 0.25) / 2 x (0.44 - 0.40) = 0.375 x 0.04 = +0.015
    # Email mix  = ((0.40 + 0.44) / 2 - 0.26125) x (0.25 - 0.5) = 0.15875 x -0.25 = -0.0396875
    # Events rate = (0.5 + 0.75) / 2 x (0.15 - 0.20) = 0.625 x -0.05 = -0.03125
    # Events mix  = ((0.20 + 0.15) / 2 - 0.26125) x (0.75 - 0.5) = -0.08625 x 0.25 = -0.0215625
    # sum: 0.015 - 0.0396875 - 0.03125 - 0.0215625 = -0.0775 = 0.2225 - 0.30
    result = change.decompose_groups(RATIO_GROUPS, "mql_to_sql", "channel")
    amounts = _amounts(result)
    expected = {
        ("Events", "rate"): -0.03125,  # Events contributes -0.0528125: listed first
        ("Events", "mix"): -0.0215625,
        ("Email", "rate"): 0.015,
        ("Email", "mix"): -0.0396875,
        (None, "total"): -0.0775,
    }
    assert list(amounts) == list(expected)
    for key, value in expected.items():
        assert amounts[key] == pytest.approx(value, abs=1e-12), key
    effects = result.filter(pl.col("effect") != "total")["amount"].sum()
    assert effects == pytest.approx(-0.0775, abs=1e-12)
    events = result.filter(pl.col("group") == "Events").row(0, named=True)
    assert (events["before"], events["after"]) == (pytest.approx(0.2), pytest.approx(0.15))
    assert (events["n_before"], events["n_after"]) == (100, 300)
    assert (events["share_before"], events["share_after"]) == (0.5, 0.75)
    total = result.filter(pl.col("effect") == "total").row(0, named=True)
    assert (total["before"], total["after"]) == (pytest.approx(0.3), pytest.approx(0.2225))
    assert (total["n_before"], total["n_after"]) == (200, 400)


def test_a_new_group_s_contribution_is_all_mix() -> None:
    # February: Email 30 / 100; March: Email 30 / 100, Webinars 10 / 100 (new).
    # totals 30 % -> 40 / 200 = 20 %: -10 pts; R_avg = 25 %.
    # Email: rate 0 (30 % both); mix = (0.30 - 0.25) x (0.5 - 1.0) = -0.025.
    # Webinars: no February rate, taken as unchanged (10 %): rate 0;
    # mix = (0.10 - 0.25) x (0.5 - 0) = -0.075. Sum -0.10.
    groups = _groups([("Email", 1, 30, 100), ("Email", 0, 30, 100), ("Webinars", 0, 10, 100)])
    amounts = _amounts(change.decompose_groups(groups, "mql_to_sql", "channel"))
    assert amounts[("Webinars", "rate")] == 0.0
    assert amounts[("Webinars", "mix")] == pytest.approx(-0.075)
    assert amounts[("Email", "rate")] == 0.0
    assert amounts[("Email", "mix")] == pytest.approx(-0.025)
    assert amounts[(None, "total")] == pytest.approx(-0.10)


def test_a_ratio_without_n_in_a_period_has_no_change_to_split() -> None:
    groups = _groups([("Email", 0, 3, 10)])  # nothing closed in February
    result = change.decompose_groups(groups, "win_rate", "channel")
    assert result.select("group", "effect", "amount", "before", "after").rows() == [
        (None, "total", None, None, 0.3)
    ]
    fig = change_charts.waterfall(result, "Win rate")
    assert not fig.data and "Nothing to decompose" in fig.layout.annotations[0].text


def test_only_the_change_metrics_decompose() -> None:
    with pytest.raises(ValueError, match="cannot decompose 'leads'"):
        change.check_metric("leads")
    assert [change.is_ratio(m) for m in change.CHANGE_METRICS] == [
        False,
        False,
        False,
        True,
        True,
    ]


# ---- Simpson's paradox ----------------------------------------------------------------------
SIMPSON_GROUPS = _groups(
    [
        ("Email", 1, 160, 200),  # February: Email 160 / 200 = 80 %
        ("Events", 1, 10, 50),  # Events 10 / 50 = 20 %
        ("Email", 0, 42, 50),  # March: Email 42 / 50 = 84 % (up)
        ("Events", 0, 50, 200),  # Events 50 / 200 = 25 % (up)
        ("Webinars", 1, 9, 10),  # Webinars 9 / 10 -> 1 / 10: down, but n 10 < 30: not read
        ("Webinars", 0, 1, 10),
    ]
)


def test_simpson_s_paradox_is_called_out() -> None:
    # totals: February (160 + 10 + 9) / 260 = 179 / 260 = 68.8 %; March (42 + 50 + 1) / 260 =
    # 93 / 260 = 35.8 %: the total falls although Email and Events (n >= 30 in both periods)
    # both rise, because March's MQLs moved to Events, the channel that converts less
    frame = change.decompose_groups(SIMPSON_GROUPS, "mql_to_sql", "channel")
    found = change.simpson(frame)
    assert found == [
        change.Simpson(
            metric="mql_to_sql",
            dimension="channel",
            groups=("Email", "Events"),
            groups_direction="up",
            before=pytest.approx(179 / 260),  # type: ignore[arg-type]
            after=pytest.approx(93 / 260),  # type: ignore[arg-type]
            min_n=30,
        )
    ]
    assert sentences.simpson_paradox(found[0], SELECTION) == (
        "Simpson's paradox: MQL → SQL rose in every channel with at least 30 MQLs in both "
        "periods (Email, Events) from February 2026 to March 2026, yet the total fell from 69 % "
        "to 36 %: the mix shifted towards channels with a lower MQL → SQL."
    )


def test_no_paradox_when_a_large_group_moves_with_the_total() -> None:
    # the two-channel ratio fixture: Email rises (40 -> 44 %) but Events falls (20 -> 15 %)
    # with the total: not every group moved against it
    assert change.simpson(change.decompose_groups(RATIO_GROUPS, "mql_to_sql", "channel")) == []
    # with a minimum n above Events' 50, only Email is left: one group is no paradox
    frame = change.decompose_groups(SIMPSON_GROUPS, "mql_to_sql", "channel")
    assert change.simpson(frame, min_n=60) == []


# ---- the largest effects in words -------------------------------------------------------------
def test_top_effects_in_words_link_to_the_page_that_explains_them() -> None:
    frame = pl.concat(
        [
            change.decompose_groups(RATIO_GROUPS, "mql_to_sql", "channel"),
            change.decompose_groups(
                RATIO_GROUPS.with_columns(pl.col("group").replace({"Email": "SMB"})),
                "mql_to_sql",
                "segment",
            ),
        ]
    )
    top = change.top_effects(frame)
    # |-0.0396875| (Email mix, then SMB mix: ties by dimension), then |-0.03125| Events rate
    assert top.select("dimension", "group", "effect").rows() == [
        ("channel", "Email", "mix"),
        ("segment", "SMB", "mix"),
        ("channel", "Events", "rate"),
    ]
    assert top["total"].to_list() == [pytest.approx(-0.0775)] * 3
    view = Selection(MARCH, "previous", Filters(region=("EMEA",)))
    mix, segment, rate = sentences.change_effects(top, view)
    link = "grain=Month&period=March+2026&compare=Previous+period&region=EMEA"
    # Email: share 50 % -> 25 %, average rate (40 + 44) / 2 = 42 % against (30 + 22.25) / 2 =
    # 26.125 % overall, mix effect -3.96875 pts -> -4.0 pts; the total's -7.75 pts is
    # 89 / 400 - 60 / 200 = -0.07749999999999999 in floating point, written -7.7 pts
    assert mix == (
        "Email: its share of MQLs fell from 50 % in February 2026 to 25 % in March 2026, with "
        "MQL → SQL at 42 %, above the overall 26 %; its mix effect is -4.0 pts of the total's "
        f"-7.7 pts. See [Channels](/channels?{link})."
    )
    assert segment.endswith(f"See [Funnel](/funnel?{link}&funnel_by=Segment).")
    assert rate == (
        "Events: MQL → SQL fell from 20 % (n = 100) in February 2026 to 15 % (n = 300) in March "
        "2026; its rate effect is -3.1 pts of the total's -7.7 pts. "
        f"See [Channels](/channels?{link})."
    )


def test_effect_sentences_escape_values_and_links_carry_the_view() -> None:
    hostile = "![x](http://evil/p.png) *Paid*"
    groups = _groups([(hostile, 0, 5, 5), (hostile, 1, 2, 2)])
    frame = change.decompose_groups(groups, "won_revenue", "segment")
    view = Selection(Period.quarter(2026, 3), "last_year", Filters(channel=("A&B (x)",)))
    (sentence,) = sentences.change_effects(change.top_effects(frame), view)
    assert sentence.startswith(markdown_text(hostile) + ": won revenue rose from $2 in Q3 2025")
    # won revenue by segment is explained on the Channels page, broken down by segment
    path = sentence.rsplit("(", 1)[1].removesuffix(").")
    parts = urlsplit(path)
    assert parts.path == "/channels"
    assert parse_qs(parts.query) == {
        "grain": ["Quarter"],
        "period": ["Q3 2026"],
        "compare": ["Same period last year"],
        "channel": ["A&B (x)"],
        "channels_by": ["Segment"],
    }
    assert " " not in path and "(" not in path  # safe inside a Markdown link


# ---- the waterfall ----------------------------------------------------------------------------
def test_waterfall_goes_from_the_comparison_through_the_effects_to_the_selected_value() -> None:
    frame = change.decompose_groups(RATIO_GROUPS, "mql_to_sql", "channel")
    fig = change_charts.waterfall(frame, "MQL → SQL", labels=("February 2026", "March 2026"))
    (trace,) = fig.data
    assert trace.type == "waterfall" and trace.orientation == "h"
    assert list(trace.y) == [
        "February 2026",
        "Email · mix",  # the largest effect first
        "Events · rate",
        "Events · mix",
        "Email · rate",
        "March 2026",
    ]
    assert list(trace.measure) == [
        "absolute",
        "relative",
        "relative",
        "relative",
        "relative",
        "total",
    ]
    expected = [0.30, -0.0396875, -0.03125, -0.0215625, 0.015, 0.2225]
    assert list(trace.x) == [pytest.approx(v) for v in expected]
    assert list(trace.text) == ["30 %", "-4.0 pts", "-3.1 pts", "-2.2 pts", "+1.5 pts", "22 %"]
    # the steps run 0.30 -> 0.2603 -> 0.2291 -> 0.2075 -> 0.2225: the axis covers them, not 0
    low, high = fig.layout.xaxis.range
    assert 0 < low < 0.2075 and 0.30 < high < 0.5
    assert fig.layout.xaxis.tickformat == ".0%"
    assert fig.layout.title.text == "MQL → SQL"


def test_waterfall_sums_the_small_effects_into_other() -> None:
    # 12 channels, channel i: 10 * i MQLs in February, 10 * i + i in March (+i): the 8 largest
    # (+12 ... +5) get bars, the 4 smallest (+4, +3, +2, +1 = +10) one "Other" bar
    rows = [(f"C{i:02}", 1, 10.0 * i, 10 * i) for i in range(1, 13)]
    rows += [(f"C{i:02}", 0, 11.0 * i, 11 * i) for i in range(1, 13)]
    frame = change.decompose_groups(_groups(rows), "mqls", "channel")
    (trace,) = change_charts.waterfall(frame, "MQLs", labels=("Feb", "Mar")).data
    assert list(trace.y) == [
        "Feb",
        *(f"C{i:02}" for i in range(12, 4, -1)),
        "Other (4 effects)",
        "Mar",
    ]
    assert trace.x[-2] == 10.0 and trace.text[-2] == "+10"
    assert trace.x[0] == 780.0 and trace.x[-1] == 858.0  # 10 x 78 and 11 x 78


def test_waterfall_shows_a_group_name_as_text() -> None:
    groups = _groups([("<b>Bold</b>", 0, 5, 5), ("<b>Bold</b>", 1, 2, 2)])
    frame = change.decompose_groups(groups, "mqls", "channel")
    (trace,) = change_charts.waterfall(frame, "MQLs").data
    assert trace.y[1] == "&lt;b&gt;Bold&lt;/b&gt;"


# ---- from the database ------------------------------------------------------------------------
LEADS = """
('D1', 'Email',  '2026-03-02', '2026-03-10'),
('D2', 'Email',  '2026-03-05', NULL),
('D3', 'Email',  '2026-03-20', '2026-04-02'),
('D4', 'Events', '2026-03-09', NULL),
('D5', 'Email',  '2026-02-03', '2026-02-10'),
('D6', 'Events', '2026-02-11', '2026-02-20'),
('D7', 'Events', '2026-02-25', NULL),
('D8', 'Events', '2026-01-25', '2026-02-01')
"""
# March MQL cohort: Email D1, D2, D3 (3 MQLs, D1 and D3 reached SQL: 2); Events D4 (1, 0).
# February: Email D5 (1, 1); Events D6, D7 (2, 1). D8 is January's.


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "c.duckdb")
    connection.execute(
        f"""
        INSERT INTO leads (lead_id, source_system, external_id, created_at, channel, segment,
                           mql_at, sql_at)
        SELECT 'test:' || id, 'test', id, mql::TIMESTAMPTZ, channel, 'SMB', mql, sql_
        FROM (VALUES {LEADS}) v(id, channel, mql, sql_)
        """
    )
    facts.refresh(connection)
    yield connection
    connection.close()


def test_group_counts_come_from_the_registry_by_channel(con: store.Connection) -> None:
    result = change.group_counts(con, SELECTION, "mql_to_sql", "channel")
    assert sorted(result.rows()) == [
        ("Email", 0, 2.0, 3),  # March: 2 SQLs of 3 MQLs
        ("Email", 1, 1.0, 1),  # February: 1 of 1
        ("Events", 0, 0.0, 1),  # March: 0 of 1
        ("Events", 1, 1.0, 2),  # February: 1 of 2
    ]


def test_decompose_from_the_database(con: store.Connection) -> None:
    # MQLs: Email 1 -> 3 (+2), Events 2 -> 1 (-1): total 3 -> 4 (+1), by channel; all SMB
    result = change.decompose(con, SELECTION, "mqls")
    assert result.select("dimension", "group", "effect", "amount").rows() == [
        ("channel", "Email", "volume", 2.0),
        ("channel", "Events", "volume", -1.0),
        ("channel", None, "total", 1.0),
        ("segment", "SMB", "volume", 1.0),
        ("segment", None, "total", 1.0),
    ]
    # MQL -> SQL: February 2 / 3, March 2 / 4: total -1/6; the effects add up to it
    ratio = change.decompose(con, SELECTION, "mql_to_sql", ("channel",))
    total = ratio.filter(pl.col("effect") == "total")["amount"][0]
    assert total == pytest.approx(2 / 4 - 2 / 3)
    assert ratio.filter(pl.col("effect") != "total")["amount"].sum() == pytest.approx(total)
    # nothing to compare without a comparison period
    assert change.decompose(con, Selection(MARCH, "none"), "mqls").is_empty()
    assert change.decompose(con, Selection(ALL_TIME), "mqls").is_empty()


# ---- the demo's planted change ----------------------------------------------------------------
DEMO_TODAY = date(2026, 11, 23)
PLANTED = Selection(Period.quarter(2026, 3), "previous")  # demo.py: the latest complete quarter


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[store.Connection]:
    """The demo at its default size (20,000 leads, about a second to build): large enough that
    the planted change stands well clear of the noise."""
    connection = model.connect(tmp_path_factory.mktemp("change") / "demo.duckdb")
    demo.load_demo(connection, today=DEMO_TODAY)
    yield connection
    connection.close()


def test_the_planted_change_comes_out_on_top(demo_con: store.Connection) -> None:
    # demo.py plants, in the quarter before today's, Paid Social MQL volume up ~50 % and its
    # MQL -> SQL rate halved: by channel, Paid Social's volume is the largest MQL effect, and
    # its mix and rate effects are the two largest MQL -> SQL effects (both negative)
    mqls = change.top_effects(change.decompose(demo_con, PLANTED, "mqls", ("channel",)))
    assert mqls.select("group", "effect").row(0) == (demo.PLANT_CHANNEL, "volume")
    assert mqls["amount"][0] > 0
    rate = change.top_effects(change.decompose(demo_con, PLANTED, "mql_to_sql", ("channel",)))
    assert rate.select("group").rows()[:2] == [(demo.PLANT_CHANNEL,), (demo.PLANT_CHANNEL,)]
    assert set(rate["effect"][:2]) == {"rate", "mix"}
    assert (rate["amount"][:2] < 0).all() and rate["total"][0] < 0
    words = sentences.change_effects(rate, PLANTED)
    assert words[0].startswith(f"{demo.PLANT_CHANNEL}: ")
    assert "See [Channels](/channels?grain=Quarter&period=Q3+2026&" in words[0]


def test_waterfall_of_the_demo_change_is_json(demo_con: store.Connection) -> None:
    frame = change.decompose(demo_con, PLANTED, "mql_to_sql", ("channel",))
    fig = change_charts.waterfall(frame, "MQL → SQL", labels=("Q2 2026", "Q3 2026"))
    spec = json.loads(fig.to_json())
    assert spec["data"][0]["y"][1].startswith(demo.PLANT_CHANNEL)
