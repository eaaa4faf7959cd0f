"""The load driver's arithmetic and the link it keeps (the driver itself runs against a server
in tests/e2e/test_load_driver.py)."""

from __future__ import annotations

import math
import random

from alignment.devtools import load


def test_percentile_is_the_nearest_rank() -> None:
    values = [0.4, 0.1, 0.3, 0.2]
    # sorted 0.1 0.2 0.3 0.4: p50 rank ceil(0.5 * 4) = 2 -> 0.2; p95 rank ceil(3.8) = 4 -> 0.4
    assert load.percentile(values, 0.50) == 0.2
    assert load.percentile(values, 0.95) == 0.4
    assert load.percentile([7.0], 0.95) == 7.0
    assert math.isnan(load.percentile([], 0.5))


def test_summary_counts_errors_and_leaves_them_out_of_the_times() -> None:
    runs = [
        load.Run("open overview", 2.0),
        load.Run("period", 1.0),
        load.Run("period", 3.0),
        load.Run("channel", 0.5),
        load.Run("channel", 9.0, ["exception: KeyError"]),
    ]
    summary = load.summarise(runs, viewers=1)
    # changes without errors: 0.5 1.0 3.0 -> p50 rank 2 = 1.0, p95 rank 3 = 3.0
    assert summary["changes"] == {
        "n": 4,
        "p50_s": 1.0,
        "p95_s": 3.0,
        "max_s": 3.0,
        "mean_s": 1.5,
        "errors": 1,
    }
    assert summary["opens"]["n"] == 1 and summary["opens"]["p50_s"] == 2.0
    assert summary["by_action"]["channel"]["errors"] == 1
    assert summary["error_messages"] == ["channel: exception: KeyError"]


def test_widget_keys_are_read_from_widget_ids() -> None:
    assert load.widget_key("$$ID-5d54a0fdf1f159643d0b174b4a520b25-grain") == "grain"
    assert load.widget_key("$$ID-abc-funnel_by") == "funnel_by"
    assert load.widget_key("plain-id") is None


def test_the_link_holds_what_the_viewer_changed_unless_it_is_the_default() -> None:
    viewer = load.Viewer(0, "http://localhost:8501", random.Random(1), 5.0)
    viewer.widgets = {
        "grain": load.Widget("g", "button_group", ["Month", "Quarter", "Week"], [0], "grain"),
        "channel": load.Widget("c", "multiselect", ["Email", "Events"], [], "channel"),
        "compare": load.Widget("p", "selectbox", ["Previous period", "None"], [0], "compare"),
    }
    viewer.values = {"grain": ["Month"], "channel": ["Email"], "compare": "None"}
    # the grain is at its default, so the browser leaves it out of the URL
    assert viewer.query_string() == "channel=Email&compare=None"
