"""Shared links: the CLI's spellings are applied, and what a link asks for that cannot be applied
is named in a notice at the top of the page (`links.resolve`, then AppTest from the entrypoint
with the query string set before the first run)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.app import links, sidebar
from alignment.metrics import overview
from alignment.periods import Grain, Period, latest_complete

REPO = Path(__file__).resolve().parents[1]

# a small data range for the unit tests: October 2016 to December 2017
EARLIEST, LATEST, TODAY = date(2016, 10, 20), date(2017, 12, 31), date(2026, 12, 2)
CHOICES = links.Choices(
    period_options=lambda grain: sidebar.period_options(grain, EARLIEST, LATEST, TODAY),
    default_period=lambda grain: latest_complete(grain, EARLIEST, LATEST, TODAY).key,
    dimension_values={"channel": ["(not set)", "Email", "Paid Search"], "owner": ["Ada"]},
    dimension_labels={"channel": "Channel", "owner": "Owner"},
)


def _resolve(**params: str | list[str]) -> links.Resolution:
    return links.resolve({k: [v] if isinstance(v, str) else v for k, v in params.items()}, CHOICES)


# ---- links.resolve ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "values"),
    [
        # the CLI's period keys become the selector's labels, with the grain they imply
        ({"period": "2017-Q3"}, {"grain": ["Quarter"], "period": ["Q3 2017"]}),
        ({"period": "2017-03"}, {"period": ["March 2017"]}),
        ({"period": "2017-W09"}, {"grain": ["Week"], "period": ["Week 9, 2017 (27 Feb)"]}),
        ({"period": "all"}, {"period": ["All time"]}),
        # a label without its grain (the link was cut short) and other letter case
        ({"period": "q3 2017"}, {"grain": ["Quarter"], "period": ["Q3 2017"]}),
        ({"grain": "quarter"}, {"grain": ["Quarter"]}),
        ({"compare": "last_year"}, {"compare": ["Same period last year"]}),
        ({"channel": ["email", "Paid Search"]}, {"channel": ["Email", "Paid Search"]}),
        # what the widgets write is left as it is
        ({"grain": "Quarter", "period": "Q3 2017", "channel": "Email"}, {}),
    ],
)
def test_cli_spellings_are_rewritten_as_the_widgets_spell_them(
    params: dict[str, str | list[str]], values: dict[str, list[str]]
) -> None:
    result = _resolve(**params)
    assert result.values == values
    assert result.notice is None


def test_what_cannot_be_applied_is_named_with_what_is_shown_instead() -> None:
    result = _resolve(period="2026-Q1", channel=["Nonexistent", "Email"], grain="fortnight")
    # 2026-Q1 is a quarter after the data (the grain follows the period); the unknown channel
    # is dropped and Email kept
    assert result.values == {"grain": ["Quarter"], "period": [], "channel": ["Email"]}
    assert result.notice == (
        "Not applied from this link: grain “fortnight” (use month, quarter or week: showing "
        "Month); period “2026-Q1” (outside the data: the data runs from Q4 2016 to Q4 2017; "
        "showing Q4 2017); channel “Nonexistent” (not in the data: showing Email)."
    )


def test_unknown_spellings_of_each_key_are_named() -> None:
    result = _resolve(period="March", compare="yesterday", owner="Bob")
    assert result.values == {"period": [], "compare": [], "owner": []}
    assert result.notice is not None
    assert "period “March” (not a period: use 2026-03" in result.notice
    assert "showing December 2017" in result.notice  # the latest complete month with data
    assert "comparison “yesterday” (use previous, last_year or none" in result.notice
    assert "owner “Bob” (not in the data: showing every owner)" in result.notice
    # a grain that contradicts the period: the period wins, and the notice says so
    both = _resolve(grain="Month", period="2017-Q2")
    assert both.values == {"grain": ["Quarter"], "period": ["Q2 2017"]}
    assert both.notice is not None and "grain “Month” (Q2 2017 is a quarter" in both.notice


def test_a_value_from_a_link_is_never_markdown() -> None:
    image = "![p](http://host/pixel.png)"
    notice = _resolve(channel=[image, ":red[**x**]"]).notice
    assert notice is not None
    assert "![" not in notice and ":red[" not in notice  # brackets and colons are escaped
    assert "“!\\[p\\](http:\u2060//host/pixel.png)”" in notice  # text.markdown_text


# ---- the app -------------------------------------------------------------------------------
pytestmark_app = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _app(query: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update(query)
    return at.run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _link_notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith("Not applied from this link")]


def _default(demo_db: Path, grain: Grain) -> Period:
    con = model.connect(demo_db, read_only=True)
    earliest, latest = overview.data_date_range(con)
    con.close()
    return latest_complete(grain, earliest, latest, datetime.now(UTC).date())


@pytestmark_app
def test_a_cli_period_in_a_link_opens_that_period(demo_db: Path) -> None:
    at = _app({"period": "2026-Q2", "compare": "none", "channel": "email"})
    _no_errors(at)
    assert at.title[0].value == "Overview · Q2 2026"
    assert at.segmented_control(key="grain").value == "quarter"
    assert at.selectbox(key="period").value == "2026-Q2"
    assert at.selectbox(key="compare").value == "none"
    assert at.multiselect(key="channel").value == ["Email"]
    assert not _link_notices(at)
    # the address bar now holds the widgets' spelling, so a copied link reproduces the view
    assert dict(at.query_params) == {
        "period": "Q2 2026",
        "grain": "Quarter",
        "compare": "No comparison",
        "channel": "Email",
    }


@pytestmark_app
def test_a_link_with_unknown_values_says_what_it_shows_instead(demo_db: Path) -> None:
    at = _app({"period": "2019-Q1", "channel": "Nonexistent"})
    _no_errors(at)
    default = _default(demo_db, "quarter")
    assert at.title[0].value == f"Overview · {default.label}"
    assert at.selectbox(key="period").value == default.key
    assert at.multiselect(key="channel").value == []
    [notice] = _link_notices(at)
    assert "period “2019-Q1” (outside the data" in notice
    assert f"showing {default.label}" in notice
    assert "channel “Nonexistent” (not in the data: showing every channel)" in notice
    # the notice stays on every page while the view is the one the link produced ...
    at.switch_page("pages/funnel.py").run()
    _no_errors(at)
    assert len(_link_notices(at)) == 1
    # ... and goes once the user picks something else
    at.selectbox(key="compare").set_value("none").run()
    _no_errors(at)
    assert not _link_notices(at)


@pytestmark_app
def test_a_valid_link_shows_no_notice(demo_db: Path) -> None:
    at = _app({"grain": "Quarter", "period": "Q3 2026", "channel": "Email"})
    _no_errors(at)
    assert at.title[0].value == "Overview · Q3 2026"
    assert not _link_notices(at)
