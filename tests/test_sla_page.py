"""AppTest of the SLA page and the Overview's SLA row, from the entrypoint: the numbers shown
are the metric functions' (computed independently here on the same database), a tile's button
opens the breaches behind it, and an empty database says which export to upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import model
from alignment.metrics import sla
from alignment.periods import Period
from alignment.present import format
from alignment.selection import Selection

REPO = Path(__file__).resolve().parents[1]
SEPTEMBER = Period.month(2026, 9)

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches", "navigation_only")


def _page(path: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.query_params.update(query or {"period": "September 2026"})
    at.run()
    return at.switch_page(path).run()


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _scorecard(demo_db: Path) -> dict[str, dict[str, object]]:
    con = model.connect(demo_db, read_only=True)
    try:
        card = sla.scorecard(con, Selection(SEPTEMBER))
    finally:
        con.close()
    return {row["commitment"]: row for row in card.to_dicts()}


def test_sla_page_shows_every_commitment_as_computed(demo_db: Path) -> None:
    at = _page("pages/sla.py")
    _no_errors(at)
    assert at.title[0].value == "SLA · September 2026"
    expected = _scorecard(demo_db)
    shown = {m.label: m.value for m in at.metric}
    response = expected["response_time"]
    assert shown["Response within SLA"] == format.rate(response["actual"])
    assert shown["MQLs vs target"] == format.count(expected["mql_volume"]["actual"])
    badges = " ".join(m.value for m in at.markdown)
    assert "Met" in badges or "At risk" in badges or "Missed" in badges
    titles = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert any("Business hours from clock start to first touch" in t for t in titles)
    assert any("MQLs per month against the target" in t for t in titles)


def test_a_tiles_button_opens_its_breaches(demo_db: Path) -> None:
    at = _page("pages/sla.py")
    button = next(b for b in at.button if b.key == "sla_list_response_time")
    at = button.click().run()
    _no_errors(at)
    table = next(d.value for d in at.dataframe if "business_hours" in d.value.columns)
    assert table["breach"].unique().tolist() == ["Response"]
    # open breaches come first
    states = table["state"].tolist()
    assert states == sorted(states, key=lambda s: s != "open")


def test_presenter_mode_masks_names_in_the_breach_list(demo_db: Path) -> None:
    at = _page("pages/sla.py", {"period": "September 2026", "present": "1"})
    at = next(b for b in at.button if b.key == "sla_list_attempts").click().run()
    _no_errors(at)
    table = next(d.value for d in at.dataframe if "business_hours" in d.value.columns)
    assert table["breach"].unique().tolist() == ["Follow-up attempts"]
    # e-mails keep only their domain, names their first letter
    assert table["email"].astype(str).str.startswith("•••@").all()
    assert table["name"].astype(str).str.endswith("•••").all()


def test_overview_shows_targets_and_the_sla_row(demo_db: Path) -> None:
    at = _page("pages/overview.py")
    _no_errors(at)
    expected = _scorecard(demo_db)
    captions = " ".join(c.value for c in at.caption)
    volume = expected["mql_volume"]
    assert f"Target {format.count(volume['target'])}" in captions
    labels = [m.label for m in at.metric]
    assert "Response within SLA" in labels
    assert "Rejections documented" in labels


def test_without_activities_the_page_names_the_exports(empty_db: Path) -> None:
    at = _page("pages/sla.py", {})
    _no_errors(at)
    info = " ".join(i.value for i in at.info)
    assert "No sales activities are imported" in info
    assert "Outreach" in info and "Salesforce" in info and "HubSpot" in info
