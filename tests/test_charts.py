from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
import pytest

from alignment.present import charts


def _trend() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": [date(2026, 1, 1), date(2026, 2, 1)],
            "mqls": [10, 20],
            "sqls": [3, 4],
            "mql_to_sql": [0.3, 0.2],
            "pipeline_created": [1000.0, None],
            "won_revenue": [500.0, 0.0],
            "opps_won": [1, 0],
            "opps_lost": [1, 0],
            "win_rate": [0.5, None],
        }
    )


def test_mql_trend_draws_bars_and_a_rate_line_with_the_title() -> None:
    fig = charts.mql_trend(_trend(), "MQLs to February 2026")
    assert fig.layout.title.text == "MQLs to February 2026"
    assert [t.type for t in fig.data] == ["bar", "bar", "scatter"]
    assert list(fig.data[0].y) == [10, 20]
    assert list(fig.data[2].y) == [0.3, 0.2]
    assert fig.data[2].yaxis == "y2"
    assert fig.layout.template.layout.font.size == 16  # the shared, projector-sized theme


def test_empty_trend_says_what_is_missing() -> None:
    empty = _trend().with_columns(pl.lit(0).alias("mqls"))
    fig = charts.mql_trend(empty, "MQLs")
    assert len(fig.data) == 0
    assert "import leads" in fig.layout.annotations[0].text


def test_revenue_trend_fills_missing_amounts_with_zero() -> None:
    fig = charts.revenue_trend(_trend(), "Revenue")
    assert list(fig.data[0].y) == [1000.0, 0]


@pytest.mark.parametrize(
    ("largest", "whole", "expected"),
    [
        # 4 intervals: 13 / 4 = 3.25 -> 5 (2.5 is too small); a count axis never steps by 0.5
        (13.0, True, 5.0),
        (2.0, True, 1.0),  # 0.5 would be the round step, but leads are whole
        (2.0, False, 0.5),
        (0.33, False, 0.1),  # 0.0825 -> 0.1 (as 10 % ticks)
        (0.42, False, 0.2),  # 0.105: the next of 0.1 x (1, 2, 2.5, 5) is 0.2
        (760_000.0, False, 200_000.0),  # 190k -> 200k
    ],
)
def test_nice_steps(largest: float, whole: bool, expected: float) -> None:
    assert charts.nice_step(largest, whole=whole) == pytest.approx(expected)


def test_two_axes_line_up_on_round_ticks_and_ignore_months_with_too_few() -> None:
    # month 1: 10 MQLs (too few) converting at 97 %; months 2-3: 40 and 50 MQLs at 30 % and 25 %
    trend = pl.DataFrame(
        {
            "month": [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
            "mqls": [10, 40, 50],
            "sqls": [9, 12, 12],
            "mql_to_sql": [0.97, 0.30, 0.25],
        }
    )
    fig = charts.mql_trend(trend, "MQLs")
    line = fig.data[2]
    assert list(line.marker.symbol) == ["circle-open", "circle", "circle"]
    # left: 50 leads / 4 = 12.5 -> step 20, range 0-80; right: 0.30 / 4 = 0.075 -> 0.1, 0-40 %
    # (the 97 % month does not set the axis); four intervals each, so the ticks align
    assert (fig.layout.yaxis.dtick, list(fig.layout.yaxis.range)) == (20, [0, 80])
    assert fig.layout.yaxis2.dtick == pytest.approx(0.1)
    assert list(fig.layout.yaxis2.range) == pytest.approx([0, 0.4])


def test_channel_colours_are_stable() -> None:
    assert charts.channel_color("Paid Search") == "#2563EB"
    assert charts.channel_color("Some New Channel") == charts.channel_color("Some New Channel")
    assert charts.channel_color("Some New Channel") in charts.PALETTE


@pytest.mark.parametrize(
    ("months", "dtick"),
    [(1, "M1"), (12, "M1"), (13, "M2"), (18, "M2"), (24, "M2"), (36, "M3"), (120, "M12")],
)
def test_a_monthly_axis_labels_at_most_twelve_months(months: int, dtick: str) -> None:
    # 18 months every 2 -> 9 labels; 120 months (all time over ten years) every 12 -> 10 labels
    assert charts.month_axis(months) == {"tickformat": "%b %Y", "dtick": dtick}


def test_a_quarterly_trend_is_drawn_by_its_quarter_labels() -> None:
    trend = _trend().with_columns(pl.Series("label", ["Q1 2026", "Q2 2026"]))
    fig = charts.revenue_trend(trend, "By quarter", "quarter")
    assert list(fig.data[0].x) == ["Q1 2026", "Q2 2026"]
    assert fig.layout.xaxis.type == "category"


def test_a_small_count_axis_ticks_at_whole_numbers() -> None:
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 3]))
    # 3 leads / 4 intervals = 0.75 -> a whole step of 1, never 0.5
    assert charts.whole_number_axis(fig).layout.yaxis.dtick == 1
    large = go.Figure(go.Bar(x=["a"], y=[250]))
    assert charts.whole_number_axis(large).layout.yaxis.dtick is None  # plotly's own ticks
