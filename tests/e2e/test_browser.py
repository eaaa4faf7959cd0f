"""A real browser against a real server: the Overview shows demo numbers, and the sample
exports upload and import through the Import page. Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment import model
from alignment.metrics import overview, registry
from alignment.periods import Period
from alignment.present import format

from .conftest import ARTIFACTS, REPO

pytestmark = pytest.mark.e2e
SAMPLES = REPO / "data" / "samples"


@pytest.fixture
def expected_mqls(demo_db: Path) -> str:
    """The September 2026 MQL tile text, computed before the server opens the database (a
    DuckDB file is opened by one process at a time)."""
    con = model.connect(demo_db)
    expected = overview.kpis(con, Period.parse("2026-09"))
    con.close()
    return format.metric_value("mqls", expected["mqls"][0])


def test_overview_and_import_in_a_browser(expected_mqls: str, server: str, browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{server}/?period=September+2026", wait_until="networkidle")
    page.get_by_text("Overview · September 2026").wait_for(timeout=60_000)
    mql_tile = (
        page.locator('[data-testid="stMetric"]').filter(has_text=registry.KPIS["mqls"].label).first
    )
    mql_tile.wait_for(timeout=30_000)
    assert expected_mqls in mql_tile.inner_text()
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    page.goto(f"{server}/import_data", wait_until="networkidle")
    page.get_by_text("Import history").wait_for(timeout=30_000)
    page.locator('input[type="file"]').set_input_files(
        [str(SAMPLES / "hubspot_contacts.csv"), str(SAMPLES / "salesforce_opportunities.csv")]
    )
    buttons = page.get_by_role("button", name="Import this file")
    buttons.nth(1).wait_for(timeout=60_000)
    for index in range(2):
        page.get_by_role("button", name="Import this file").nth(index).click()
        page.get_by_text("Imported ").nth(index).wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "import.png"), full_page=True)
    text = page.inner_text("body")
    assert "Imported hubspot_contacts.csv" in text
    assert "Imported salesforce_opportunities.csv" in text


def test_review_pages_render_their_charts_in_a_browser(server: str, browser) -> None:
    """Deep links work even as the first request of a fresh server (the router takes over from
    Streamlit's legacy `pages/` folder mode), and each page draws without a traceback."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    for path, title, shot in (
        ("funnel?period=Q3+2026&grain=Quarter", "Funnel · Q3 2026", "funnel.png"),
        ("rejections?period=Q3+2026&grain=Quarter", "Rejections · Q3 2026", "rejections.png"),
        ("quality", "Data quality", "quality.png"),
    ):
        page.goto(f"{server}/{path}", wait_until="networkidle")
        page.get_by_text(title).first.wait_for(timeout=60_000)
        if path != "quality":
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        page.get_by_text("Presenter mode").wait_for(timeout=30_000)  # the router's sidebar
        body = page.inner_text("body")
        assert "Traceback" not in body and "Page not found" not in body
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)


def test_a_deep_link_with_a_cli_period_and_an_unknown_channel(server: str, browser) -> None:
    """A link written with the CLI's spelling opens that period (the address bar then shows it
    as the selector spells it); an unknown channel is named in a notice at the top of the page,
    as text (a value from a link is never Markdown)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(
        f"{server}/funnel?period=2026-Q2&channel=%2A%2ANonexistent%2A%2A", wait_until="networkidle"
    )
    page.get_by_text("Funnel · Q2 2026").first.wait_for(timeout=60_000)
    notice = page.get_by_text("Not applied from this link").first
    notice.wait_for(timeout=30_000)
    assert (
        "channel “**Nonexistent**” (not in the data: showing every channel)" in notice.inner_text()
    )
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "link_notice.png"), full_page=True)
    assert "grain=Quarter" in page.url and "period=Q2+2026" in page.url
    assert "Nonexistent" not in page.url


def test_the_sla_page_and_its_breaches_in_a_browser(server: str, browser) -> None:
    """`/sla` opens on a deep link, shows the scorecard and its charts, and a tile's button opens
    the breach list behind it (the leads, open breaches first)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server}/sla?period=September+2026", wait_until="networkidle")
    page.get_by_text("SLA · September 2026").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Traceback" not in body
    for label in ("Response within SLA", "Follow-up attempts", "Rejections documented"):
        assert label in body
    page.screenshot(path=str(ARTIFACTS / "sla.png"))
    page.get_by_role("button", name="List the").first.click()
    page.get_by_text("breached response").first.wait_for(timeout=60_000)
    assert "sla_breaches=" in page.url
    page.screenshot(path=str(ARTIFACTS / "sla_breaches.png"))


def test_the_channels_page_opens_in_the_view_its_link_names(server: str, browser) -> None:
    """`/channels?view=cohort` opens the cohort view (the control shows it, the URL keeps it) and
    draws the win-rate chart."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1600})
    page.goto(f"{server}/channels?period=All+time&view=cohort", wait_until="networkidle")
    page.get_by_text("Channels · All time").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert "Cohort view: deals created in the period" in body
    control = page.get_by_role("radiogroup", name="View", exact=True)
    active = control.get_by_role("radio", checked=True)
    assert active.inner_text().strip() == "cohort"
    assert "view=cohort" in page.url
    assert "Win rate by channel, cohort view" in body
    page.screenshot(path=str(ARTIFACTS / "channels.png"))


def test_a_row_of_the_explorer_opens_the_records_behind_it(server: str, browser) -> None:
    """Picking the first row of the Explore table (the channel with most MQLs) opens the
    records section on that channel, and the link keeps the choice."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server}/explore?period=Q1+2026&explore_by=Channel", wait_until="networkidle")
    grid = page.locator(".st-key-explore_table [data-testid='stDataFrameResizable']")
    grid.wait_for(timeout=60_000)
    box = grid.bounding_box()
    assert box is not None
    # the grid is a canvas: click the first data row's selection box (header and rows ~35 px)
    page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)
    page.get_by_text("Q1 2026:", exact=False).first.wait_for(timeout=30_000)
    assert "explore_records=true" in page.url
    assert "explore_cell_channel=" in page.url
    caption = page.get_by_text("50 per page, newest first", exact=False).first.inner_text()
    assert caption.startswith("MQLs, Channel: ")
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "explore_records.png"))
