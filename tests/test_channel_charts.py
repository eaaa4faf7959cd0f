"""The Channels page's win-rate chart, checked by reading the figure it builds."""

from __future__ import annotations

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
