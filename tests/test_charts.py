from __future__ import annotations

from datetime import date

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
