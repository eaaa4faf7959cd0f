"""The Channels page's win-rate chart, checked by reading the figure it builds."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from alignment.present import channel_charts


def _table() -> pl.DataFrame:
    # win rates by hand: Email 12 won / 40 closed = 0.30; Paid <Search> 30 / 50 = 0.60;
    # Events 1 / 2 = 0.50 (too few); Partner has no closed deal (no rate)
    return pl.DataFrame(
        {
            "channel": ["Email", "Paid <Search>", "Events", "Partner"],
            "win_rate": [0.30, 0.60, 0.50, None],
            "win_rate_n": [40, 50, 2, 0],
            "win_rate_low": [0.18, 0.46, 0.09, None],
            "win_rate_high": [0.45, 0.72, 0.91, None],
            "too_few": [False, False, True, True],
        }
    )


def test_points_sorted_by_rate_with_interval_bars_and_n_in_the_label() -> None:
    fig = channel_charts.win_rates(_table(), "Win rate by channel")
    solid, pale = fig.data
    result = (list(solid.x), list(solid.y))
    expected = ([0.30, 0.60], ["Email (n = 40)", "Paid &lt;Search&gt; (n = 50)"])
    assert result == expected
    # error bars: high - rate and rate - low, e.g. Email 0.45 - 0.30 = 0.15, 0.30 - 0.18 = 0.12
    assert list(solid.error_x.array) == pytest.approx([0.15, 0.12])
    assert list(solid.error_x.arrayminus) == pytest.approx([0.12, 0.14])
    # highest rate on top: plotly draws the first category at the bottom
    assert list(fig.layout.yaxis.categoryarray) == [
        "Email (n = 40)",
        "Events (n = 2)",
        "Paid &lt;Search&gt; (n = 50)",
    ]
    assert "95 % interval 18–45 %" in solid.hovertext[0]


def test_too_few_to_tell_is_its_own_pale_series_and_no_rate_is_left_out() -> None:
    fig = channel_charts.win_rates(_table(), "Win rate by channel")
    pale = fig.data[1]
    assert (pale.name, list(pale.y)) == (channel_charts.TOO_FEW, ["Events (n = 2)"])
    assert pale.marker.color == channel_charts.TOO_FEW_COLOR != fig.data[0].marker.color
    assert "too few to tell" in pale.hovertext[0]
    labels = [label for trace in fig.data for label in trace.y]
    assert not any(label.startswith("Partner") for label in labels)


def test_no_closed_deal_anywhere_says_so() -> None:
    table = _table().with_columns(pl.lit(None, dtype=pl.Float64).alias("win_rate"))
    fig = channel_charts.win_rates(table, "Win rate by channel")
    assert fig.data == ()
    assert "No closed deals" in fig.layout.annotations[0].text


def _series() -> pl.DataFrame:
    # two months x nine channels: channel Ci has pipeline i and won revenue 10 * i each month
    months = [date(2026, 2, 1), date(2026, 3, 1)]
    names = [f"C{i}" for i in range(1, 10)]
    return pl.DataFrame(
        {
            "bucket": [m for m in months for _ in names],
            "channel": names * 2,
            "pipeline_created": [float(i) for _ in months for i in range(1, 10)],
            "won_revenue": [10.0 * i for _ in months for i in range(1, 10)],
        }
    )


def test_top_values_keep_the_largest_and_add_up_the_rest() -> None:
    result = channel_charts.top_values(_series(), "channel", ("pipeline_created", "won_revenue"))
    # totals 22 * i: C9..C3 kept (7 = MAX_SERIES - 1), C1 + C2 -> Other: pipeline 1 + 2 = 3,
    # won 10 + 20 = 30 per month
    assert list(dict.fromkeys(result["channel"].to_list())) == [
        "C9", "C8", "C7", "C6", "C5", "C4", "C3", "Other"
    ]  # fmt: skip
    other = result.filter(pl.col("channel") == "Other")
    assert other.select("pipeline_created", "won_revenue").rows() == [(3.0, 30.0), (3.0, 30.0)]
    assert result["pipeline_created"].sum() == 2 * 45.0  # nothing lost: 2 months x (1 + ... + 9)


def test_pipeline_and_revenue_stack_one_colour_per_channel_in_both_charts() -> None:
    fig = channel_charts.pipeline_and_revenue(_series(), "channel", "month", "By month")
    assert fig.layout.barmode == "stack"
    # 8 values x 2 charts; the top chart's traces carry the legend
    assert len(fig.data) == 16
    top = [t for t in fig.data if t.yaxis == "y"]
    bottom = [t for t in fig.data if t.yaxis == "y2"]
    assert [t.name for t in top] == [t.name for t in bottom]
    assert all(t.showlegend for t in top) and not any(t.showlegend for t in bottom)
    c9_top, c9_bottom = top[0], bottom[0]
    assert (list(c9_top.y), list(c9_bottom.y)) == ([9.0, 9.0], [90.0, 90.0])
    assert c9_top.marker.color == c9_bottom.marker.color
    assert top[-1].marker.color == channel_charts.OTHER_COLOR


def test_quarters_are_labelled_as_quarters() -> None:
    quarters = _series().head(9).with_columns(pl.lit(date(2026, 1, 1)).alias("bucket"))
    fig = channel_charts.pipeline_and_revenue(quarters, "channel", "quarter", "By quarter")
    assert list(fig.data[0].x) == ["Q1 2026"]


def test_marketing_share_line_over_pipeline_bars() -> None:
    share = pl.DataFrame(
        {
            "bucket": [date(2026, 2, 1), date(2026, 3, 1)],
            "pipeline_created": [200.0, 0.0],
            "marketing_pipeline": [150.0, 0.0],
            "marketing_share": [0.75, None],  # March: no pipeline, no share
        }
    )
    fig = channel_charts.marketing_share(share, "month", "Share")
    line = fig.data[-1]
    assert (line.yaxis, list(line.y)) == ("y2", [0.75, None])
    assert [list(t.y) for t in fig.data[:2]] == [[200.0, 0.0], [150.0, 0.0]]
    empty = channel_charts.marketing_share(
        share.with_columns(pl.lit(0.0).alias("pipeline_created")), "month", "Share"
    )
    assert "No pipeline" in empty.layout.annotations[0].text


def test_spend_against_revenue_only_for_channels_with_spend() -> None:
    table = pl.DataFrame(
        {
            "channel": ["Email", "Events", "<b>Referral</b>"],
            "spend": [300.0, None, 1000.0],
            "won_revenue": [600.0, 50.0, 500.0],
            # ROI: Email (600 - 300) / 300 = 1.0; Referral (500 - 1000) / 1000 = -0.5
            "roi": [1.0, None, -0.5],
        }
    )
    fig = channel_charts.spend_vs_revenue(table, "Spend and revenue")
    revenue, spend = fig.data
    # most spend on top: plotly draws the first category at the bottom
    assert list(spend.y) == ["Email (ROI 100 %)", "&lt;b&gt;Referral&lt;/b&gt; (ROI -50 %)"]
    assert (list(spend.x), list(revenue.x)) == ([300.0, 1000.0], [600.0, 500.0])
    none = channel_charts.spend_vs_revenue(table.with_columns(pl.lit(None).alias("spend")), "S")
    assert "No spend" in none.layout.annotations[0].text
