"""AppTest of the Rejections page, always from the entrypoint (the router draws the filters)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.metrics import rejections
from alignment.periods import ALL_TIME
from alignment.present import format
from alignment.screens import rejections as rejections_screen
from alignment.selection import Selection

REPO = Path(__file__).resolve().parents[1]
PAGE = "pages/rejections.py"

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _page(query: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    return at.switch_page(PAGE).run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_rejections_page_shows_pareto_patterns_trend_heatmaps_and_records(
    demo_db: Path,
) -> None:
    at = _page({"period": "All time"})
    _no_errors(at)
    assert at.title[0].value == "Rejections · All time"
    con = model.connect(demo_db, read_only=True)
    try:
        pareto = rejections.pareto(con, ALL_TIME)
        found = rejections_screen.patterns(con, Selection(ALL_TIME), "leads", "standard")
    finally:
        con.close()
    docs = rejections.documentation(pareto)
    assert _metric(at, "Rejected leads") == f"{docs.total:,}"
    assert _metric(at, "Documented") == format.rate(docs.documentation_rate)
    top = next(m for m in at.metric if m.label.startswith("Top reason"))
    assert top.label == f"Top reason: {pareto['reason'][0]}"
    assert top.value == format.rate(pareto["share"][0])
    # the planted pattern, in words, exactly as the function writes it
    text = "\n".join(m.value for m in at.markdown)
    assert found.height and found["sentence"][0] in text
    assert "Paid Social SMB" in found["sentence"][0]
    # Pareto, trend, reason x channel, reason x segment
    assert len(at.get("plotly_chart")) == 4
    records = at.dataframe[0].value
    assert len(records) == 50  # first page
    assert any("per page" in c.value for c in at.caption)


def test_switching_to_lost_reasons_and_changing_the_dimension(demo_db: Path) -> None:
    at = _page({"period": "All time"})
    at.segmented_control(key="rejections_kind").set_value("opportunities").run()
    _no_errors(at)
    assert at.title[0].value == "Lost deals · All time"
    con = model.connect(demo_db, read_only=True)
    try:
        lost = rejections.documentation(rejections.pareto(con, ALL_TIME, kind="opportunities"))
    finally:
        con.close()
    assert _metric(at, "Lost deals") == f"{lost.total:,}"
    assert "opp_id" in at.dataframe[0].value.columns

    at.selectbox(key="rejections_by").set_value("owner").run()
    _no_errors(at)
    assert len(at.get("plotly_chart")) == 4
    at.segmented_control(key="rejections_level").set_value("raw").run()
    _no_errors(at)
    at.segmented_control(key="rejections_kind").set_value("leads").run()
    _no_errors(at)
    assert at.title[0].value == "Rejections · All time"


def test_drill_down_to_one_reason(demo_db: Path) -> None:
    at = _page({"period": "All time"})
    reason = "Budget doesn't match"
    at.selectbox(key="rejections_reason").set_value(reason).run()
    _no_errors(at)
    records = at.dataframe[0].value
    assert set(records["reason"]) == {reason}
    con = model.connect(demo_db, read_only=True)
    try:
        expected = rejections.record_count(con, ALL_TIME, reason=reason)
    finally:
        con.close()
    assert any(c.value.startswith(f"{expected:,} rejections") for c in at.caption)


def test_presenter_mode_masks_names_and_emails(demo_db: Path) -> None:
    at = _page({"period": "All time", "present": "1"})
    _no_errors(at)
    records = at.dataframe[0].value
    assert records["name"].str.endswith("•••").all()
    assert records["email"].str.startswith("•••@").all()


def test_a_month_with_few_rejections_says_so(demo_db: Path) -> None:
    at = _page({"period": "September 2026"})
    _no_errors(at)
    assert any("shares move a lot" in c.value for c in at.caption)


def test_empty_database_explains_where_rejections_come_from(empty_db: Path) -> None:
    at = _page()
    _no_errors(at)
    assert any("Rejection Reason" in i.value for i in at.info)
    at.segmented_control(key="rejections_kind").set_value("opportunities").run()
    _no_errors(at)
    assert any("Loss Reason" in i.value for i in at.info)


@pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")
def test_a_shared_link_reproduces_the_page_switches(demo_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update({"rejections_kind": "Closed-lost reasons", "period": "All time"})
    at.run()
    at.switch_page("pages/rejections.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Lost deals · All time"
