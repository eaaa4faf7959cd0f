"""The browser timer (`alignment.devtools.browser`) against a served app: a filter change is
timed from the click to the rendered page, and the page opens and changes without errors."""

from __future__ import annotations

import pytest

from alignment.devtools import browser as devtools_browser

pytestmark = pytest.mark.e2e


def test_a_grain_change_is_timed_until_rendered(server: str, browser) -> None:
    timings = devtools_browser.measure(
        browser, server, pages=["Funnel"], changes=["grain"], repeats=1
    )

    assert [(t.page, t.change, t.value) for t in timings] == [
        ("Funnel", "open", ""),
        ("Funnel", "grain to Quarter", "Quarter"),
        ("Funnel", "grain to Month", "Month"),
    ]
    for timing in timings:
        assert timing.errors == [] and timing.settled
        assert timing.seconds is not None and timing.seconds > 0
        # the run's end arrives before the page showing it is drawn
        assert timing.run_s is not None and 0 < timing.run_s <= timing.seconds
    summary = devtools_browser.summarise(timings)
    assert summary["errors"] == 0 and summary["changes"]["n"] == 2
