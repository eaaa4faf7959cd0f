"""AppTest of the Overview's "What changed, and why" section: after the trend charts, a metric
and dimension selector, the waterfall, the three largest effects in words (exactly as the screen
function writes them) and, without a comparison, a note that there is nothing to compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.metrics import change
from alignment.periods import Period
from alignment.present import sentences
from alignment.screens import overview
from alignment.selection import Selection

REPO = Path(__file__).resolve().parents[1]
Q3 = Period.quarter(2026, 3)

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update({"overview_changes": "true", **query})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _expected(demo_db: Path, selection: Selection, metric: str, dimension: str) -> dict:
    con = model.connect(demo_db, read_only=True)
    try:
        return overview.changes(con, selection, metric, dimension)
    finally:
        con.close()


def _bullets(at: AppTest) -> list[str]:
    return [m.value.removeprefix("- ") for m in at.markdown if m.value.startswith("- ")]


def test_overview_explains_what_changed_after_the_trends(demo_db: Path) -> None:
    at = _app({"period": "2026-Q3"})
    assert [e.label for e in at.expander if "changed" in e.label] == ["What changed, and why"]
    assert at.selectbox(key="change_metric").value == "mql_to_sql"
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # the two trend charts first, the waterfall last
    assert [c["data"][0]["type"] for c in charts][-1] == "waterfall"
    assert len(charts) == 3
    expected = _expected(demo_db, Selection(Q3, "previous"), "mql_to_sql", "channel")
    waterfall = charts[-1]
    assert waterfall["layout"]["title"]["text"] == expected["title"]
    assert waterfall["data"][0]["y"][0] == "Q2 2026" and waterfall["data"][0]["y"][-1] == "Q3 2026"
    assert _bullets(at) == expected["sentences"] and len(expected["sentences"]) == 3
    assert all("See [Channels](/channels?" in s for s in _bullets(at))


def test_overview_change_follows_the_metric_and_dimension_chosen(demo_db: Path) -> None:
    at = _app({"period": "2026-Q3"})
    at.selectbox(key="change_metric").set_value("won_revenue").run()
    at.segmented_control(key="change_by").set_value("segment").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = _expected(demo_db, Selection(Q3, "previous"), "won_revenue", "segment")
    assert _bullets(at) == expected["sentences"]
    assert json.loads(at.get("plotly_chart")[-1].proto.spec)["layout"]["title"]["text"] == (
        "Won revenue, Q2 2026 to Q3 2026: the change by segment"
    )


@pytest.mark.parametrize(
    ("query", "why"),
    [({"period": "2026-Q3", "compare": "none"}, "no comparison"), ({"period": "all"}, "all time")],
)
def test_overview_says_there_is_nothing_to_compare(
    demo_db: Path, query: dict[str, str], why: str
) -> None:
    at = _app(query)
    assert any(f"Nothing to compare: the view shows {why}." in i.value for i in at.info)
    assert all(
        json.loads(c.proto.spec)["data"][0]["type"] != "waterfall" for c in at.get("plotly_chart")
    )
    assert _bullets(at) == []


def test_overview_calls_out_simpson_s_paradox(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the demo holds no paradox (test_change.py finds one in its own fixture), so the finder
    # reports one here: the page shows its sentence as a warning, under the waterfall
    found = change.Simpson(
        metric="mql_to_sql",
        dimension="channel",
        groups=("Email", "Events"),
        groups_direction="up",
        before=0.40,
        after=0.35,
        min_n=30,
    )
    monkeypatch.setattr(change, "simpson", lambda frame, min_n=30: [found])
    at = _app({"period": "2026-Q3"})
    expected = sentences.simpson_paradox(found, Selection(Q3, "previous"))
    assert expected.startswith("Simpson's paradox: MQL → SQL rose in every channel")
    assert [w.value for w in at.warning if "Simpson" in w.value] == [expected]
