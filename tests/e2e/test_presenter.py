"""Presenter mode on a projector's screen: a link with filters and `present=1` at 1280x720
shows the title, every KPI tile and the first chart without scrolling, keeps `present=1` in
the address, and puts no destructive button on the shared screen. The screenshot is kept in
tests/e2e/artifacts/presenter_1280x720.png."""

from __future__ import annotations

import time

import pytest

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
WIDTH, HEIGHT = 1280, 720


def _inside(box: dict[str, float] | None) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= WIDTH
        and box["y"] + box["height"] <= HEIGHT
    )


def test_presenter_link_fits_a_projector(server: str, browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(f"{server}/?period=September+2026&channel=Email&present=1", wait_until="networkidle")
    title = page.get_by_text("Overview · September 2026")
    title.wait_for(timeout=60_000)
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=30_000)
    time.sleep(1.5)  # the charts' layout settles after their first draw
    page.screenshot(path=str(ARTIFACTS / "presenter_1280x720.png"))
    assert _inside(title.bounding_box())
    box = title.bounding_box()
    assert box is not None
    # the title is seen, not under Streamlit's header bar: the element at its centre is it
    seen = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.textContent ?? ''",
        [box["x"] + 20, box["y"] + box["height"] / 2],
    )
    assert "Overview" in seen, seen
    tiles = page.locator('[data-testid="stMetric"]')
    assert tiles.count() >= 8
    for index in range(8):  # the KPI tiles; the SLA row comes after the charts
        assert _inside(tiles.nth(index).bounding_box()), f"tile {index} is below the fold"
    assert _inside(chart.bounding_box()), chart.bounding_box()
    body = page.inner_text("body")
    assert "channel: Email" in body  # the filters, stated at the top
    assert "Remove demo data" not in body
    assert "present=1" in page.url or "present=true" in page.url
